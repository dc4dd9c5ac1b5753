import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { finish, passwordStep } from '../helpers/mfa.ts';
import { atApp, openPushStep, pageNumber, PASSWORD } from '../push/support.ts';
import { authenticatorCli, type AuthenticatorCli } from './cli.ts';

export const cb = 'http://127.0.0.1:9/payroll/cb';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A browser that says it is Chrome on Linux, so the request carries labels to show. */
export function browser(): UserAgent {
  const ua = new UserAgent();
  ua.headers['user-agent'] = CHROME;
  return ua;
}

export interface World {
  t: TestGatehouse;
  payroll: client.Configuration;
  a: AuthenticatorCli;
  userId: string;
  close(): Promise<void>;
}

/**
 * A real Gatehouse (SQLite, or PostgreSQL by DATABASE_URL) with Payroll (Required) and Ada, who has no
 * 2FA yet; a fresh --home. `process: true` runs every command as a `gatehouse` process.
 */
export async function world(o: { process?: boolean } = {}): Promise<World> {
  const [t, a] = await Promise.all([startTestGatehouse(), authenticatorCli(o)]);
  const app = await t.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  const payroll = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const userId = (await t.createUser('ada@example.com', PASSWORD, { name: 'Ada' })).id;
  return { t, payroll, a, userId, close: async () => (await a.cleanup(), await t.close()) };
}

/**
 * Ada signs in to Payroll, the wizard shows the link, the terminal authenticator enrolls with it and
 * approves the test request with the number on the wizard's page; the wizard ends at Payroll.
 * Returns the device id and the ID token's claims.
 */
export async function enrollAdaThroughWizard(w: World) {
  const ua = browser();
  const { auth, page } = await passwordStep(ua, w.payroll, cb, 'ada@example.com', PASSWORD);
  assert.match(page.url, /\/enroll$/);
  const link = await openPushStep(ua);
  const enrolled = await w.a.json(['enroll', link, '--name', "Ada's laptop"]);
  assert.equal(enrolled.email, 'ada@example.com');
  assert.equal(enrolled.issuer, w.t.issuer);
  assert.equal(enrolled.status, 'pending');

  const number = pageNumber((await ua.go(ua.lastUrl)).body);
  const approved = await w.a.json(['approve', '--code', number]);
  assert.equal(approved.status, 'approved');
  assert.equal(approved.request.kind, 'enroll');

  const after = await ua.submit('/enroll/confirm');
  assert.match(after.body, /Save your recovery codes/);
  await ua.submit('/enroll/recovery', { stored: '1' });
  const done = await ua.submit('/enroll/done', {}, atApp(cb));
  const { claims } = await finish(w.payroll, auth, done.url);
  return { deviceId: enrolled.deviceId as string, link, claims };
}
