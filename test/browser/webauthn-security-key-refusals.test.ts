import { test } from 'node:test';
import type { Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { addVirtualAuthenticator, credentialIdOf, type VirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { enterPassword, heading, t } from './webauthn-support.ts';
import { app, appServer, browser, enrolledKey, failedReasons, failures, gh, PASSWORD, refusedWith, toChallenge, touchKey, useSecurityKeyWorld, type Tab } from './security-key-support.ts';

// Security keys refused: another origin or RP ID, a failed ceremony, a cloned key.
useSecurityKeyWorld();

/**
 * An assertion made in another tab at `origin` with `rpId`, by a copy of the key's credential, for
 * the challenge shown on `page` right now — what a phishing site in front of Gatehouse would get.
 */
async function assertionElsewhere(page: Page, credential: Awaited<ReturnType<VirtualAuthenticator['credentials']>>[number], origin: string, rpId: string): Promise<string> {
  const options = JSON.parse((await page.locator('#webauthn-options').textContent()) ?? 'null');
  const other = await browser.context.newPage();
  try {
    const key = await addVirtualAuthenticator(other, 'security-key');
    await key.addCredential({ ...credential, rpId });
    await other.goto(origin === gh.issuer ? `${origin}/reset` : `${origin}/`);
    await other.addScriptTag({ url: `${gh.issuer}/static/vendor/simplewebauthn-browser.js` });
    return await other.evaluate(async (optionsJSON) => {
      const lib = (window as unknown as { SimpleWebAuthnBrowser: { startAuthentication(o: unknown): Promise<unknown> } }).SimpleWebAuthnBrowser;
      return JSON.stringify(await lib.startAuthentication({ optionsJSON }));
    }, { ...options, rpId });
  } finally {
    await other.close();
  }
}

async function currentChallenge(page: Page): Promise<string> {
  return JSON.parse((await page.locator('#webauthn-options').textContent()) ?? 'null').challenge;
}

function clientData(assertion: string): { origin: string; challenge: string } {
  const { origin, challenge } = JSON.parse(Buffer.from(JSON.parse(assertion).response.clientDataJSON, 'base64url').toString('utf8'));
  return { origin, challenge };
}

/** Posts `credential` through the challenge form of `page`, as webauthn.js would. */
async function postAssertion(page: Page, credential: string) {
  await page.evaluate((value) => {
    const form = document.querySelector<HTMLFormElement>('form[data-webauthn=authenticate]')!;
    form.querySelector<HTMLInputElement>('input[name=credential]')!.value = value;
    HTMLFormElement.prototype.submit.call(form);
  }, credential);
  await page.waitForLoadState();
}

test('an assertion made at another origin, or for another RP ID, is refused even with the right key and challenge', async () => {
  const tab = await enrolledKey('phished@example.com');
  const [credential] = await tab.key.credentials();
  assert.ok(credential?.rpId === 'localhost');
  const appPort = new URL(appServer.origin).port;
  const auth = await toChallenge(tab);

  // Same RP ID (localhost), another origin: only clientDataJSON's origin is wrong.
  const challenge = await currentChallenge(tab.page);
  const sameRpId = await assertionElsewhere(tab.page, credential, `http://localhost:${appPort}`, 'localhost');
  assert.equal(JSON.parse(sameRpId).id, credentialIdOf(credential), 'made by the registered credential');
  assert.deepEqual(clientData(sameRpId), { origin: `http://localhost:${appPort}`, challenge });
  await postAssertion(tab.page, sameRpId);
  await refusedWith(tab.page, t('mfa.webauthn.failed'));

  // Another RP ID: the key's own private key, scoped to other.localhost (authenticator data names it).
  const otherRpId = await assertionElsewhere(tab.page, credential, `http://other.localhost:${appPort}`, 'other.localhost');
  assert.equal(clientData(otherRpId).challenge, await currentChallenge(tab.page));
  await postAssertion(tab.page, otherRpId);
  await refusedWith(tab.page, t('mfa.webauthn.failed'));
  assert.deepEqual(await failedReasons(tab.userId), ['invalid', 'invalid']);
  assert.equal(await failures(tab.userId), 2);

  // Control: the same copy, the same way, at Gatehouse's own origin is accepted.
  const genuine = await assertionElsewhere(tab.page, credential, gh.issuer, 'localhost');
  await postAssertion(tab.page, genuine);
  const claims = await app.back(tab.page, auth);
  assert.deepEqual(claims.amr, ['pwd', 'hwk', 'mfa']);
  await tab.page.close();
});

test('a failed ceremony in the browser (no credential on the key, a cancelled registration) is told in the catalog\'s words and posts nothing', async () => {
  const tab = await enrolledKey('reset-key@example.com');
  await toChallenge(tab);
  // The key was reset: the browser refuses with its own technical English message.
  await tab.key.clearCredentials();
  await touchKey(tab.page);
  await tab.page.locator('#webauthn-error').getByText(t('mfa.webauthn.failed'), { exact: true }).waitFor();
  assert.equal(await heading(tab.page), t('mfa.title'));
  assert.equal(await failures(tab.userId), 0, 'nothing reached the server');

  // Registration cancelled by the person (the browser's NotAllowedError) in the wizard.
  await browser.context.clearCookies();
  await gh.createUser('cancels@example.com', PASSWORD);
  await app.start(tab.page);
  await enterPassword(tab.page, 'cancels@example.com', PASSWORD);
  await tab.page.getByRole('button', { name: t('wizard.intro.start') }).click();
  await tab.page.getByLabel(t('wizard.choose.security_key')).check();
  await tab.page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  await tab.page.evaluate(() => {
    navigator.credentials.create = () => Promise.reject(new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError'));
  });
  await tab.page.locator('form[data-webauthn=register] button[type=submit]').click();
  await tab.page.locator('#webauthn-error').getByText(t('wizard.webauthn.failed'), { exact: true }).waitFor();
  assert.equal(await heading(tab.page), t('wizard.webauthn.key_title'));
  await tab.page.close();
});

test('a cloned security key (counter behind) is refused at the second step, marked, counted, and the original is refused too', async () => {
  const original = await enrolledKey('cloned-key@example.com');
  for (let i = 0; i < 2; i++) {
    const auth = await toChallenge(original);
    await touchKey(original.page);
    await app.back(original.page, auth);
  }
  const [credential] = await original.key.credentials();
  assert.ok(credential && credential.signCount >= 3, `counter ${credential?.signCount}`);

  // The copy, in another tab (another authenticator), signs in with the password and touches.
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  const copyKey = await addVirtualAuthenticator(page, 'security-key');
  await copyKey.addCredential({ ...credential, signCount: 0 });
  const copy: Tab = { ...original, page, key: copyKey };
  await toChallenge(copy);
  await touchKey(page);
  await refusedWith(page, t('mfa.webauthn.cloned'));
  const row = await gh.gh.deps.db.selectFrom('mfa_methods').select('data').where('credential_id', '=', credentialIdOf(credential)).executeTakeFirstOrThrow();
  assert.equal(JSON.parse(row.data).cloned, true);
  assert.deepEqual(await failedReasons(original.userId), ['cloned']);

  await toChallenge(original);
  await touchKey(original.page);
  await refusedWith(original.page, t('mfa.webauthn.cloned'));
  assert.deepEqual(await failedReasons(original.userId), ['cloned', 'cloned']);
  await page.close();
  await original.page.close();
});
