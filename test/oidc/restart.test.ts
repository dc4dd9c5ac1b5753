import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { createTestStore, startTestGatehouse, type TestGatehouse, type TestStore } from '../helpers/gatehouse.ts';
import { freePort } from '../helpers/ports.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, redeemCode, relyingParty } from '../helpers/oidc-client.ts';

const redirectUri = 'http://127.0.0.1:9/cb';
const password = 'correct horse battery staple';
const atApp = (u: string) => u.startsWith(redirectUri);
const stores: TestStore[] = [];
const running: TestGatehouse[] = [];

after(async () => {
  for (const gh of running.splice(0)) await gh.close().catch(() => {});
  for (const s of stores) await s.drop();
});

/** One deployment: the same database, port (issuer) and secret key across restarts. */
async function deployment() {
  const store = await createTestStore();
  stores.push(store);
  const env = { PORT: String(await freePort()), GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex') };
  return {
    async start() {
      const t = await startTestGatehouse(env, { store });
      running.push(t);
      return t;
    },
    async stop(t: TestGatehouse) {
      running.splice(running.indexOf(t), 1);
      await t.close();
    },
  };
}

test('a sign-in interrupted by a restart continues where it was', async () => {
  const d = await deployment();
  const before = await d.start();
  const app = await before.createApp({ redirectUris: [redirectUri] });
  const user = await before.createUser('restart@example.com', password);
  const rp = await relyingParty(before.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  const { auth } = await authorize(ua, rp, redirectUri);
  const passwordPage = await ua.submit('/email', { email: 'restart@example.com' }, atApp);
  assert.match(passwordPage.body, /action="\/interaction\/[^"]+\/password"/);

  await d.stop(before);
  const afterRestart = await d.start();
  assert.equal(afterRestart.issuer, before.issuer);

  const done = await ua.submit('/password', { password }, atApp);
  assert.ok(atApp(done.url), `expected a redirect to the app, got ${done.url} (${done.status})`);
  const tokens = await redeemCode(rp, auth, done.url);
  assert.equal(tokens.claims()!.sub, user.id);
  const info = await client.fetchUserInfo(rp, tokens.access_token, user.id);
  assert.equal(info.email, 'restart@example.com');
});

test('sessions and tokens survive a restart: SSO, userinfo and refresh keep working', async () => {
  const d = await deployment();
  const before = await d.start();
  const appA = await before.createApp({ redirectUris: [redirectUri], firstParty: true });
  const appB = await before.createApp({ redirectUris: [redirectUri] });
  const user = await before.createUser('survive@example.com', password);
  const rpA = await relyingParty(before.issuer, appA.clientId, appA.clientSecret);
  const rpB = await relyingParty(before.issuer, appB.clientId, appB.clientSecret);
  const ua = new UserAgent();
  const start = await authorize(ua, rpA, redirectUri, { scope: 'openid offline_access' });
  assert.equal(start.returned, false);
  await ua.submit('/email', { email: 'survive@example.com' }, atApp);
  const done = await ua.submit('/password', { password }, atApp);
  const tokens = await redeemCode(rpA, start.auth, done.url);

  await d.stop(before);
  await d.start();

  assert.equal((await client.fetchUserInfo(rpA, tokens.access_token, user.id)).sub, user.id);
  const refreshed = await client.refreshTokenGrant(rpA, tokens.refresh_token!);
  assert.equal(refreshed.claims()!.sub, user.id);
  const sso = await authorize(ua, rpB, redirectUri);
  assert.ok(sso.returned, 'the Gatehouse session survived');
  assert.equal((await redeemCode(rpB, sso.auth, sso.page.url)).claims()!.auth_time, tokens.claims()!.auth_time);
});
