import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { addVirtualAuthenticator, type VirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { startApiDouble, type ApiDouble } from './authenticator-api-double.ts';
import { PHONE, controllingWorker, heading, seriousA11yViolations } from './authenticator-pwa-support.ts';

// Issue 8, "Approving a sign-in", on the phone-sized web app: requests arrive over the wait endpoint
// (server-sent events read with fetch, or long-polling), the request screen says what asks and from
// where, the typed number and the screen lock go into an answer signed with the device key; Deny and
// "This wasn't me"; a push message becomes a notification that opens the request.
let gh: TestGatehouse;
let api: ApiDouble;
let phone: TestBrowser;

before(async () => {
  gh = await startTestGatehouse();
  api = await startApiDouble(gh.issuer);
  phone = await launchBrowser({ viewport: PHONE });
});
after(async () => {
  await phone?.close();
  await api?.close();
  await gh?.close();
});

async function enrolled(page: Page, email: string, opts: { notify?: boolean; vapidPublicKey?: string } = {}): Promise<string> {
  await page.goto(api.link(email, { vapidPublicKey: opts.vapidPublicKey }));
  await page.getByLabel('Name this device').fill(`${email}'s phone`);
  if (!opts.notify) await page.getByLabel('Notify me of sign-in requests').uncheck();
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Account added' }).waitFor({ timeout: 20_000 });
  const device = [...api.devices.values()].find((d) => d.email === email)!;
  await waitFor(() => api.isWaiting(device.id), 'the app waits for requests');
  return device.id;
}

async function waitFor(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 100) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function details(page: Page): Promise<Record<string, string>> {
  const pairs = await page.locator('dl.request-details').evaluate((dl) => Array.from(dl.querySelectorAll('dt'), (dt) => dt).map((dt) => [dt.textContent!, dt.nextElementSibling!.textContent!]));
  return Object.fromEntries(pairs);
}

test('the test request and a sign-in arrive by themselves; the typed number and the screen lock make a signed approval; a wrong number, Deny and "This wasn\'t me"', async () => {
  const page = await phone.context.newPage();
  const lock: VirtualAuthenticator = await addVirtualAuthenticator(page, 'passkey');
  const deviceId = await enrolled(page, 'ada@example.com');

  // The wizard's test request: the app opens it, and the live region says it came.
  const first = api.startChallenge(deviceId, { kind: 'enroll', app: 'Gatehouse' });
  await page.getByRole('heading', { level: 1, name: 'Approve the test request?' }).waitFor();
  await page.waitForFunction(() => document.getElementById('live')?.textContent === 'New request: Test request for ada@example.com');
  const d = await details(page);
  assert.deepEqual(Object.keys(d), ['App', 'Browser', 'Operating system', 'IP address', 'Time', 'Expires']);
  assert.equal(d['IP address'], '203.0.113.7');
  assert.match(d.Expires!, /^in \d+ s$/);
  const number = page.getByLabel('Type the number shown on the sign-in page');
  assert.equal(await number.getAttribute('inputmode'), 'numeric');
  assert.deepEqual(await seriousA11yViolations(page), []);

  // Approve without the number: said at the field, nothing sent.
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('#number-error').waitFor();
  assert.equal(await page.locator('#number-error').textContent(), 'Type the number shown on the sign-in page');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'number');
  assert.equal(api.answers.size, 0);

  // The screen lock refused: nothing is sent.
  await lock.setUserVerified(false);
  await number.fill(first.number);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByText('Your screen lock was not confirmed, so nothing was sent. Try again.').waitFor();
  assert.equal(api.answers.size, 0);
  await lock.setUserVerified(true);
  await number.fill(first.number);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign-in approved' }).waitFor();
  assert.deepEqual(api.answers.get(first.id), { decision: 'approve', number: first.number, userVerified: true });

  // A sign-in to Payroll with what it is for.
  const payroll = api.startChallenge(deviceId, { app: 'Payroll', action: 'Change bank details' });
  await page.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor();
  assert.equal((await details(page)).Action, 'Change bank details');
  await number.fill(payroll.number === '99' ? '98' : String(Number(payroll.number) + 1));
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { level: 1, name: 'Not accepted' }).waitFor();
  assert.ok(api.refusals.some((r) => r.startsWith('answer_refused: number')), api.refusals.join('; '));

  const deny = api.startChallenge(deviceId);
  await page.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor();
  await page.getByRole('button', { name: 'Deny' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign-in denied' }).waitFor();
  assert.deepEqual(api.answers.get(deny.id), { decision: 'deny', number: undefined, userVerified: false });

  const fraud = api.startChallenge(deviceId);
  await page.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor();
  await page.getByRole('button', { name: "This wasn't me" }).click();
  await page.getByRole('heading', { level: 1, name: 'Thanks for telling us' }).waitFor();
  assert.deepEqual(api.answers.get(fraud.id), { decision: 'fraud', number: undefined, userVerified: false });
  assert.deepEqual(await seriousA11yViolations(page), []);
  await page.close();
});

test('where the event stream is not available the app long-polls, and a request still arrives', async () => {
  const page = await phone.context.newPage();
  api.streaming = false;
  try {
    const deviceId = await enrolled(page, 'poll@example.com');
    const c = api.startChallenge(deviceId);
    await page.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor();
    await page.getByLabel('Type the number shown on the sign-in page').fill(c.number);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign-in approved' }).waitFor();
    assert.equal(api.answers.get(c.id)?.decision, 'approve');
  } finally {
    api.streaming = true;
    await page.close();
  }
});

test('a push message shows "Approve sign-in to Payroll?"; tapping it opens that request; a subscription that never completes does not hold enrollment', async () => {
  const page = await phone.context.newPage();
  await phone.context.grantPermissions(['notifications'], { origin: api.origin });
  // Chromium's PushManager.subscribe never settles without a network (TOOLCHAIN.md): the app gives up and enrolls anyway.
  const deviceId = await enrolled(page, 'push@example.com', { notify: true, vapidPublicKey: Buffer.alloc(65, 4).toString('base64url') });
  assert.equal(api.devices.get(deviceId)!.pushSubscription, undefined);
  const worker = await controllingWorker(page);

  const cdp = await page.context().newCDPSession(page);
  const registration = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: { registrationId: string; scopeURL: string }[] }) => {
      const r = registrations.find((x) => x.scopeURL === `${api.origin}/authenticator/`);
      if (r) resolve(r.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registration;

  // A page where a request would not open by itself: only the tap can open it.
  await page.goto(`${api.origin}/authenticator/#enroll=none`);
  await page.getByRole('heading', { level: 1, name: "This link doesn't work" }).waitFor();
  const c = api.startChallenge(deviceId);
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: api.origin, registrationId, data: JSON.stringify({ type: 'challenge', id: c.id, app: 'Payroll', expiresAt: Date.now() + 60_000 }) });
  let shown: { title: string; body: string; id: string }[] = [];
  for (let i = 0; shown.length === 0 && i < 50; i++) {
    // Evaluated in the service worker (lib "DOM" has no worker types: the scope is typed by hand).
    shown = await worker.evaluate(async () => {
      const sw = self as unknown as { registration: { getNotifications(): Promise<Notification[]> } };
      return (await sw.registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, id: (n.data as { id: string }).id }));
    });
    if (!shown.length) await page.waitForTimeout(100);
  }
  assert.deepEqual(shown, [{ title: 'Approve sign-in to Payroll?', body: 'Tap to review it and type the number shown on the sign-in page.', id: c.id }]);

  // The tap, as the browser dispatches it to the worker.
  await worker.evaluate(async () => {
    const sw = self as unknown as EventTarget & { registration: { getNotifications(): Promise<Notification[]> }; NotificationEvent: new (type: string, init: { notification: Notification }) => Event };
    const [notification] = await sw.registration.getNotifications();
    sw.dispatchEvent(new sw.NotificationEvent('notificationclick', { notification: notification! }));
  });
  await page.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor();
  assert.equal(await heading(page), 'Approve sign-in to Payroll?');
  await page.close();
});
