import { command, CliError } from '../../command.ts';
import { askLine, isInteractive } from '../../terminal.ts';
import type { Output } from '../../output.ts';
import { selectAccounts, updateAccount } from '../../../authenticator/accounts.ts';
import { pendingRequests, type Pending } from '../../../authenticator/waiting.ts';
import { AuthenticatorError } from '../../../authenticator/errors.ts';
import type { Decision } from '../../../authenticator/device-jws.ts';
import { HOME_OPTION, home, openAll, publicRequest, describeRequest, noteFailure, explainDeviceUnknown } from './shared.ts';

const CHOOSE = { challenge: { type: 'string' }, account: { type: 'string' }, ...HOME_OPTION } as const;

/** The one request to answer: named by `--challenge`, or the only one waiting. */
async function chooseRequest(values: { challenge?: string; account?: string; home?: string }, out: Output): Promise<Pending> {
  const dir = home(values);
  const accounts = selectAccounts(dir, values.account);
  const devices = await openAll(dir, accounts);
  const all = await explainDeviceUnknown(accounts, () => pendingRequests(devices, { onError: noteFailure(out) }));
  const found = values.challenge ? all.filter((p) => p.challenge.id === values.challenge) : all;
  if (found.length === 0) {
    const which = values.challenge ? `request ${values.challenge} is not waiting (it was answered, expired, or is for another account)` : 'no sign-in request is waiting';
    throw new AuthenticatorError('no_pending_request', `${which}; start the sign-in in the browser first, or see "gatehouse authenticator pending"`);
  }
  if (found.length > 1) {
    throw new AuthenticatorError('ambiguous', `${found.length} requests are waiting; choose one with --challenge: ${found.map((p) => `${p.challenge.id} (${p.challenge.app}, ${p.device.account.email})`).join(', ')}`);
  }
  return found[0]!;
}

/** The number shown in the browser: `--code`, else asked on a terminal, else a usage error. */
async function numberFor(code: string | undefined): Promise<string> {
  const typed = code ?? (isInteractive() ? await askLine('Type the number shown in the browser: ') : undefined);
  if (typed === undefined) throw new CliError('usage', 'missing --code: the number the browser shows (it is asked on the terminal only when stdin is one)');
  // Shape only: whether it is the right number is for the server to say (and to count).
  if (!/^[0-9]{1,8}$/.test(typed)) throw new CliError('invalid_value', `the number must be the digits shown in the browser, got "${typed}"`);
  return typed;
}

async function answer(p: Pending, decision: Decision, number?: string) {
  const status = await p.device.answer(p.challenge.id, decision, number);
  // The first approval is what activates a pending device (docs/authenticator-api.md, "Enrollment").
  if (status === 'approved' && p.device.account.status === 'pending') {
    updateAccount(p.device.dir, p.device.account.deviceId, { status: 'active' });
  }
  return { status, request: publicRequest(p) };
}

export const approve = command({
  path: ['authenticator', 'approve'],
  summary: `Approve the waiting sign-in: shows the app, action, browser, OS, IP and time, then asks
      for the number the browser shows (or takes it from --code)`,
  usage: '[--code NN] [--challenge ID] [--account EMAIL|ID] [--home DIR]',
  options: { code: { type: 'string' }, ...CHOOSE },
  async run({ values, out }) {
    const p = await chooseRequest(values, out);
    out.note(describeRequest(p));
    const result = await answer(p, 'approve', await numberFor(values.code));
    const what = p.challenge.kind === 'enroll' ? 'the test request; this device is now active' : `the sign-in to ${p.challenge.app}`;
    out.result(result, `Approved ${what}.`);
  },
});

export const deny = command({
  path: ['authenticator', 'deny'],
  summary: `Deny the waiting sign-in; with --fraud also report "This wasn't me" (push pauses for the
      account, and the person is emailed)`,
  usage: '[--fraud] [--challenge ID] [--account EMAIL|ID] [--home DIR]',
  options: { fraud: { type: 'boolean' }, ...CHOOSE },
  async run({ values, out }) {
    const p = await chooseRequest(values, out);
    out.note(describeRequest(p));
    const result = await answer(p, values.fraud ? 'fraud' : 'deny');
    out.result(result, result.status === 'reported' ? `Denied the sign-in to ${p.challenge.app} and reported it as not you.` : `Denied the sign-in to ${p.challenge.app}.`);
  },
});
