import type { ClientMetadata } from 'oidc-provider';
import { command, need, CliError, type AnyCommand } from '../command.ts';
import { withStore } from '../store.ts';
import { table, isoTime } from '../output.ts';
import { checkAppUri, checkChoice } from '../validate.ts';
import { loadConfig } from '../../config.ts';
import { audit } from '../../store/audit.ts';
import { APP_POLICIES, createApp, listApps, type AppPolicy, type ClientRow } from '../../store/clients.ts';

/** What the command line shows of an app. The secret is left out: it is shown once, by `app create`. */
function publicApp(row: ClientRow) {
  const m = JSON.parse(row.metadata) as ClientMetadata;
  return {
    clientId: row.client_id,
    name: row.name,
    public: m.token_endpoint_auth_method === 'none',
    firstParty: row.first_party === 1,
    policy: row.policy,
    redirectUris: m.redirect_uris ?? [],
    postLogoutRedirectUris: m.post_logout_redirect_uris ?? [],
    backchannelLogoutUri: m.backchannel_logout_uri ?? null,
    createdAt: isoTime(row.created_at),
  };
}

const create = command({
  path: ['app', 'create'],
  summary: 'Register an application (an OIDC client); prints its client id and secret',
  usage:
    '--name N --redirect-uri U [--redirect-uri U2 …] [--post-logout-redirect-uri U …] [--backchannel-logout-uri U]\n' +
    '          [--public] [--first-party] [--policy bypass|adaptive|required]',
  options: {
    name: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true },
    'backchannel-logout-uri': { type: 'string' },
    public: { type: 'boolean' },
    'first-party': { type: 'boolean' },
    policy: { type: 'string' },
  },
  async run({ values, out }) {
    const name = need(values.name, '--name').trim();
    if (!name) throw new CliError('invalid_value', '--name must not be blank');
    // Validate everything before touching the store, so a typo changes nothing.
    const config = loadConfig();
    const { production } = config;
    const redirectUris = need(values['redirect-uri'], '--redirect-uri').map((u) => checkAppUri(u, '--redirect-uri', production));
    const postLogoutRedirectUris = (values['post-logout-redirect-uri'] ?? []).map((u) => checkAppUri(u, '--post-logout-redirect-uri', production));
    const backchannel = values['backchannel-logout-uri'];
    const backchannelLogoutUri = backchannel === undefined ? undefined : checkAppUri(backchannel, '--backchannel-logout-uri', production);
    const policy: AppPolicy = values.policy === undefined ? 'adaptive' : checkChoice(values.policy, '--policy', APP_POLICIES);

    const created = await withStore(async (deps) => {
      const app = await createApp(deps.db, deps.box, deps.clock, deps.random, {
        name,
        redirectUris,
        postLogoutRedirectUris,
        backchannelLogoutUri,
        isPublic: values.public === true,
        firstParty: values['first-party'] === true,
        policy,
      });
      await audit(deps.db, deps.clock, { event: 'app.created', clientId: app.clientId, details: { via: 'cli', public: values.public === true, policy } });
      return app;
    }, config);
    const result = {
      clientId: created.clientId,
      ...(created.clientSecret ? { clientSecret: created.clientSecret } : {}),
      name,
      public: values.public === true,
      firstParty: values['first-party'] === true,
      policy,
      redirectUris,
      postLogoutRedirectUris,
      backchannelLogoutUri: backchannelLogoutUri ?? null,
    };
    out.result(result, () =>
      [
        `Created app "${name}".`,
        `  client_id:     ${created.clientId}`,
        created.clientSecret
          ? `  client_secret: ${created.clientSecret}\n\nStore the secret now: it is encrypted at rest and never shown again.`
          : '  (public client: no secret; it must use PKCE)',
      ].join('\n'),
    );
  },
});

const list = command({
  path: ['app', 'list'],
  summary: 'List applications (never their secrets)',
  usage: '',
  options: {},
  async run({ out }) {
    const apps = (await withStore((deps) => listApps(deps.db))).map(publicApp);
    out.result(apps, () =>
      table(
        apps.map((a) => ({
          clientId: a.clientId,
          name: a.name,
          type: (a.public ? 'public' : 'confidential') + (a.firstParty ? ', first-party' : ''),
          policy: a.policy,
          redirectUris: a.redirectUris.join(' '),
        })),
        [['clientId', 'CLIENT ID'], ['name', 'NAME'], ['type', 'TYPE'], ['policy', 'POLICY'], ['redirectUris', 'REDIRECT URIS']],
        'No applications.',
      ),
    );
  },
});

export const appCommands: AnyCommand[] = [create, list];
