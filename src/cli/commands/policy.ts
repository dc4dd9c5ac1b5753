import { command, need, CliError, type AnyCommand } from '../command.ts';
import { withStore } from '../store.ts';
import { checkChoice } from '../validate.ts';
import { audit } from '../../store/audit.ts';
import { findClientRow, listApps } from '../../store/clients.ts';
import { simulateSignIn } from '../../policy/simulate.ts';
import type { Decision } from '../../gate/decide.ts';

/** One line for people: what the person would meet after their password. */
function outcome(d: Decision): string {
  switch (d.step) {
    case 'satisfied':
      return 'signed in after the password: no second step asked';
    case 'second_factor':
      return `asked for a second step: ${d.choices.join(', ')}`;
    case 'enroll':
      return d.optional ? 'offered two-step verification set-up ("Remind me later" allowed)' : `must set up two-step verification${d.allowed ? ` (${d.allowed.join(', ')})` : d.phishingResistantOnly ? ' (passkey or security key)' : ''}`;
    case 'deny':
      return `refused (${d.code})`;
    case 'first_factor':
      return 'asked for the password again';
  }
}

const simulate = command({
  path: ['policy', 'simulate'],
  summary: 'What would happen for this person, app, address and device — without signing anyone in',
  usage: '--email E --app NAME|CLIENT_ID --ip A [--device known|new|remembered] [--acr-values "…"]',
  options: { email: { type: 'string' }, app: { type: 'string' }, ip: { type: 'string' }, device: { type: 'string' }, 'acr-values': { type: 'string' } },
  async run({ values, out }) {
    const email = need(values.email, '--email').trim().toLowerCase();
    const appRef = need(values.app, '--app');
    const ip = need(values.ip, '--ip');
    const device = values.device === undefined ? 'new' : checkChoice(values.device, '--device', ['known', 'new', 'remembered'] as const);
    const result = await withStore(async (deps) => {
      const app = (await findClientRow(deps.db, appRef)) ?? (await listApps(deps.db)).find((a) => a.name === appRef);
      if (!app) throw new CliError('not_found', `no application named or with client id "${appRef}"`);
      const sim = await simulateSignIn(deps, { email, clientId: app.client_id, ip, deviceKnown: device !== 'new', deviceRemembered: device === 'remembered', acrValues: values['acr-values'] });
      if (!sim.found) throw new CliError('not_found', `no person with the email ${email}`);
      await audit(deps.db, deps.clock, { event: 'policy.simulated', details: { via: 'cli', clientId: app.client_id, step: sim.decision.step, reasons: sim.reasons } });
      return { app: app.name, clientId: app.client_id, ...sim };
    });
    const data = {
      email,
      app: result.app,
      clientId: result.clientId,
      ip,
      device,
      methods: result.methods,
      step: result.decision.step,
      ...(result.decision.step === 'second_factor' ? { choices: result.decision.choices } : {}),
      reasons: result.reasons,
      ...(result.emailCode ? { emailCode: result.emailCode } : {}),
    };
    const code = result.emailCode ? `\nfirst method: ${result.emailCode.needed ? `a code sent to the email first (${result.emailCode.reasons.join(', ')})` : 'no email code needed'}` : '';
    out.result(data, `${email} → ${result.app} from ${ip} (${device} device): ${outcome(result.decision)}\nreasons: ${result.reasons.join(', ')}${code}`);
  },
});

export const policyCommands: AnyCommand[] = [simulate];
