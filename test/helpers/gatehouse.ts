import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config.ts';
import { startGatehouse, type Gatehouse } from '../../src/app.ts';
import { openDb, isPostgresUrl } from '../../src/store/db.ts';
import { createApp, type NewApp } from '../../src/store/clients.ts';
import { createUser } from '../../src/store/users.ts';
import { hashPassword } from '../../src/crypto/password.ts';
import type { Clock } from '../../src/clock.ts';
import { freePort } from './ports.ts';
import { startSmtp } from './smtp.ts';

export interface TestGatehouse {
  gh: Gatehouse;
  issuer: string;
  smtp: Awaited<ReturnType<typeof startSmtp>>;
  /** A first-party app; its 2FA policy is Bypass unless given (the 2FA suites set theirs). */
  createApp(app: Partial<NewApp> & { redirectUris: string[] }): Promise<{ clientId: string; clientSecret?: string }>;
  createUser(email: string, password: string, opts?: { name?: string; verified?: boolean }): Promise<{ id: string }>;
  close(): Promise<void>;
}

/**
 * A database that outlives one server, for restart tests: an SQLite file in the temp directory,
 * or — when DATABASE_URL is a postgres:// URL — a schema of its own in that database.
 */
export interface TestStore {
  databaseUrl: string;
  schema?: string;
  /** Deletes the file or drops the schema. */
  drop(): Promise<void>;
}

export async function createTestStore(): Promise<TestStore> {
  const pgUrl = process.env.DATABASE_URL && isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined;
  if (!pgUrl) {
    const file = join(tmpdir(), `gatehouse-test-${randomBytes(6).toString('hex')}.db`);
    return {
      databaseUrl: file,
      async drop() {
        for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await pgQuery(pgUrl, `create schema ${schema}`);
  return { databaseUrl: pgUrl, schema, drop: () => pgQuery(pgUrl, `drop schema ${schema} cascade`) };
}

async function pgQuery(url: string, query: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(query);
  } finally {
    await c.end();
  }
}

export interface TestGatehouseOptions {
  clock?: Clock;
  /** Run on this database and leave it in place on close (restart tests); a fresh one otherwise. */
  store?: TestStore;
  /** HTTPS agent for Web Push (the local push service's certificate, test/helpers/push-service.ts). */
  pushAgent?: import('node:https').Agent;
}

/**
 * Starts a real Gatehouse on a free loopback port, with a real SMTP server for its mail.
 * The store is in-memory SQLite, or — when DATABASE_URL is a postgres:// URL — a fresh schema
 * of its own in that database, so suites run side by side. `env` overrides the configuration
 * (a fixed `PORT` and `GATEHOUSE_SECRET_KEY` let a restarted server take over the same issuer).
 */
export async function startTestGatehouse(env: Record<string, string> = {}, opts: TestGatehouseOptions = {}): Promise<TestGatehouse> {
  // The SMTP server listens first, so the port picked for Gatehouse below cannot be handed to it too.
  const smtp = await startSmtp();
  const own = opts.store ? undefined : process.env.DATABASE_URL && isPostgresUrl(process.env.DATABASE_URL) ? await createTestStore() : undefined;
  const store = opts.store ?? own;
  const databaseUrl = store?.databaseUrl ?? ':memory:';
  const schema = store?.schema;
  const db = openDb(databaseUrl, { pgSchema: schema, poolSize: 5 });
  let gh: Gatehouse | undefined;
  let config: Config | undefined;
  // A free port can still be taken by another process before Gatehouse listens on it: pick another.
  for (let attempt = 1; !gh; attempt++) {
    config = loadConfig({
      PORT: String(await freePort()),
      GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'),
      GATEHOUSE_DATA_DIR: '/tmp/gatehouse-test-unused',
      GATEHOUSE_SMTP_URL: smtp.url,
      GATEHOUSE_DEMO: '0',
      // The email code of a first enrollment from a risky sign-in has suites of its own
      // (test/policy/enrollment-email-code.security.test.ts); elsewhere every loopback browser would be new.
      GATEHOUSE_ENROLLMENT_EMAIL_CODE: '0',
      DATABASE_URL: databaseUrl,
      ...env,
    });
    try {
      gh = await startGatehouse(config, { db, clock: opts.clock, pushAgent: opts.pushAgent });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE' || env.PORT || attempt >= 5) throw err;
    }
  }
  const { box, clock, random } = gh.deps;
  return {
    gh,
    issuer: config!.issuer,
    smtp,
    createApp: (app) => createApp(gh.deps.db, box, clock, random, { name: 'Test app', firstParty: true, policy: 'bypass', ...app }),
    async createUser(email, password, o = {}) {
      const u = await createUser(gh.deps.db, clock, random, { email, name: o.name, passwordHash: await hashPassword(password), emailVerified: o.verified ?? true });
      return { id: u.id };
    },
    async close() {
      await gh.close();
      await smtp.close();
      await own?.drop();
    },
  };
}
