import type { FastifyInstance } from 'fastify';
import type Provider from 'oidc-provider';
import type { Config } from './config.ts';
import type { Deps } from './context.ts';
import { openDb, type Db } from './store/db.ts';
import { migrateToLatest } from './store/migrate.ts';
import { ensureSigningKey } from './store/keys.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { systemClock, systemRandom, type Clock, type Random } from './clock.ts';
import { outboxMailer, smtpMailer, type Mailer } from './mail/mailer.ts';
import { createProvider } from './oidc/provider.ts';
import { providerPages } from './http/provider-pages.ts';
import { gatehouseInteractionPolicy } from './flows/login-check.ts';
import { translator } from './i18n/index.ts';
import { purgeExpired } from './store/purge.ts';
import { createHttpServer } from './http/server.ts';
import { eventBusFor, type EventBus } from './store/events.ts';
import { ensureVapidKeys } from './methods/push/vapid.ts';
import { vapidSubject, webPushSender } from './methods/push/sender.ts';
import type { Agent } from 'node:https';

export interface Gatehouse {
  deps: Deps;
  provider: Provider;
  http: FastifyInstance;
  /** Base URL it listens on (the issuer). */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  random?: Random;
  mailer?: Mailer;
  db?: Db;
  /** Listen address. @default 'localhost' (IPv4 and IPv6 loopback) in development, '0.0.0.0' in production */
  host?: string;
  /** The events bus. @default LISTEN/NOTIFY on a postgres:// DATABASE_URL, in-process otherwise */
  events?: EventBus;
  /** HTTPS agent for Web Push requests (tests: the local push service's self-signed certificate). */
  pushAgent?: Agent;
}

export function buildDeps(config: Config, options: StartOptions = {}): Deps {
  const db = options.db ?? openDb(config.databaseUrl);
  const clock = options.clock ?? systemClock;
  const mailer = options.mailer ?? (config.smtpUrl ? smtpMailer(config.smtpUrl, config.mailFrom) : outboxMailer(db, clock));
  const events = options.events ?? eventBusFor(config.databaseUrl);
  return { config, db, clock, random: options.random ?? systemRandom, box: new SecretBox(config.secretKey), mailer, events };
}

/** Opens the store, applies migrations, loads (or creates) the signing key and serves HTTP. */
export async function startGatehouse(config: Config, options: StartOptions = {}): Promise<Gatehouse> {
  const deps = buildDeps(config, options);
  await migrateToLatest(deps.db);
  const keys = await ensureSigningKey(deps.db, deps.box, deps.clock);
  // The VAPID key is created at first start, sealed like the signing keys (RFC 8292).
  deps.pushSender = webPushSender({ vapid: await ensureVapidKeys(deps), subject: vapidSubject(config.issuer, config.mailFrom), agent: options.pushAgent });
  const provider = createProvider(deps, keys, { pages: providerPages(translator()), interactionPolicy: gatehouseInteractionPolicy(deps) });
  const http = await createHttpServer(deps, provider);
  await http.listen({ port: config.port, host: options.host ?? (config.production ? '0.0.0.0' : 'localhost') });
  const purge = setInterval(() => void purgeExpired(deps.db, deps.clock).catch(() => {}), 60_000);
  purge.unref();
  return {
    deps,
    provider,
    http,
    url: config.issuer,
    async close() {
      clearInterval(purge);
      await http.close();
      await deps.events.close();
      await deps.db.destroy();
    },
  };
}
