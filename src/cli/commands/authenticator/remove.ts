import { command } from '../../command.ts';
import { oneAccount, forgetAccount } from '../../../authenticator/accounts.ts';
import { deleteKeyFile } from '../../../authenticator/key-file.ts';
import { HOME_OPTION, home, publicAccount } from './shared.ts';

export const remove = command({
  path: ['authenticator', 'remove'],
  summary: `Forget an account on this machine (its key file is deleted). The server still lists the
      device until it is removed in Account settings: do that too, to revoke its key`,
  usage: '[--account EMAIL|ID] [--home DIR]',
  options: { account: { type: 'string' }, ...HOME_OPTION },
  async run({ values, out }) {
    const dir = home(values);
    const a = oneAccount(dir, values.account);
    // docs/authenticator-api.md v1 has no call that removes a device: revocation is the person's, in Account settings.
    deleteKeyFile(dir, a.deviceId);
    forgetAccount(dir, a.deviceId);
    const settings = `${a.issuer}/account/security`;
    out.result({ removed: publicAccount(a), revokedOnServer: false, accountSettings: settings }, [
      `Forgot ${a.email} at ${a.issuer} on this machine; its key file is deleted.`,
      `The server still lists the device "${a.deviceName}": remove it in Account settings (${settings}) to revoke it.`,
    ].join('\n'));
  },
});
