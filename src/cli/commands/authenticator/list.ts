import { command } from '../../command.ts';
import { table } from '../../output.ts';
import { readAccounts } from '../../../authenticator/accounts.ts';
import { isEncrypted } from '../../../authenticator/key-file.ts';
import { HOME_OPTION, home, publicAccount } from './shared.ts';

export const list = command({
  path: ['authenticator', 'list'],
  summary: 'List the accounts this terminal authenticator answers for (read locally: no network, no passphrase)',
  usage: '[--home DIR]',
  options: { ...HOME_OPTION },
  async run({ values, out }) {
    const dir = home(values);
    const accounts = readAccounts(dir).map((a) => ({ ...publicAccount(a), passphrase: isEncrypted(dir, a.deviceId) }));
    out.result(accounts, () =>
      table(
        accounts.map((a) => ({ ...a, who: a.name ? `${a.email} (${a.name})` : a.email, locked: a.passphrase ? 'yes' : 'no' })),
        [['who', 'ACCOUNT'], ['issuer', 'SERVER'], ['deviceName', 'DEVICE'], ['status', 'STATUS'], ['locked', 'PASSPHRASE'], ['deviceId', 'DEVICE ID'], ['enrolledAt', 'ENROLLED']],
        `No accounts in ${dir}. Enroll one with: npx gatehouse authenticator enroll '<link>'`,
      ),
    );
  },
});
