import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { Page } from 'playwright-core';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { addVirtualAuthenticator, credentialIdOf, type AuthenticatorKind, type VirtualAuthenticator, type VirtualCredential } from '../helpers/virtual-authenticator.ts';
import { autofillSwitch, browserApp, enrollWebAuthn, enterPassword, heading, startAppServer, t, type BrowserApp } from './webauthn-support.ts';

// SECURITY.md "WebAuthn": a signature counter that goes backwards marks the credential as possibly
// cloned — but only for an assertion whose signature verified: an unsigned answer changes nothing
// about a credential. Otherwise anyone who knows a credential id (the challenge page lists it) could
// get the owner's key refused for good with one forged answer.
const PASSWORD = 'a long walk on the quiet beach';

let gh: TestGatehouse;
let browser: TestBrowser;
let appServer: Awaited<ReturnType<typeof startAppServer>>;
let app: BrowserApp;

before(async () => {
  gh = await startTestGatehouse();
  assert.ok(gh.issuer.startsWith('http://localhost:'), 'WebAuthn needs the RP ID localhost');
  browser = await launchBrowser();
  appServer = await startAppServer();
  app = await browserApp(gh, appServer.origin, 'required');
});
after(async () => {
  await browser?.close();
  await appServer?.close();
  await gh?.close();
});

interface Tab {
  page: Page;
  key: VirtualAuthenticator;
}

async function tab(kind: AuthenticatorKind): Promise<Tab> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  return { page, key: await addVirtualAuthenticator(page, kind) };
}

/** A private key the attacker made: not the one the credential was registered with (PKCS#8, base64). */
function attackersOwnKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
}

async function methodRow(credentialId: string) {
  return gh.gh.deps.db.selectFrom('mfa_methods').select(['counter', 'last_used_at', 'data']).where('credential_id', '=', credentialId).executeTakeFirstOrThrow();
}

async function auditEvents(userId: string, event: string) {
  return gh.gh.deps.db.selectFrom('audit_events').select('details').where('user_id', '=', userId).where('event', '=', event).orderBy('id').execute();
}

test('usernameless passkey sign-in: a forged answer with a counter behind is refused, changes nothing, and the genuine passkey still signs in', async () => {
  const owner = await tab('passkey');
  const autofill = await autofillSwitch(owner.page);
  const email = 'forged-passkey@example.com';
  await gh.createUser(email, PASSWORD);
  let auth = await app.start(owner.page);
  await enterPassword(owner.page, email, PASSWORD);
  await enrollWebAuthn(owner.page, 'passkey', 'My laptop');
  const sub = (await app.back(owner.page, auth)).sub;
  const passkeySignIn = async (page: Page, setAutofill: (on: boolean) => void) => {
    setAutofill(false);
    const started = await app.start(page);
    await page.getByRole('button', { name: t('passkey.button') }).click();
    return started;
  };
  // Used twice more: the server's counter is well above the forgeries' 1.
  for (let i = 0; i < 2; i++) {
    await browser.context.clearCookies();
    assert.equal((await app.back(owner.page, await passkeySignIn(owner.page, autofill))).sub, sub);
  }
  const [credential] = await owner.key.credentials();
  assert.ok(credential);
  const before = await methodRow(credentialIdOf(credential));
  assert.ok(Number(before.counter) >= 3, `stored counter ${before.counter}`);

  // Two forgeries in another browser tab, each with the counter at 1: (a) the credential id and
  // user handle with the attacker's own key; (b) a copy of the key whose answers carry a bogus signature.
  const forgeries: Array<[string, (k: VirtualAuthenticator) => Promise<void>]> = [
    ['own key', (k) => k.addCredential({ ...credential, privateKey: attackersOwnKey(), signCount: 1 } satisfies VirtualCredential)],
    ['bogus signature', async (k) => {
      await k.addCredential({ ...credential, signCount: 1 });
      await k.setResponseOverrides({ bogusSignature: true });
    }],
  ];
  for (const [name, forge] of forgeries) {
    const attacker = await tab('passkey');
    const attackerAutofill = await autofillSwitch(attacker.page);
    await forge(attacker.key);
    await passkeySignIn(attacker.page, attackerAutofill);
    await attacker.page.locator('.error-summary').waitFor();
    const told = (await attacker.page.locator('.error-summary').textContent()) ?? '';
    assert.doesNotMatch(told, /may have been copied/, `${name}: the key is not called a copy`);
    assert.ok(told.includes(t('passkey.failed')), `${name}: ${told}`);
    assert.equal(await heading(attacker.page), t('login.title'));
    assert.deepEqual(await methodRow(credentialIdOf(credential)), before, `${name}: counter, last use and flags unchanged`);
    await attacker.page.close();
  }
  assert.deepEqual((await auditEvents(sub, 'login.passkey.failed')).map((e) => JSON.parse(e.details!).reason), ['invalid', 'invalid']);
  assert.equal((await auditEvents(sub, 'mfa.webauthn.cloned_suspected')).length, 0);

  // The genuine passkey signs in, and its counter moves on.
  await browser.context.clearCookies();
  auth = await passkeySignIn(owner.page, autofill);
  assert.equal((await app.back(owner.page, auth)).sub, sub);
  assert.ok(Number((await methodRow(credentialIdOf(credential))).counter) > Number(before.counter));
  await owner.page.close();
});

