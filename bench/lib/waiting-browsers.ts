import { signIn, type RelyingParty } from './oidc.ts';
import { EventStreamClient } from './sse.ts';
import type { Phone } from './push-phone.ts';

/** A browser on the challenge page with its event stream open, and the phone that will answer it. */
export interface WaitingBrowser {
  phone: Phone;
  challengeId: string;
  number: string;
  stream: EventStreamClient;
  /** Lets the sign-in go on (Continue, code, token) once the measurement is done. */
  release(): void;
}

/**
 * Signs each phone's account in up to the push challenge page (at most `concurrency` sign-ins
 * working at once; one that reached the page waits there without holding a slot), opens the page's
 * event stream — on `streamOrigin` when given, another instance — and lets the phone fetch its
 * request. Resolves when every browser waits; `finished` settles when the released sign-ins end.
 */
export async function holdWaitingBrowsers(
  rp: RelyingParty,
  phones: Phone[],
  password: string,
  concurrency: number,
  streamOrigin?: string,
): Promise<{ waiting: WaitingBrowser[]; errors: string[]; finished: Promise<number> }> {
  const waiting: WaitingBrowser[] = [];
  const errors: string[] = [];
  let slots = concurrency;
  const queue: Array<() => void> = [];
  const acquire = () => (slots > 0 ? (slots--, Promise.resolve()) : new Promise<void>((r) => queue.push(r)));
  const free = () => (queue.length ? queue.shift()!() : slots++);
  const arrivals: Promise<void>[] = [];
  const done = phones.map((phone) => {
    let arrived!: () => void;
    arrivals.push(new Promise<void>((r) => (arrived = r)));
    let holding = false;
    return (async () => {
      await acquire();
      holding = true;
      try {
        await signIn(rp, {
          email: phone.email,
          password,
          push: async (page) => {
            const url = streamOrigin ? streamOrigin + new URL(page.waitUrl).pathname + new URL(page.waitUrl).search : page.waitUrl;
            const stream = await EventStreamClient.open(url, page.jar.header());
            const [c] = await phone.pending();
            if (!c) throw new Error('the phone found no pending request');
            const gate = new Promise<void>((release) => waiting.push({ phone, challengeId: c.id, number: page.number, stream, release }));
            holding = false;
            free();
            arrived();
            await gate;
            stream.close();
          },
        });
        return 1;
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
        return 0;
      } finally {
        if (holding) free();
        arrived();
      }
    })();
  });
  await Promise.all(arrivals);
  return { waiting, errors, finished: Promise.all(done).then((ok) => ok.reduce((a: number, b) => a + b, 0)) };
}
