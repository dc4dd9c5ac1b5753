import { command, need, CliError, type AnyCommand } from '../command.ts';
import { withStore } from '../store.ts';
import { table, isoTime } from '../output.ts';
import { audit } from '../../store/audit.ts';
import { createOrganization, findOrganizationByName, listOrganizations } from '../../store/organizations.ts';

const create = command({
  path: ['org', 'create'],
  summary: 'Create an organization',
  usage: '--name N',
  options: { name: { type: 'string' } },
  async run({ values, out }) {
    const name = need(values.name, '--name').trim();
    if (!name) throw new CliError('invalid_value', '--name must not be blank');
    const org = await withStore(async (deps) => {
      // Names are how operators and scripts refer to organizations: two with one name would be ambiguous.
      if (await findOrganizationByName(deps.db, name)) throw new CliError('conflict', `an organization named "${name}" already exists`);
      const o = await createOrganization(deps.db, deps.clock, deps.random, name);
      await audit(deps.db, deps.clock, { event: 'org.created', details: { via: 'cli', orgId: o.id } });
      return o;
    });
    out.result(org, `Created organization "${org.name}" (id ${org.id}).`);
  },
});

const list = command({
  path: ['org', 'list'],
  summary: 'List organizations',
  usage: '',
  options: {},
  async run({ out }) {
    const orgs = (await withStore((deps) => listOrganizations(deps.db))).map((o) => ({ id: o.id, name: o.name, createdAt: isoTime(o.created_at) }));
    out.result(orgs, () => table(orgs.map((o) => ({ ...o, createdAt: o.createdAt ?? '' })), [['name', 'NAME'], ['id', 'ID'], ['createdAt', 'CREATED']], 'No organizations.'));
  },
});

export const orgCommands: AnyCommand[] = [create, list];
