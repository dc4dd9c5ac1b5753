import { command, need, CliError, type AnyCommand } from '../command.ts';
import { withStore } from '../store.ts';
import { table, isoTime } from '../output.ts';
import { checkInteger, checkResourceIdentifier } from '../validate.ts';
import { audit } from '../../store/audit.ts';
import { createResourceServer, findResourceServer, listResourceServers, type ResourceServerRow } from '../../store/resource-servers.ts';

/** Access tokens for an API live at most a day; shorter is better, an API cannot revoke a JWT. */
const MAX_TTL_SECONDS = 24 * 3600;
const DEFAULT_TTL_SECONDS = 600;

function publicApi(row: ResourceServerRow) {
  return {
    identifier: row.identifier,
    name: row.name,
    scopes: row.scopes.split(' ').filter(Boolean),
    accessTokenTtl: Number(row.access_token_ttl),
    createdAt: isoTime(row.created_at),
  };
}

const create = command({
  path: ['api', 'create'],
  summary: 'Register an API (a resource server that gets JWT access tokens, RFC 8707 / RFC 9068)',
  usage: `--identifier URI --name N [--scope "read write"] [--ttl seconds (default ${DEFAULT_TTL_SECONDS})]`,
  options: { identifier: { type: 'string' }, name: { type: 'string' }, scope: { type: 'string', multiple: true }, ttl: { type: 'string' } },
  async run({ values, out }) {
    const identifier = checkResourceIdentifier(need(values.identifier, '--identifier'));
    const name = need(values.name, '--name').trim();
    if (!name) throw new CliError('invalid_value', '--name must not be blank');
    // `--scope "a b"` and `--scope a --scope b` mean the same.
    const scopes = [...new Set((values.scope ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean))];
    const bad = scopes.find((s) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s));
    if (bad !== undefined) throw new CliError('invalid_value', `--scope "${bad}" is not a valid scope token (RFC 6749 §3.3)`);
    const ttl = values.ttl === undefined ? DEFAULT_TTL_SECONDS : checkInteger(values.ttl, '--ttl', 1, MAX_TTL_SECONDS);
    const row = await withStore(async (deps) => {
      if (await findResourceServer(deps.db, identifier)) throw new CliError('conflict', `an API with identifier ${identifier} already exists`);
      await createResourceServer(deps.db, deps.clock, { identifier, name, scopes: scopes.join(' '), accessTokenTtl: ttl });
      await audit(deps.db, deps.clock, { event: 'api.created', details: { via: 'cli', identifier } });
      return (await findResourceServer(deps.db, identifier))!;
    });
    out.result(publicApi(row), `Created API "${name}" (${identifier}); access tokens live ${ttl} s.`);
  },
});

const list = command({
  path: ['api', 'list'],
  summary: 'List APIs',
  usage: '',
  options: {},
  async run({ out }) {
    const apis = (await withStore((deps) => listResourceServers(deps.db))).map(publicApi);
    out.result(apis, () =>
      table(
        apis.map((a) => ({ identifier: a.identifier, name: a.name, scopes: a.scopes.join(' '), ttl: `${a.accessTokenTtl} s` })),
        [['identifier', 'IDENTIFIER'], ['name', 'NAME'], ['scopes', 'SCOPES'], ['ttl', 'TOKEN TTL']],
        'No APIs.',
      ),
    );
  },
});

export const apiCommands: AnyCommand[] = [create, list];
