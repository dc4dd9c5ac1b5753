import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { passwordStep } from '../helpers/mfa.ts';
import { openPushStep, PASSWORD } from '../push/support.ts';
import { PHONE } from './authenticator-pwa-support.ts';

// The web app against the real Gatehouse: the first account on the phone subscribes to Web Push with
// the key inspect gives, and "Remove this account" revokes the device on the server.
let gh: TestGatehouse;
let phone: TestBrowser;
let payroll: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';

before(async () => {
  gh = await startTestGatehouse();
  const app = await gh.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  payroll = await relyingParty(gh.issuer, app.clientId, app.clientSecret);
  phone = await launchBrowser({ viewport: PHONE });
});
after(async () => {
  await phone?.close();
  await gh?.close();
});

/**
 * Chromium's PushManager.subscribe never settles offline (TOOLCHAIN.md): here it answers at once with
 * a subscription at a push service that does not exist, and notes the applicationServerKey it was given.
 */
async function recordSubscribe(page: Page): Promise<void> {
  // A string, not a function: what tsx compiles may call helpers the page does not have.
  await page.addInitScript(`
    const b64u = (b) => btoa(String.fromCharCode(...new Uint8Array(b instanceof ArrayBuffer ? b : b.buffer))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    PushManager.prototype.getSubscription = async () => null;
    PushManager.prototype.subscribe = async function (o) {
      const key = o.applicationServerKey;
      window.subscribedWith = b64u(key);
      return { options: { applicationServerKey: key }, toJSON: () => ({ endpoint: 'https://push.invalid/sub/1', keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) } }) };
    };
  `);
}

test('the first account on the phone subscribes to Web Push with the key inspect gives; removing it revokes the device on the server', async () => {
  const email = 'first@example.com';
  const user = await gh.createUser(email, PASSWORD);
  const ua = new UserAgent();
  await passwordStep(ua, payroll, cb, email, PASSWORD);
  const link = await openPushStep(ua);

  const page = await phone.context.newPage();
  await phone.context.grantPermissions(['notifications'], { origin: new URL(gh.issuer).origin });
  await recordSubscribe(page);
  await page.goto(link);
  await page.getByLabel('Name this device').fill('First phone');
  assert.equal(await page.getByLabel('Notify me of sign-in requests').isChecked(), true);
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Account added' }).waitFor({ timeout: 20_000 });

  const vapid = await gh.gh.deps.db.selectFrom('vapid_keys').select('public_key').executeTakeFirstOrThrow();
  assert.equal(await page.evaluate(() => (window as unknown as { subscribedWith?: string }).subscribedWith), vapid.public_key, 'subscribed with the server key, before registering');
  const row = await gh.gh.deps.db.selectFrom('mfa_methods').select(['id', 'data', 'status']).where('user_id', '=', user.id).where('type', '=', 'push').executeTakeFirstOrThrow();
  assert.equal(JSON.parse(row.data).subscribed, true, 'the subscription came with the registration');

  await page.getByRole('button', { name: 'Show my accounts' }).click();
  const account = page.locator('li.account').filter({ has: page.getByRole('heading', { name: /^first@example\.com/ }) });
  await account.getByText('Remove this account').click();
  await account.getByRole('button', { name: 'Remove first@example.com' }).click();
  await page.getByRole('heading', { level: 2, name: /^first@example\.com/ }).waitFor({ state: 'detached' });
  assert.equal(await gh.gh.deps.db.selectFrom('mfa_methods').select('id').where('id', '=', row.id).executeTakeFirst(), undefined, 'Gatehouse no longer has the device');
  const removed = await gh.gh.deps.db.selectFrom('audit_events').select('details').where('user_id', '=', user.id).where('event', '=', 'mfa.method.removed').executeTakeFirstOrThrow();
  assert.equal(JSON.parse(removed.details!).by, 'device');
  await page.close();
});
