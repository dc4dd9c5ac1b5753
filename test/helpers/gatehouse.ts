import { randomBytes } from 'node:crypto';
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
  createApp(app: Partial<NewApp> & { redirectUris: string[] }): Promise<{ clientId: string; clientSecret?: string }>;
  createUser(email: string, password: string, opts?: { name?: string; verified?: boolean }): Promise<{ id: string }>;
  close(): Promise<void>;
}

/**
 * Starts a real Gatehouse on a free loopback port, with a real SMTP server for its mail.
 * The store is in-memory SQLite, or — when DATABASE_URL is a postgres:// URL — a fresh schema
 * of its own in that database, so suites run side by side.
 */
export async function startTestGatehouse(env: Record<string, string> = {}, opts: { clock?: Clock } = {}): Promise<TestGatehouse> {
  const port = await freePort();
  const smtp = await startSmtp();
  const databaseUrl = process.env.DATABASE_URL && isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : ':memory:';
  let schema: string | undefined;
  if (databaseUrl !== ':memory:') {
    schema = `t_${randomBytes(6).toString('hex')}`;
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
  }
  const config: Config = loadConfig({
    PORT: String(port),
    GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'),
    GATEHOUSE_DATA_DIR: '/tmp/gatehouse-test-unused',
    GATEHOUSE_SMTP_URL: smtp.url,
    GATEHOUSE_DEMO: '0',
    DATABASE_URL: databaseUrl,
    ...env,
  });
  const db = openDb(databaseUrl, { pgSchema: schema, poolSize: 5 });
  const gh = await startGatehouse(config, { db, clock: opts.clock });
  const { box, clock, random } = gh.deps;
  return {
    gh,
    issuer: config.issuer,
    smtp,
    createApp: (app) => createApp(gh.deps.db, box, clock, random, { name: 'Test app', firstParty: true, ...app }),
    async createUser(email, password, o = {}) {
      const u = await createUser(gh.deps.db, clock, random, { email, name: o.name, passwordHash: await hashPassword(password), emailVerified: o.verified ?? true });
      return { id: u.id };
    },
    async close() {
      await gh.close();
      await smtp.close();
      if (schema) {
        const c = new pg.Client({ connectionString: databaseUrl });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
      }
    },
  };
}
