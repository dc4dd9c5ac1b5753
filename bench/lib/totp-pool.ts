import { totpFor, TOTP_PARAMS } from '../../src/methods/totp/codes.ts';

interface Account {
  email: string;
  seed: string;
  busy: boolean;
  /** The last time step this account's code was used for (Gatehouse refuses it and every earlier one). */
  lastStep: number;
}

/** An account lent to one sign-in, with its authenticator app. */
export interface TotpAccount {
  email: string;
  /** The code to type now: the earliest step not used yet, current or next (within Gatehouse's ±1 window). */
  code(): string;
}

const stepOf = (ms: number) => Math.floor(ms / 1000 / TOTP_PARAMS.period);

/**
 * Accounts with an authenticator app, for sign-ins at load. Gatehouse accepts a code once per
 * 30-second step and account (RFC 6238 §5.2), so each account is lent to one sign-in at a time
 * and only while it has an unused step left among the current and the next one; the code is
 * computed when the challenge page asks, as a person would read it off the phone. If every
 * account is spent, `take` waits for the next step (and says so: seed more accounts).
 */
export class TotpPool {
  readonly #accounts: Account[];
  #cursor = 0;
  waitedMs = 0;

  constructor(users: { email: string; seed: string }[]) {
    this.#accounts = users.map((u) => ({ ...u, busy: false, lastStep: -1 }));
  }

  async take(): Promise<TotpAccount & { release(): void }> {
    for (;;) {
      const now = stepOf(Date.now());
      for (let i = 0; i < this.#accounts.length; i++) {
        const a = this.#accounts[(this.#cursor + i) % this.#accounts.length]!;
        if (a.busy || a.lastStep >= now + 1) continue;
        this.#cursor = (this.#cursor + i + 1) % this.#accounts.length;
        a.busy = true;
        return {
          email: a.email,
          code: () => {
            const step = Math.max(a.lastStep + 1, stepOf(Date.now()));
            a.lastStep = step;
            return totpFor(a.seed, 'Gatehouse', a.email).generate({ timestamp: step * TOTP_PARAMS.period * 1000 });
          },
          release: () => void (a.busy = false),
        };
      }
      const wait = (now + 1) * TOTP_PARAMS.period * 1000 - Date.now() + 5;
      this.waitedMs += wait;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
