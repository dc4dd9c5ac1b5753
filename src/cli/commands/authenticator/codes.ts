import { command } from '../../command.ts';
import { table } from '../../output.ts';
import { selectAccounts } from '../../../authenticator/accounts.ts';
import { loadSecrets } from '../../../authenticator/key-file.ts';
import { currentCode } from '../../../authenticator/totp.ts';
import { HOME_OPTION, home, unlockPrompt } from './shared.ts';

export const codes = command({
  path: ['authenticator', 'codes'],
  summary: `Show each account's current 6-digit code and the seconds it stays valid, for "Didn't get a
      notification?" (works without a network; prints the codes, which are secrets for 30 seconds)`,
  usage: '[--account EMAIL|ID] [--home DIR]',
  options: { account: { type: 'string' }, ...HOME_OPTION },
  async run({ values, out }) {
    const dir = home(values);
    const accounts = selectAccounts(dir, values.account);
    const ask = unlockPrompt(accounts);
    const rows: Array<{ deviceId: string; email: string; issuer: string; code: string; secondsLeft: number; period: number }> = [];
    for (const a of accounts) {
      const { totp } = await loadSecrets(dir, a.deviceId, ask);
      const c = currentCode(totp);
      rows.push({ deviceId: a.deviceId, email: a.email, issuer: a.issuer, code: c.code, secondsLeft: c.secondsLeft, period: c.period });
    }
    out.result(rows, () => table(rows.map((r) => ({ ...r, left: `${r.secondsLeft} s` })), [['email', 'ACCOUNT'], ['issuer', 'SERVER'], ['code', 'CODE'], ['left', 'VALID FOR']]));
  },
});
