import { command } from '../../command.ts';
import { oneAccount, forgetAccount, type Account } from '../../../authenticator/accounts.ts';
import { deleteKeyFile } from '../../../authenticator/key-file.ts';
import { AuthenticatorError } from '../../../authenticator/errors.ts';
import { UnlockedDevice } from '../../../authenticator/device.ts';
import { HOME_OPTION, home, publicAccount, unlockPrompt } from './shared.ts';

/**
 * Asks the server to revoke the device (`DELETE /devices/self`, signed with its key): `revoked`, or
 * `already` when the server no longer knows it (removed in Account settings before). Any other
 * failure stops here, with the key file kept: the device still works, so nothing is half done.
 */
async function revoke(dir: string, a: Account): Promise<'revoked' | 'already'> {
  const device = await UnlockedDevice.open(dir, a, unlockPrompt([a]));
  try {
    await device.removeSelf();
    return 'revoked';
  } catch (err) {
    if (err instanceof AuthenticatorError && err.code === 'device_unknown') return 'already';
    if (err instanceof AuthenticatorError && (err.code === 'unreachable' || err.code === 'server_error')) {
      throw new AuthenticatorError(err.code, `${err.message}; nothing was removed (try again, or forget it on this machine only with --local-only and remove it in Account settings)`, err.status);
    }
    throw err;
  }
}

export const remove = command({
  path: ['authenticator', 'remove'],
  summary: `Remove an account from this terminal authenticator: the server revokes the device at once
      (as removing it in Account settings does: you are emailed and signed out of your apps), then its
      key file is deleted here. --local-only forgets it here without asking the server`,
  usage: '[--account EMAIL|ID] [--local-only] [--home DIR]',
  options: { account: { type: 'string' }, 'local-only': { type: 'boolean' }, ...HOME_OPTION },
  async run({ values, out }) {
    const dir = home(values);
    const a = oneAccount(dir, values.account);
    const server = values['local-only'] ? 'kept' : await revoke(dir, a);
    deleteKeyFile(dir, a.deviceId);
    forgetAccount(dir, a.deviceId);
    const settings = `${a.issuer}/account/security`;
    const lines = [
      server === 'revoked'
        ? `Removed "${a.deviceName}" from ${a.email} at ${a.issuer}: the server revoked it.`
        : server === 'already'
          ? `${a.issuer} no longer knew "${a.deviceName}" (it was removed there already).`
          : `The server still lists the device "${a.deviceName}": remove it in Account settings (${settings}) to revoke it.`,
      `Forgot ${a.email} at ${a.issuer} on this machine; its key file is deleted.`,
    ];
    out.result({ removed: publicAccount(a), revokedOnServer: server !== 'kept', server, accountSettings: settings }, lines.join('\n'));
  },
});
