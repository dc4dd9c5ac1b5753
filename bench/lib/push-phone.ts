import { PushDevice, type Challenge } from '../../test/helpers/push-device.ts';
import { request } from './http.ts';
import { EventStreamClient } from './sse.ts';

/**
 * The Gatehouse Authenticator played by the load generator: a {@link PushDevice} (the test helper,
 * which holds the P-256 key and signs exactly as docs/authenticator-api.md says) speaking over the
 * generator's lean keep-alive client. `base` is where a request is sent (an instance); what is signed
 * (`htu`, `aud`) is always the issuer's, as a real phone behind a load balancer signs it.
 */
export class Phone {
  #wait?: EventStreamClient;

  constructor(
    readonly device: PushDevice,
    readonly email: string,
  ) {}

  /** `GET /challenges`, signed: the requests waiting for this device. */
  async pending(base = this.device.issuer): Promise<Challenge[]> {
    const signedUrl = this.device.api('/challenges');
    const res = await request('GET', base + new URL(signedUrl).pathname, { headers: { authorization: await this.device.authorization('GET', signedUrl), accept: 'application/json' } });
    if (res.status !== 200) throw new Error(`GET /challenges: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    return (JSON.parse(res.body) as { challenges: Challenge[] }).challenges;
  }

  /**
   * Opens the device's wait stream (`GET /challenges/wait`, signed, on a connection of its own), as the
   * terminal authenticator and an open web app hold it: from then on a new request arrives as a
   * `challenge` event ({@link next}) instead of being fetched.
   */
  async listen(base = this.device.issuer): Promise<void> {
    const signedUrl = this.device.api('/challenges/wait');
    this.#wait = await EventStreamClient.open(base + new URL(signedUrl).pathname, { authorization: await this.device.authorization('GET', signedUrl) }, 'own');
  }

  get listening(): boolean {
    return !!this.#wait;
  }

  /**
   * The newest request on the wait stream ({@link listen} first), waiting for one if none came: a
   * person has at most one pending request, so an older one left by an attempt that failed is skipped.
   */
  async next(timeoutMs = 10_000): Promise<Challenge> {
    const wait = this.#wait!;
    let newest: Challenge | undefined;
    while (!newest || wait.buffered > 0) {
      const e = await wait.next(timeoutMs);
      if (e.event === 'challenge') newest = JSON.parse(e.data) as Challenge;
    }
    return newest;
  }

  stopListening(): void {
    this.#wait?.close();
    this.#wait = undefined;
  }

  /** `POST /challenges/{id}/answer` with the signed approval carrying the number the person typed. */
  async approve(challengeId: string, number: string, base = this.device.issuer): Promise<void> {
    const answer = await this.device.answerJws(challengeId, 'approve', number);
    await this.send(challengeId, answer, base);
  }

  /** Sends an answer signed earlier (so that signing is not inside a timed span). */
  async send(challengeId: string, answer: string, base = this.device.issuer): Promise<void> {
    const res = await request('POST', `${base}/api/authenticator/v1/challenges/${encodeURIComponent(challengeId)}/answer`, { json: { answer }, headers: { accept: 'application/json' } });
    if (res.status !== 200 || !res.body.includes('"approved"')) throw new Error(`answer: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  }
}

/** New devices (keys made here) for `issuer`; their public keys go to the push-users seed. */
export function newDevices(issuer: string, count: number): Promise<PushDevice[]> {
  return Promise.all(Array.from({ length: count }, () => PushDevice.create(issuer)));
}

/**
 * Accounts with a phone, lent to one sign-in at a time. Gatehouse gives a person at most 5 push
 * requests per 15 minutes (src/methods/push/limits.ts), so each account is lent at most that many
 * times in a run; seed enough of them.
 */
export class PhonePool {
  readonly #free: Phone[];
  readonly #uses = new Map<Phone, number>();

  constructor(
    phones: Phone[],
    readonly perAccount = 5,
  ) {
    this.#free = [...phones];
  }

  take(): { phone: Phone; release(): void } {
    const phone = this.#free.shift();
    if (!phone) throw new Error('every push account used its 5 requests per 15 minutes: seed more accounts');
    const uses = (this.#uses.get(phone) ?? 0) + 1;
    this.#uses.set(phone, uses);
    return { phone, release: () => void (uses < this.perAccount && this.#free.push(phone)) };
  }
}
