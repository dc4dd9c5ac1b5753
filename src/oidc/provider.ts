import { cookieSigner } from './cookie-keys.ts';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import type { Deps } from '../context.ts';
import { storeAdapterFactory } from './adapter.ts';
import { findAccountFactory } from './account.ts';
import { ACR } from './acr.ts';
import { auditProviderEvents } from './events.ts';
import { ACTION_PARAM } from './step-up-action.ts';
import { cachedClientMetadata, cachedClientRow } from '../store/clients.ts';
import { findResourceServer } from '../store/resource-servers.ts';
import { deriveKey } from '../crypto/secret-box.ts';
import type { ProviderPages } from './pages.ts';

/** Token and session lifetimes, seconds. */
export const TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  IdToken: 3600,
  ClientCredentials: 600,
  RefreshToken: 14 * 24 * 3600,
  Session: 14 * 24 * 3600,
  Interaction: 3600,
  Grant: 14 * 24 * 3600,
} as const;

export const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  end_session: '/logout',
  introspection: '/introspect',
  revocation: '/revoke',
  pushed_authorization_request: '/par',
} as const;

function setPageHeaders(ctx: KoaContextWithOIDC, pages: ProviderPages): void {
  for (const [name, value] of Object.entries(pages.headers)) ctx.set(name, value);
  ctx.type = 'html';
}

/** What the product hands the protocol layer: the pages oidc-provider draws itself, and its login check. */
export interface ProviderParts {
  /** From the HTTP layer (src/http/provider-pages.ts). */
  pages: ProviderPages;
  /** oidc-provider's prompts with the gate as its login check (src/flows/login-check.ts). */
  interactionPolicy: NonNullable<NonNullable<Configuration['interactions']>['policy']>;
}

/**
 * Builds the oidc-provider instance: the protocol layer. Gatehouse's own code is the flows around it;
 * what it decides or draws comes in through `parts`, so this layer imports nothing above it.
 */
export function createProvider(deps: Deps, keys: JWK[], parts: ProviderParts): Provider {
  const { pages } = parts;
  const { db, box, config, clock } = deps;
  const StoreAdapter = storeAdapterFactory(db, clock);

  // Applications live in the `clients` table; every other model in `oidc_models`.
  class Adapter extends StoreAdapter {
    readonly #isClient: boolean;
    constructor(kind: string) {
      super(kind);
      this.#isClient = kind === 'Client';
    }
    override async find(id: string) {
      if (!this.#isClient) return super.find(id);
      return (await cachedClientMetadata(db, box, id)) as any;
    }
  }

  const configuration: Configuration = {
    adapter: Adapter,
    findAccount: findAccountFactory(db),
    jwks: { keys: keys as any },
    cookies: {
      // Koa's cookies module takes a keygrip-like signer in place of the keys (./cookie-keys.ts).
      keys: cookieSigner([deriveKey(config.secretKey, 'cookies').toString('base64url')]) as unknown as string[],
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    conformIdTokenClaims: false,
    acrValues: Object.values(ACR),
    responseTypes: ['code'],
    // What the sign-in is for, in the app's words ("change bank details"): kept in the interaction's
    // params and shown, cleaned and bounded, on the second-factor page (step-up-action.ts).
    extraParams: [ACTION_PARAM],
    pkce: { required: () => true },
    clientDefaults: {
      id_token_signed_response_alg: 'ES256',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    routes: ROUTES,
    // oidc-provider refuses outgoing requests (back-channel logout) to loopback and private addresses,
    // an SSRF guard meant for dynamically registered clients. Gatehouse's apps are registered by its
    // operators, and in development they run on localhost (the demo apps, the tests): the guard is
    // lifted there and kept in production.
    ...(config.production ? {} : { fetch: withoutSsrfGuard }),
    ttl: { ...TTL },
    rotateRefreshToken: true,
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // The default lets any confidential app introspect any token, learning who it belongs to and how
        // they signed in; an app may only ask about its own tokens (others get `active: false`).
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      claimsParameter: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          setPageHeaders(ctx, pages);
          ctx.body = pages.logout(form);
        },
        async postLogoutSuccessSource(ctx) {
          setPageHeaders(ctx, pages);
          ctx.body = pages.loggedOut();
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: () => true,
        async getResourceServerInfo(_ctx, resourceIndicator) {
          const rs = await findResourceServer(db, resourceIndicator);
          if (!rs) throw new errors.InvalidTarget();
          return {
            scope: rs.scopes,
            audience: rs.identifier,
            accessTokenTTL: rs.access_token_ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: parts.interactionPolicy,
    },
    // First-party apps are trusted: their grant is created without a consent page.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const row = await cachedClientRow(db, ctx.oidc.client!.clientId);
      if (!row?.first_party || !ctx.oidc.session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile offline_access');
      grant.addOIDCClaims(['sub', 'acr', 'amr', 'auth_time', 'email', 'email_verified', 'name']);
      for (const resource of resourcesOf(ctx.oidc.params?.resource)) grant.addResourceScope(resource, String(ctx.oidc.params?.scope ?? ''));
      await grant.save();
      return grant;
    },
    async issueRefreshToken(_ctx, client, code) {
      return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
    },
    // RFC 9068 access tokens carry how the person authenticated, so an API can ask for step-up (RFC 9470).
    async extraTokenClaims(ctx, token) {
      if (token.kind !== 'AccessToken') return undefined;
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      if (!source?.accountId) return undefined;
      return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
    },
    async renderError(ctx, out) {
      setPageHeaders(ctx, pages);
      ctx.body = pages.error(typeof out.error_description === 'string' ? out.error_description : undefined, String(out.error ?? 'server_error'));
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustedProxies.length > 0;
  auditProviderEvents(provider, deps);
  return provider;
}

function withoutSsrfGuard(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const { dispatcher: _guard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
  return globalThis.fetch(input, rest);
}

function resourcesOf(resource: unknown): string[] {
  if (typeof resource === 'string') return [resource];
  if (Array.isArray(resource)) return resource.filter((r): r is string => typeof r === 'string');
  return [];
}
