import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Deps } from '../context.ts';
import { Csrf, registerCsrfBinding } from './csrf.ts';
import { registerOriginCheck } from './origin-check.ts';
import { deriveKey } from '../crypto/secret-box.ts';
import { translator } from '../i18n/index.ts';
import { errorPage } from './pages/error.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { ROUTES } from '../oidc/provider.ts';
import { cachedClientRow } from '../store/clients.ts';
import { FlowChanged } from '../store/login-flows.ts';
import { goTo } from './held-reply.ts';
import { registerInteractionRoutes } from './routes/interaction.ts';
import { registerRoutes } from './routes/index.ts';
import { registerEventStreams } from './sse.ts';

import type { HttpDeps } from './deps.ts';

const STATIC_DIR = fileURLToPath(new URL('../../static/', import.meta.url));
const WEBAUTHN_BROWSER = join(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js');

/** One Fastify server on one port: oidc-provider mounted at the issuer's path, Gatehouse's pages beside it. */
export async function createHttpServer(deps: Deps, provider: Provider): Promise<FastifyInstance> {
  const { config } = deps;
  // Protocol requests (token, authorize, JWKS, …) go straight to oidc-provider, in front of Fastify:
  // its routing, hooks and cookie parsing were a tenth of a refresh grant's CPU (bench).
  let toProvider: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const app = Fastify({
    serverFactory: (handler) =>
      createServer((req, res) => {
        if (!toProvider?.(req, res)) handler(req, res);
      }),
    logger: false,
    // X-Forwarded-For is honoured only from the configured proxies (authentik CVE-2024-47070).
    trustProxy: config.trustedProxies.length ? config.trustedProxies : false,
    bodyLimit: 64 * 1024,
  });
  const issuerUrl = new URL(config.issuer);
  const csrf = new Csrf(deriveKey(config.secretKey, 'csrf'), deps.random, issuerUrl.protocol === 'https:');
  const t = translator();
  const http: HttpDeps = { ...deps, provider, csrf, t };

  await app.register(cookie);
  await app.register(formbody);
  await app.register(fastifyStatic, { root: STATIC_DIR, prefix: '/static/', decorateReply: false, maxAge: 3600 * 1000 });
  // The WebAuthn browser library, served from its npm package (no CDN: the CSP allows 'self' only).
  const webauthnBrowser = await readFile(WEBAUTHN_BROWSER);
  app.get('/static/vendor/simplewebauthn-browser.js', (_req, reply) => reply.type('text/javascript').header('cache-control', 'public, max-age=3600').send(webauthnBrowser));

  const mountPath = issuerUrl.pathname.replace(/\/$/, '');
  const providerPaths = ['/.well-known/', ...Object.values(ROUTES)].map((p) => mountPath + p);
  const callback = provider.callback();
  const trusted = new Set(config.trustedProxies);
  toProvider = (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!providerPaths.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : p + '/'))) return false;
    // X-Forwarded-* only from the configured proxies; from anyone else they are dropped.
    if (!trusted.has(req.socket.remoteAddress ?? '')) {
      for (const h of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']) delete req.headers[h];
    }
    const run = () => {
      req.url = (req.url ?? '/').slice(mountPath.length) || '/';
      void callback(req, res);
    };
    if (path === mountPath + ROUTES.authorization) {
      firstPartyOfflineAccess(http, req).then(run, (err: unknown) => {
        console.error('[gatehouse] authorization pre-check failed:', err);
        run();
      });
    } else {
      run();
    }
    return true;
  };

  app.addHook('onSend', async (_req, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
    }
    return payload;
  });

  // CSRF, in front of every route: refuse what a browser says comes from elsewhere, then bind the
  // forms' tokens to the session or sign-in the request acts on (decision 0007).
  registerOriginCheck(app, http);
  registerCsrfBinding(app, csrf, provider);

  registerEventStreams(app);
  registerInteractionRoutes(app, http);
  registerRoutes(app, http);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/favicon.ico', (_req, reply) => reply.redirect('/static/favicon.svg', 301));

  app.setNotFoundHandler((req, reply) => {
    if (wantsJson(req.headers.accept)) return reply.code(404).send({ error: 'not_found' });
    return reply.code(404).type('text/html').send(errorPage(t, t('error.not_found'), 'not_found'));
  });

  // Never a stack trace: a code and a sentence, details only in the server log.
  app.setErrorHandler((err: { statusCode?: number; code?: string; message?: string }, req, reply) => {
    // Another request of the same sign-in moved its flow on while this one ran: nothing of this one's
    // step was stored, and the browser is shown where the sign-in now stands (decision 0025).
    if (err instanceof FlowChanged) return goTo(req, reply, `/interaction/${encodeURIComponent(err.uid)}`);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) console.error(`[gatehouse] ${req.method} ${req.url.split('?')[0]}:`, err);
    const code = status === 500 ? 'server_error' : 'bad_request';
    if (wantsJson(req.headers.accept)) return reply.code(status).send({ error: code });
    return reply.code(status).type('text/html').send(errorPage(t, status === 500 ? t('error.generic') : t('error.bad_request'), code));
  });

  return app;
}

function wantsJson(accept: string | undefined): boolean {
  return !!accept && accept.includes('application/json') && !accept.includes('text/html');
}

/**
 * oidc-provider drops `offline_access` unless `prompt=consent` (OIDC Core §11). First-party apps
 * never see a consent page, so for them the request is given `prompt=consent`; the consent
 * interaction then completes without a page (see interaction.ts) and the refresh token is issued.
 */
async function firstPartyOfflineAccess(deps: HttpDeps, req: IncomingMessage): Promise<void> {
  if (req.method !== 'GET') return;
  const url = new URL(req.url ?? '/', 'http://x');
  const scope = url.searchParams.get('scope') ?? '';
  const clientId = url.searchParams.get('client_id');
  if (!clientId || !scope.split(' ').includes('offline_access')) return;
  const prompt = url.searchParams.get('prompt');
  if (prompt && prompt.split(' ').includes('consent')) return;
  if (prompt === 'none') return;
  const row = await cachedClientRow(deps.db, clientId);
  if (!row?.first_party) return;
  url.searchParams.set('prompt', prompt ? `${prompt} consent` : 'consent');
  req.url = url.pathname + url.search;
}
