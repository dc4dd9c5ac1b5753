import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { buildAuthorization, relyingParty, signInWithPassword } from '../helpers/oidc-client.ts';
import { updateUser } from '../../src/store/users.ts';

let t: TestGatehouse;
const redirectUri = 'http://127.0.0.1:9/cb';

before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

test('a session whose account was disabled meanwhile leads to the sign-in page, not an error', async () => {
  const app = await t.createApp({ redirectUris: [redirectUri] });
  const user = await t.createUser('dora@example.com', 'a quite long passphrase');
  const rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
  const ua = new UserAgent();
  await signInWithPassword(ua, rp, redirectUri, 'dora@example.com', 'a quite long passphrase');

  await updateUser(t.gh.deps.db, t.gh.deps.clock, user.id, { disabled: 1 });
  const auth = await buildAuthorization(rp, redirectUri);
  const page = await ua.go(auth.url.href, { headers: { accept: 'text/html' } }, (u) => u.startsWith(redirectUri));
  assert.ok(!page.url.startsWith(redirectUri), 'no code for a disabled account');
  assert.equal(page.status, 200);
  assert.match(page.body, /action="[^"]*\/email"/, 'the email page is shown');

  const again = await ua.submit('/email', { email: 'dora@example.com' });
  const result = await ua.submit('/password', { password: 'a quite long passphrase' }, (u) => u.startsWith(redirectUri));
  assert.ok(!result.url.startsWith(redirectUri), 'the disabled account cannot sign in');
  assert.equal(again.status, 200);
  assert.match(result.body, /not correct/);
});
