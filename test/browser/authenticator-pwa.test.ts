import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { controllingWorker, referenceCode, seriousA11yViolations, shownCode, phoneWithApiDouble } from './authenticator-pwa-support.ts';

// Issue 8: the Gatehouse Authenticator as a web app on a phone-sized screen — installable, its codes
// computed on the device and working offline, clear pages for links that cannot be used. The API is
// the document's (docs/authenticator-world.api.md), answered by a strict double in front of a real Gatehouse.
const world = phoneWithApiDouble();

test('the app at /authenticator/ is installable: a valid linked manifest, a service worker in control, its own CSP, no serious accessibility violation', async () => {
  const { page, consoleErrors } = world.phone;
  const res = await page.goto(`${world.api.origin}/authenticator/`);
  const csp = res!.headers()['content-security-policy'] ?? '';
  for (const d of ["script-src 'self'", "worker-src 'self'", "manifest-src 'self'", "connect-src 'self'", "object-src 'none'"]) assert.ok(csp.includes(d), `${d} in ${csp}`);
  await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
  await page.getByText('There are no accounts on this device yet.').waitFor();

  assert.equal(await page.locator('link[rel=manifest]').getAttribute('href'), 'manifest.webmanifest');
  const cdp = await page.context().newCDPSession(page);
  const manifest = (await cdp.send('Page.getAppManifest', {})) as { url: string; errors: { message: string }[]; data?: string };
  assert.equal(manifest.url, `${world.api.origin}/authenticator/manifest.webmanifest`);
  assert.deepEqual(manifest.errors, [], 'Chromium parses the manifest without an error');
  const m = JSON.parse(manifest.data!) as Record<string, unknown> & { icons: { src: string; sizes: string; type: string; purpose: string }[] };
  assert.equal(m.name, 'Gatehouse Authenticator');
  assert.equal(m.short_name, 'Gatehouse');
  assert.equal(m.start_url, '/authenticator/');
  assert.equal(m.scope, '/authenticator/');
  assert.equal(m.display, 'standalone');
  assert.match(String(m.theme_color), /^#[0-9a-f]{6}$/);
  assert.deepEqual(m.icons.map((i) => [i.type, i.sizes, i.purpose]), [['image/svg+xml', 'any', 'any'], ['image/svg+xml', 'any', 'maskable']]);
  for (const icon of m.icons) {
    const r = await page.request.get(new URL(icon.src, manifest.url).href);
    assert.equal(r.status(), 200);
    assert.match(r.headers()['content-type'] ?? '', /^image\/svg\+xml/);
  }

  const worker = await controllingWorker(page);
  assert.equal(worker.url(), `${world.api.origin}/authenticator/sw.js`);
  // Every file of the app is kept for offline use (a file added to the folder but not to sw.js's list would not be).
  const kept = await page.evaluate(async () => (await (await caches.open('gatehouse-authenticator-v1')).keys()).map((r) => new URL(r.url).pathname));
  const files = readdirSync(new URL('../../static/authenticator/', import.meta.url)).filter((f) => f !== 'sw.js');
  for (const f of files) assert.ok(kept.includes(f === 'index.html' ? '/authenticator/' : `/authenticator/${f}`), `${f} is kept offline (kept: ${kept.join(', ')})`);
  for (const f of ['/static/gatehouse.css', '/static/vendor/simplewebauthn-browser.js']) assert.ok(kept.includes(f), f);
  assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.ready).scope), `${world.api.origin}/authenticator/`);
  assert.deepEqual(await seriousA11yViolations(page), []);
  assert.deepEqual(consoleErrors, [], 'no CSP violation, no script error');
});

test('a used, an expired and an unknown link each get a page that says so, and the token leaves the address bar', async () => {
  const page = await world.phone.context.newPage();
  const cases = [
    [world.api.link('used@example.com', { state: 'used' }), 'This link has already been used'],
    [world.api.link('expired@example.com', { state: 'expired' }), 'This link has expired'],
    [`${world.api.origin}/authenticator/#enroll=${'x'.repeat(43)}`, "This link doesn't work"],
  ] as const;
  for (const [link, title] of cases) {
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    assert.equal(new URL(page.url()).hash, '', 'the token is no longer in the address bar');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus is on the heading');
    await page.getByRole('button', { name: 'Show my accounts' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), [], title);
  }
  await page.close();
});

