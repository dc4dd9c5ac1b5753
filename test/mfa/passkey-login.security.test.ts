import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { buildAuthorization, relyingParty } from '../helpers/oidc-client.ts';

// SECURITY.md: every first-factor path is held to the same policy. The usernameless passkey
// sign-in counts its failures per client address, like the password step.
let t: TestGatehouse;
const redirectUri = 'http://127.0.0.1:9/cb';

before(async () => {
  t = await startTestGatehouse({ GATEHOUSE_LOGIN_MAX_FAILURES_PER_IP: '3' });
});
after(async () => {
  await t.close();
});

test('failed passkey sign-ins are counted per client address and then refused unchecked', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  const auth = await buildAuthorization(rp, redirectUri);
  await ua.go(auth.url.href);
  const forged = JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' }, clientExtensionResults: {} });
  for (let i = 0; i < 3; i++) {
    const page = await ua.submit('/passkey', { credential: forged });
    assert.equal(page.status, 400, `attempt ${i + 1} is checked and refused`);
    assert.match(page.body, /passkey could not be used/);
  }
  const throttled = await ua.submit('/passkey', { credential: forged });
  assert.equal(throttled.status, 429);
  assert.match(throttled.body, /Too many attempts/);
  const failed = await t.gh.deps.db.selectFrom('audit_events').select('event').where('event', 'in', ['login.passkey.failed', 'login.passkey.throttled']).execute();
  assert.equal(failed.filter((e) => e.event === 'login.passkey.failed').length, 3);
  assert.equal(failed.filter((e) => e.event === 'login.passkey.throttled').length, 1);
});

// Found by the attacker's walk: the address's count was read before the assertion was checked and
// written after, so a parallel burst had every answer checked (14 of 30 on PostgreSQL; SQLite
// happened to serialize them). Now each is reserved first.
test('a parallel burst of passkey answers from one address checks no more than the budget', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const before = await t.gh.deps.db.selectFrom('audit_events').select('event').where('event', '=', 'login.passkey.failed').execute();
  const forged = JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' }, clientExtensionResults: {} });
  // Ten browsers of one address, each at its own email page with a passkey challenge, three answers each at once.
  const browsers = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const ua = new UserAgent();
      await ua.go((await buildAuthorization(rp, redirectUri)).url.href);
      return ua;
    }),
  );
  await t.gh.deps.db.deleteFrom('password_attempts').execute();
  await t.gh.deps.db.deleteFrom('counters').execute();
  const pages = await Promise.all(browsers.flatMap((ua) => [0, 1, 2].map(() => ua.submit('/passkey', { credential: forged }))));
  const after = await t.gh.deps.db.selectFrom('audit_events').select('event').where('event', '=', 'login.passkey.failed').execute();
  assert.ok(after.length - before.length <= 3, `at most the budget (3) checked, got ${after.length - before.length}`);
  assert.ok(pages.some((p) => p.status === 429), 'the rest are refused unchecked');
});