test('2FA challenge: a forged answer for the credential id shown on the challenge page is refused, changes nothing, and the genuine key still works', async () => {
  const owner = await tab('security-key');
  const email = 'forged-key@example.com';
  const { id: userId } = await gh.createUser(email, PASSWORD);
  let auth = await app.start(owner.page);
  await enterPassword(owner.page, email, PASSWORD);
  await enrollWebAuthn(owner.page, 'security-key', 'Blue key');
  await app.back(owner.page, auth);
  const toChallenge = async (page: Page) => {
    await browser.context.clearCookies();
    const started = await app.start(page);
    await enterPassword(page, email, PASSWORD);
    assert.equal(await heading(page), t('mfa.title'));
    return started;
  };
  const touchKey = (page: Page) => page.getByRole('button', { name: t('mfa.webauthn.button') }).click();
  for (let i = 0; i < 2; i++) {
    auth = await toChallenge(owner.page);
    await touchKey(owner.page);
    await app.back(owner.page, auth);
  }
  const [credential] = await owner.key.credentials();
  assert.ok(credential);
  const before = await methodRow(credentialIdOf(credential));
  assert.ok(Number(before.counter) >= 3, `stored counter ${before.counter}`);

  for (const name of ['own key', 'bogus signature']) {
    // The attacker has the password; the challenge page tells them the credential id.
    const attacker = await tab('security-key');
    await toChallenge(attacker.page);
    const options = JSON.parse((await attacker.page.locator('#webauthn-options').textContent()) ?? 'null') as { allowCredentials: Array<{ id: string }> };
    const seenId = options.allowCredentials[0]!.id;
    assert.equal(seenId, credentialIdOf(credential));
    const forged: VirtualCredential = {
      credentialId: Buffer.from(seenId, 'base64url').toString('base64'),
      isResidentCredential: false,
      rpId: 'localhost',
      privateKey: name === 'own key' ? attackersOwnKey() : credential.privateKey,
      signCount: 0,
    };
    await attacker.key.addCredential(forged);
    if (name === 'bogus signature') await attacker.key.setResponseOverrides({ bogusSignature: true });
    await touchKey(attacker.page);
    await attacker.page.locator('#webauthn-error').filter({ hasText: /\S/ }).waitFor();
    assert.equal((await attacker.page.locator('#webauthn-error').textContent())?.trim(), t('mfa.webauthn.failed'), `${name}: refused, the key not called a copy`);
    assert.equal(await heading(attacker.page), t('mfa.title'));
    assert.deepEqual(await methodRow(credentialIdOf(credential)), before, `${name}: counter, last use and flags unchanged`);
    await attacker.page.close();
  }
  assert.deepEqual((await auditEvents(userId, 'mfa.failed')).map((e) => JSON.parse(e.details!).reason), ['invalid', 'invalid']);
  assert.equal((await auditEvents(userId, 'mfa.webauthn.cloned_suspected')).length, 0);

  // The owner's key is not refused: it signs in, and the counter moves on.
  auth = await toChallenge(owner.page);
  await touchKey(owner.page);
  const claims = await app.back(owner.page, auth);
  assert.deepEqual(claims.amr, ['pwd', 'hwk', 'mfa']);
  assert.ok(Number((await methodRow(credentialIdOf(credential))).counter) > Number(before.counter));
  await owner.page.close();
});