async function enroll(page: Page, email: string, deviceName: string): Promise<void> {
  await page.goto(world.api.link(email, { name: 'Ada Lovelace' }));
  await page.getByRole('heading', { level: 1, name: `Add ${email} on localhost:${new URL(world.api.origin).port}?` }).waitFor();
  assert.equal(new URL(page.url()).hash, '');
  assert.deepEqual(await seriousA11yViolations(page), []);
  await page.getByLabel('Name this device').fill(deviceName);
  await page.getByLabel('Notify me of sign-in requests').uncheck();
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Account added' }).waitFor();
}

async function assertCodeMatches(page: Page, email: string, secret: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    const before = Date.now();
    const shown = await shownCode(page, email);
    // The code changes every 30 s: a reading at a boundary may show either side's code.
    const expected = new Set([referenceCode(secret, before), referenceCode(secret, Date.now())]);
    if (expected.has(shown)) return;
    if (tries > 3) assert.fail(`shown ${shown}, otpauth says ${[...expected].join(' or ')}`);
    await page.waitForTimeout(1100);
  }
}

test('enrolls two people from their links with the screen lock; codes equal otpauth\'s and keep working offline; removing forgets an account', async () => {
  const page = await world.phone.context.newPage();
  const lock = await addVirtualAuthenticator(page, 'passkey');
  await enroll(page, 'ada@example.com', "Ada's phone");
  await enroll(page, 'grace@example.com', 'Shared phone');
  const ada = [...world.api.devices.values()].find((d) => d.email === 'ada@example.com')!;
  const grace = [...world.api.devices.values()].find((d) => d.email === 'grace@example.com')!;
  assert.equal(ada.name, "Ada's phone");
  assert.ok(ada.screenLock, 'a platform credential with user verification was registered');
  assert.equal((await lock.credentials()).length, 2);
  assert.equal(ada.pushSubscription, undefined, 'no push without notifications');

  // The device key is the browser's own: non-extractable, kept in IndexedDB.
  const keys = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('gatehouse-authenticator');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const all = await new Promise<{ privateKey: CryptoKey }[]>((resolve) => {
      const r = db.transaction('accounts').objectStore('accounts').getAll();
      r.onsuccess = () => resolve(r.result as { privateKey: CryptoKey }[]);
    });
    return all.map((a) => ({ type: a.privateKey.type, extractable: a.privateKey.extractable, alg: (a.privateKey.algorithm as EcKeyAlgorithm).namedCurve }));
  });
  assert.deepEqual(keys, [{ type: 'private', extractable: false, alg: 'P-256' }, { type: 'private', extractable: false, alg: 'P-256' }]);

  await page.getByRole('button', { name: 'Show my accounts' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
  await assertCodeMatches(page, 'ada@example.com', ada.totpSecret);
  await assertCodeMatches(page, 'grace@example.com', grace.totpSecret);
  assert.match((await page.locator('li.account .countdown').first().textContent()) ?? '', /^Changes in ([1-9]|[12][0-9]|30) s$/);
  assert.deepEqual(await seriousA11yViolations(page), []);

  // No network: the service worker serves the app, the codes are computed on the device.
  await controllingWorker(page);
  await page.context().setOffline(true);
  try {
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Your accounts' }).waitFor();
    await assertCodeMatches(page, 'ada@example.com', ada.totpSecret);
    await assertCodeMatches(page, 'grace@example.com', grace.totpSecret);
  } finally {
    await page.context().setOffline(false);
  }

  await page.getByText('Remove this account').first().click();
  await page.getByRole('button', { name: 'Remove ada@example.com' }).click();
  // The list is drawn again (and the live region speaks) a moment after the tap: wait for both.
  await page.getByRole('heading', { level: 2, name: /^ada@example\.com/ }).waitFor({ state: 'detached' });
  await page.getByRole('heading', { level: 2, name: /^grace@example\.com/ }).waitFor();
  await page.waitForFunction(() => document.getElementById('live')?.textContent === 'ada@example.com was removed from this device.');
  assert.deepEqual(world.api.selfRemoved, [ada.id], 'Gatehouse was asked to revoke the device (DELETE /devices/self), signed by it');
  assert.ok(!world.api.devices.has(ada.id));
  await page.close();
});
