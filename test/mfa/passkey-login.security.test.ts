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
