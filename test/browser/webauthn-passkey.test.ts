import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { addVirtualAuthenticator, credentialIdOf, type VirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { autofillSwitch, browserApp, startAppServer, enrollWebAuthn, enterPassword, heading, scriptErrors, t, type BrowserApp } from './webauthn-support.ts';
import { ACR } from '../../src/oidc/acr.ts';

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

/** A tab of its own with one virtual authenticator; the cookies of the browser are cleared (signed out). */
async function freshTab(): Promise<Tab> {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  return { page, key: await addVirtualAuthenticator(page, 'passkey'), autofill: await autofillSwitch(page) };
}

interface Tab {
  page: Page;
  key: VirtualAuthenticator;
  autofill: (on: boolean) => void;
}

/**
 * Sign-in without typing the email: through the email field's autofill (the virtual authenticator
 * answers it as soon as the page offers it), or with "Sign in with a passkey" (autofill off).
 */
async function passkeySignIn({ page, autofill }: Tab, via: 'autofill' | 'button') {
  autofill(via === 'autofill');
  const auth = await app.start(page);
  if (via === 'button') {
    assert.equal(await heading(page), t('login.title'));
    await page.getByRole('button', { name: t('passkey.button') }).click();
  }
  return auth;
}

async function methodRow(credentialId: string) {
  return gh.gh.deps.db.selectFrom('mfa_methods').selectAll().where('credential_id', '=', credentialId).executeTakeFirstOrThrow();
}

async function enrollPasskeyUser(page: Page, email: string) {
  await gh.createUser(email, PASSWORD);
  const auth = await app.start(page);
  await enterPassword(page, email, PASSWORD);
  // A Required app and no 2FA yet: the wizard opens right after the password.
  assert.equal(await heading(page), t('wizard.intro.title'));
  await enrollWebAuthn(page, 'passkey', 'My laptop');
  return app.back(page, auth);
}

test('passkey: set up in the wizard after the password, then sign in with it without typing the email', async () => {
  const tab = await freshTab();
  const { page, key } = tab;
  const claims = await enrollPasskeyUser(page, 'passkey@example.com');
  // Password + passkey with user verification: the confirming touch was this sign-in's second factor.
  assert.deepEqual([...(claims.amr as string[])].sort(), ['hwk', 'mfa', 'pwd', 'user']);
  assert.equal(claims.acr, ACR.phishingResistant);

  const [credential] = await key.credentials();
  assert.ok(credential, 'the authenticator holds the new credential');
  assert.equal(credential.isResidentCredential, true, 'a discoverable credential (passkey)');
  const row = await methodRow(credentialIdOf(credential));
  assert.equal(row.status, 'active');
  assert.equal(row.name, 'My laptop');

  // Signed out: the passkey alone, with user verification, is both factors and phishing-resistant.
  await browser.context.clearCookies();
  const auth = await passkeySignIn(tab, 'button');
  const again = await app.back(page, auth);
  assert.equal(again.sub, claims.sub);
  assert.deepEqual(again.amr, ['hwk', 'user', 'mfa']);
  assert.equal(again.acr, ACR.phishingResistant);

  // The same through the email field's autofill.
  await browser.context.clearCookies();
  const viaAutofill = await app.back(page, await passkeySignIn(tab, 'autofill'));
  assert.equal(viaAutofill.sub, claims.sub);
  assert.deepEqual(viaAutofill.amr, ['hwk', 'user', 'mfa']);
  const events = await gh.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', claims.sub).execute();
  assert.ok(events.some((e) => e.event === 'login.passkey.succeeded'));

  assert.deepEqual(scriptErrors(browser.consoleErrors), [], 'no CSP violations or script errors');
  await page.close();
});

test('tampered passkey answers are refused at the passkey sign-in: no user verification, a bogus signature', async () => {
  const tab = await freshTab();
  const { page, key } = tab;
  const claims = await enrollPasskeyUser(page, 'tampered@example.com');
  const refused = async () => {
    await page.locator('.error-summary').getByText(t('passkey.failed')).waitFor();
    assert.equal(await heading(page), t('login.title'));
  };

  // The UV flag off: without user verification a passkey is one factor, not a whole sign-in.
  await browser.context.clearCookies();
  await key.setResponseOverrides({ badUV: true });
  await passkeySignIn(tab, 'button');
  await refused();

  await key.setResponseOverrides({ bogusSignature: true });
  // The page already shows the first refusal: wait for the second answer itself before reading it.
  const answered = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/passkey'));
  await page.getByRole('button', { name: t('passkey.button') }).click();
  await answered;
  await refused();
  const failed = await gh.gh.deps.db.selectFrom('audit_events').select('details').where('user_id', '=', claims.sub).where('event', '=', 'login.passkey.failed').orderBy('id').execute();
  assert.deepEqual(failed.map((f) => JSON.parse(f.details!).reason), ['invalid', 'invalid']);

  // The same UV-less answer is a fine second factor after the password — and claims no `user`.
  await key.setResponseOverrides({ badUV: true });
  tab.autofill(false);
  const auth = await app.start(page);
  await enterPassword(page, 'tampered@example.com', PASSWORD);
  assert.equal(await heading(page), t('mfa.title'));
  await page.getByRole('button', { name: t('mfa.webauthn.button') }).click();
  const second = await app.back(page, auth);
  assert.deepEqual(second.amr, ['pwd', 'hwk', 'mfa']);
  assert.equal(second.acr, ACR.phishingResistant);
  await page.close();
});

test('a cloned passkey (its counter behind) is refused, marked as possibly copied, and the original is refused from then on', async () => {
  const original = await freshTab();
  const claims = await enrollPasskeyUser(original.page, 'cloned@example.com');
  // Used a few times, so the server's counter is well above zero.
  for (let i = 0; i < 2; i++) {
    await browser.context.clearCookies();
    const auth = await passkeySignIn(original, 'autofill');
    assert.equal((await app.back(original.page, auth)).sub, claims.sub);
  }
  const [credential] = await original.key.credentials();
  assert.ok(credential && credential.signCount >= 3, `counter ${credential?.signCount}`);
  const row = await methodRow(credentialIdOf(credential));
  assert.ok(Number(row.counter) >= 3, `stored counter ${row.counter}`);

  // A copy of the key in another authenticator (another tab), its counter behind the original's.
  const copy = await freshTab();
  await copy.key.addCredential({ ...credential, signCount: 1 });
  await passkeySignIn(copy, 'button');
  await copy.page.locator('.error-summary').waitFor();
  assert.match((await copy.page.locator('.error-summary').textContent()) ?? '', /may have been copied/);
  const marked = await methodRow(credentialIdOf(credential));
  assert.equal(JSON.parse(marked.data).cloned, true, 'the method row is marked as possibly cloned');
  assert.equal(Number(marked.counter), Number(row.counter), 'the counter did not move');
  const events = await gh.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', claims.sub).execute();
  assert.ok(events.some((e) => e.event === 'mfa.webauthn.cloned_suspected'));

  // Which one is the copy cannot be told apart: the original is refused as well.
  await browser.context.clearCookies();
  await passkeySignIn(original, 'button');
  await original.page.locator('.error-summary').waitFor();
  assert.match((await original.page.locator('.error-summary').textContent()) ?? '', /may have been copied/);
  assert.equal(await heading(original.page), t('login.title'));

  await copy.page.close();
  await original.page.close();
});
