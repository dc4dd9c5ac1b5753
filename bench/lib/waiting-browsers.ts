import { signIn, type PushPage, type RelyingParty } from './oidc.ts';
import type { Phone } from './push-phone.ts';

/** A browser on the challenge page with its held Continue waiting, and the phone that will answer it. */
export interface WaitingBrowser {
  phone: Phone;
  challengeId: string;
  number: string;
  /** The held Continue's answer and when it arrived. */
  held: PushPage['held'];
  /** Lets the sign-in go on (the app, the code, the token) once the measurement is done. */
  release(): void;
}

/**
 * Signs each phone's account in up to the push challenge page (at most `concurrency` sign-ins
 * working at once; one that reached the page waits there without holding a slot), where the browser
 * sends its held Continue — to `holdOrigin` when given, another instance — and lets the phone fetch
 * its request. Resolves when every browser waits; `finished` settles when the released sign-ins end.
 */
export async function holdWaitingBrowsers(
  rp: RelyingParty,
  phones: Phone[],
  password: string,
  concurrency: number,
  holdOrigin?: string,
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
          holdOrigin,
          push: async (page) => {
            const [c] = await phone.pending();
            if (!c) throw new Error('the phone found no pending request');
            const gate = new Promise<void>((release) => waiting.push({ phone, challengeId: c.id, number: page.number, held: page.held, release }));
            holding = false;
            free();
            arrived();
            await gate;
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
