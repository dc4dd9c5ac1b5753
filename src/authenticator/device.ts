import { AuthenticatorApi, type Challenge, type SigningDevice } from './api.ts';
import type { Account } from './accounts.ts';
import { loadSecrets, signingKey, type PassphrasePrompt } from './key-file.ts';
import { answerJws, type Decision } from './device-jws.ts';

/** An account whose key file is open: it can sign requests and answers. */
export class UnlockedDevice {
  readonly api: AuthenticatorApi;
  private constructor(
    /** The state directory the key came from. */
    readonly dir: string,
    readonly account: Account,
    private readonly signer: SigningDevice,
  ) {
    this.api = new AuthenticatorApi(account.apiBase);
  }

  static async open(home: string, account: Account, ask: PassphrasePrompt): Promise<UnlockedDevice> {
    const secrets = await loadSecrets(home, account.deviceId, ask);
    return new UnlockedDevice(home, account, { deviceId: account.deviceId, key: await signingKey(secrets) });
  }

  challenges(waitSeconds = 0, signal?: AbortSignal): Promise<Challenge[]> {
    return this.api.challenges(this.signer, waitSeconds, signal);
  }

  async answer(challengeId: string, decision: Decision, number?: string): Promise<'approved' | 'denied' | 'reported'> {
    const jws = await answerJws(this.signer.key, { deviceId: this.account.deviceId, issuer: this.account.issuer, challengeId, decision, number });
    return (await this.api.answer(this.signer, challengeId, jws)).status;
  }

  self() {
    return this.api.self(this.signer);
  }

  removeSelf() {
    return this.api.removeSelf(this.signer);
  }
}
