import { command, CliError } from '../../command.ts';
import { enroll as enrollDevice } from '../../../authenticator/enroll.ts';
import { HOME_OPTION, home, newPassphrase, publicAccount, PASSPHRASE_ENV } from './shared.ts';

export const enroll = command({
  path: ['authenticator', 'enroll'],
  summary: `Enroll this machine as a Gatehouse Authenticator from the link the enrollment wizard shows
      (the link is single use and lasts 10 minutes). A new P-256 key is made here and its private half
      never leaves the key file (0600); set a passphrase on the terminal, or with ${PASSPHRASE_ENV}.
      The device is pending until you approve the wizard's test request with "approve".`,
  usage: `<link> [--name "Ada's laptop"] [--home DIR]`,
  options: { link: { type: 'string' }, name: { type: 'string' }, ...HOME_OPTION },
  positional: 'link',
  async run({ values, out }) {
    const link = values.link;
    if (!link) throw new CliError('usage', 'missing the enrollment link (copy it from the browser, in quotes)');
    const account = await enrollDevice(home(values), link, { name: values.name, passphrase: newPassphrase });
    out.result(publicAccount(account), [
      `Enrolled "${account.deviceName}" for ${account.email} at ${account.issuer} (device ${account.deviceId}).`,
      'The browser now sends a test request: approve it with the number it shows:',
      // The same --home, or the suggested command would look for the key in the default directory.
      `  gatehouse authenticator approve${values.home ? ` --home '${values.home.replace(/'/g, `'\\''`)}'` : ''}`,
    ].join('\n'));
  },
});
