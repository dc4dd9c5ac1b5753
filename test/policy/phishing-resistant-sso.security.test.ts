import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty, buildAuthorization } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish } from '../helpers/mfa.ts';

// Found by the break-in walk (issue 9, policy engine). An application set to accept only
// phishing-resistant methods (`gatehouse app policy set --phishing-resistant-only`, the engine's
// `app.phishingResistantOnly`) must not be entered with an authenticator-app code. The login check in
// src/flows/login-check.ts answers "no need to prompt" for every session whose acr is at least
// multi-factor before it reads the app's rule — so a session that proved TOTP at another app reaches
// the phishing-resistant-only app by single sign-on, and the app gets acr multi-factor, amr otp.
const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
const cb = { payroll: 'http://127.0.0.1:9/payroll/cb', vault: 'http://127.0.0.1:9/vault/cb' };
let t: TestGatehouse;
let payroll: client.Configuration;
let vault: client.Configuration;

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Payroll', redirectUris: [cb.payroll], policy: 'required' });
  payroll = await relyingParty(t.issuer, a.clientId, a.clientSecret);
  const v = await t.createApp({ name: 'Vault', redirectUris: [cb.vault], policy: 'required' });
  await t.gh.deps.db.updateTable('clients').set({ phishing_resistant_only: 1 }).where('client_id', '=', v.clientId).execute();
  vault = await relyingParty(t.issuer, v.clientId, v.clientSecret);
});
after(() => t.close());

test('a session that proved an authenticator-app code does not reach a phishing-resistant-only app by single sign-on', async () => {
  const email = 'sso@example.com';
  await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  const { claims: first } = await enrollTotp(ua, payroll, cb.payroll, email, PASSWORD, clock);
  assert.deepEqual([...(first.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);

  const auth = await buildAuthorization(vault, cb.vault);
  const page = await ua.go(auth.url.href, {}, (u) => u.startsWith(cb.vault));
  if (page.url.startsWith(cb.vault)) {
    const { claims } = await finish(vault, auth, page.url);
    assert.fail(`Vault (phishing-resistant only) was entered by SSO with acr=${claims.acr} amr=${JSON.stringify(claims.amr)}`);
  }
  assert.match(page.url, /\/interaction\//, 'asked for a passkey or security key');
});
