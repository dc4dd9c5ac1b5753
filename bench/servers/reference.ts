/**
 * The reference: a bare oidc-provider with Gatehouse's ES256 key, routes, lifetimes and claims,
 * its default in-memory adapter, one static client and a plain one-page password form (argon2id
 * verify with the same parameters). No store, no flows, no CSRF, no audit: what a minimal
 * provider costs, so the difference to Gatehouse is what Gatehouse adds.
 */
import http from 'node:http';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import { verify } from '@node-rs/argon2';
import { hashPassword } from '../../src/crypto/password.ts';
import { ROUTES, TTL } from '../../src/oidc/provider.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { freePort } from '../../test/helpers/ports.ts';
import { serve } from '../lib/ipc.ts';

export interface ReferenceOptions {
  keys: JWK[];
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  emails: string[];
  password: string;
}

let server: http.Server | undefined;

async function start(o: ReferenceOptions): Promise<{ issuer: string }> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const users = new Map<string, string>();
  for (const email of o.emails) users.set(email, await hashPassword(o.password));

  const provider = new Provider(issuer, {
    clients: [{
      client_id: o.clientId,
      client_secret: o.clientSecret,
      redirect_uris: [o.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: o.keys as any },
    cookies: { keys: ['reference-bench-cookie-key'] },
    claims: { openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: false,
    acrValues: Object.values(ACR),
    responseTypes: ['code'],
    pkce: { required: () => true },
    routes: ROUTES,
    ttl: { ...TTL },
    rotateRefreshToken: true,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, email: sub, email_verified: true }) }),
    // Trusted client, as Gatehouse's first-party apps: the grant is created without a consent page.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!ctx.oidc.session?.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile offline_access');
      grant.addOIDCClaims(['sub', 'acr', 'amr', 'auth_time', 'email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
    async issueRefreshToken(_ctx, client, code) {
      return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
    },
  });
  const callback = provider.callback();

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const d = await provider.interactionDetails(req, res);
    if (req.method === 'GET' && d.prompt.name === 'consent') {
      const grant = d.grantId ? (await provider.Grant.find(d.grantId))! : new provider.Grant({ accountId: d.session!.accountId, clientId: String(d.params.client_id) });
      grant.addOIDCScope(String(d.params.scope));
      return provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: false });
    }
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><title>Sign in</title><form method="post" action="/interaction/${d.uid}/login">
<input name="email" type="email"><input name="password" type="password"><button>Sign in</button></form>`);
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const hash = users.get(form.get('email') ?? '');
    if (!hash || !(await verify(hash, form.get('password') ?? ''))) {
      res.statusCode = 400;
      res.end('invalid');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: form.get('email')!, acr: ACR.singleFactor, amr: ['pwd'], remember: true } }, { mergeWithLastSubmission: false });
  }

  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    } else {
      callback(req, res);
    }
  });
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
  return { issuer };
}

serve({ start }, {
  async onStop() {
    server?.closeIdleConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  },
});
