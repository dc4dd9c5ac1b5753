import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialIdOf } from '../helpers/virtual-authenticator.ts';
import { scriptErrors, t } from './webauthn-support.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { app, browser, enrolledKey, failedReasons, failures, gh, refusedWith, toChallenge, touchKey, useSecurityKeyWorld } from './security-key-support.ts';

// Security keys as the second factor (the refusals are in webauthn-security-key-refusals.test.ts).
useSecurityKeyWorld();

test('security key (USB, no resident key, no user verification) as the second factor after the password', async () => {
  const tab = await enrolledKey('usb-key@example.com');
  const [credential] = await tab.key.credentials();
  assert.ok(credential);
  assert.equal(credential.isResidentCredential, false, 'a plain security key: not discoverable');

  const auth = await toChallenge(tab);
  await touchKey(tab.page);
  const claims = await app.back(tab.page, auth);
  assert.deepEqual(claims.amr, ['pwd', 'hwk', 'mfa']);
  assert.equal(claims.acr, ACR.phishingResistant);
  const row = await gh.gh.deps.db.selectFrom('mfa_methods').selectAll().where('credential_id', '=', credentialIdOf(credential)).executeTakeFirstOrThrow();
  assert.ok(Number(row.counter) > 0, 'the signature counter is kept');
  assert.deepEqual(scriptErrors(browser.consoleErrors), [], 'no CSP violations or script errors');
  await tab.page.close();
});

test('legacy U2F key: registers in the wizard and serves as the second factor', async () => {
  const tab = await enrolledKey('u2f@example.com', 'u2f');
  const auth = await toChallenge(tab);
  await touchKey(tab.page);
  const claims = await app.back(tab.page, auth);
  assert.deepEqual(claims.amr, ['pwd', 'hwk', 'mfa']);
  assert.equal(claims.acr, ACR.phishingResistant);
  await tab.page.close();
});

test('a bogus signature is refused and counted as a failure; the honest key then signs in', async () => {
  const tab = await enrolledKey('bogus@example.com');
  const auth = await toChallenge(tab);
  await tab.key.setResponseOverrides({ bogusSignature: true });
  await touchKey(tab.page);
  await refusedWith(tab.page, t('mfa.webauthn.failed'));
  assert.equal(await failures(tab.userId), 1);
  assert.deepEqual(await failedReasons(tab.userId), ['invalid']);

  await tab.key.setResponseOverrides({});
  await touchKey(tab.page);
  const claims = await app.back(tab.page, auth);
  assert.deepEqual(claims.amr, ['pwd', 'hwk', 'mfa']);
  assert.equal(await failures(tab.userId), 0, 'a success clears the count');
  await tab.page.close();
});
