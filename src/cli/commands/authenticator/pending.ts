import { command } from '../../command.ts';
import { checkInteger } from '../../validate.ts';
import { selectAccounts } from '../../../authenticator/accounts.ts';
import { pendingRequests } from '../../../authenticator/waiting.ts';
import { HOME_OPTION, home, openAll, publicRequest, describeRequest, noteFailure, explainDeviceUnknown } from './shared.ts';

export const pending = command({
  path: ['authenticator', 'pending'],
  summary: `Show the sign-in requests waiting for approval; with --wait, wait up to SECONDS for one
      to arrive (long-poll) and end as soon as it does`,
  usage: '[--wait SECONDS] [--account EMAIL|ID] [--home DIR]',
  options: { wait: { type: 'string' }, account: { type: 'string' }, ...HOME_OPTION },
  async run({ values, out }) {
    const waitSeconds = values.wait === undefined ? 0 : checkInteger(values.wait, '--wait', 0, 3600);
    const dir = home(values);
    const accounts = selectAccounts(dir, values.account);
    const devices = await openAll(dir, accounts);
    const found = await explainDeviceUnknown(accounts, () => pendingRequests(devices, { waitSeconds, onError: noteFailure(out) }));
    out.result(found.map(publicRequest), () =>
      found.length === 0 ? `No request waiting${waitSeconds ? ` (waited ${waitSeconds} s)` : ''}.` : found.map((p) => describeRequest(p)).join('\n\n'),
    );
  },
});
