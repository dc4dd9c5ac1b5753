import { command, need, CliError, type AnyCommand } from '../command.ts';
import { withStore } from '../store.ts';
import { checkChoice } from '../validate.ts';
import { audit } from '../../store/audit.ts';
import { APP_POLICIES, findClientRow, listApps } from '../../store/clients.ts';

const set = command({
  path: ['app', 'policy', 'set'],
  summary: "Change an application's behaviour (Bypass, Adaptive, Required) and its phishing-resistant-only option",
  usage: '--app NAME|CLIENT_ID [--behaviour bypass|adaptive|required] [--phishing-resistant-only on|off]',
  options: { app: { type: 'string' }, behaviour: { type: 'string' }, 'phishing-resistant-only': { type: 'string' } },
  async run({ values, out }) {
    const ref = need(values.app, '--app');
    const behaviour = values.behaviour === undefined ? undefined : checkChoice(values.behaviour, '--behaviour', APP_POLICIES);
    const pro = values['phishing-resistant-only'] === undefined ? undefined : checkChoice(values['phishing-resistant-only'], '--phishing-resistant-only', ['on', 'off'] as const) === 'on';
    if (behaviour === undefined && pro === undefined) throw new CliError('usage', 'nothing to change: give --behaviour or --phishing-resistant-only');
    const row = await withStore(async (deps) => {
      const app = (await findClientRow(deps.db, ref)) ?? (await listApps(deps.db)).find((a) => a.name === ref);
      if (!app) throw new CliError('not_found', `no application named or with client id "${ref}"`);
      await deps.db
        .updateTable('clients')
        .set({ ...(behaviour ? { policy: behaviour } : {}), ...(pro === undefined ? {} : { phishing_resistant_only: pro ? 1 : 0 }) })
        .where('client_id', '=', app.client_id)
        .execute();
      await audit(deps.db, deps.clock, { event: 'app.policy.changed', details: { via: 'cli', clientId: app.client_id, behaviour, phishingResistantOnly: pro } });
      return (await findClientRow(deps.db, app.client_id))!;
    });
    const data = { clientId: row.client_id, name: row.name, behaviour: row.policy, phishingResistantOnly: row.phishing_resistant_only === 1 };
    out.result(data, `${row.name}: ${row.policy}${data.phishingResistantOnly ? ', phishing-resistant methods only' : ''}.`);
  },
});

export const appPolicyCommands: AnyCommand[] = [set];
