import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controllingWorker, enrolled, heading, phoneWithApiDouble } from './authenticator-pwa-support.ts';

// Issue 8, how requests reach the phone-sized web app: long-polling where no event stream can be
// held, a push message that becomes a notification whose tap opens the request, and a device removed
// in Gatehouse. (A file of its own: browser suites share a per-file time limit on a loaded machine.)
const world = phoneWithApiDouble();

test('where the event stream is not available the app long-polls, and a request still arrives', async () => {
  const page = await world.phone.context.newPage();
  world.api.streaming = false;
  try {
    const deviceId = await enrolled(page, world.api, 'poll@example.com');
    const c = world.api.startChallenge(deviceId);
    await page.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor();
    await page.getByLabel('Type the number shown on the sign-in page').fill(c.number);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign-in approved' }).waitFor();
    assert.equal(world.api.answers.get(c.id)?.decision, 'approve');
  } finally {
    world.api.streaming = true;
    await page.close();
  }
});

test('a push message shows "Approve sign-in to Payroll?"; tapping it opens that request; a subscription that never completes does not hold enrollment', async () => {
  const page = await world.phone.context.newPage();
  await world.phone.context.grantPermissions(['notifications'], { origin: world.api.origin });
  // Chromium's PushManager.subscribe never settles without a network (TOOLCHAIN.md): the app gives up and enrolls anyway.
  const deviceId = await enrolled(page, world.api, 'push@example.com', { notify: true, vapidPublicKey: Buffer.alloc(65, 4).toString('base64url') });
  assert.equal(world.api.devices.get(deviceId)!.pushSubscription, undefined);
  const worker = await controllingWorker(page);

  const cdp = await page.context().newCDPSession(page);
  const registration = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }: { registrations: { registrationId: string; scopeURL: string }[] }) => {
      const r = registrations.find((x) => x.scopeURL === `${world.api.origin}/authenticator/`);
      if (r) resolve(r.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registration;

  // A page where a request would not open by itself: only the tap can open it.
  await page.goto(`${world.api.origin}/authenticator/#enroll=none`);
  await page.getByRole('heading', { level: 1, name: "This link doesn't work" }).waitFor();
  const c = world.api.startChallenge(deviceId);
  const message = { origin: world.api.origin, registrationId, data: JSON.stringify({ type: 'challenge', id: c.id, app: 'Payroll', expiresAt: Date.now() + 60_000 }) };
  let shown: { title: string; body: string; id: string }[] = [];
  // DevTools' deliverPushMessage is sometimes lost while it (re)starts the worker (about one run in
  // ten on a loaded machine, even with 20 s of waiting): the same message is delivered again, as a
  // push service redelivers what was not acknowledged. One notification is expected either way (its tag).
  for (let delivery = 1; shown.length === 0 && delivery <= 3; delivery++) {
    await cdp.send('ServiceWorker.deliverPushMessage', message);
    for (const until = Date.now() + 5_000; shown.length === 0 && Date.now() < until; ) {
      // Evaluated in the service worker (lib "DOM" has no worker types: the scope is typed by hand).
      shown = await worker.evaluate(async () => {
        const sw = self as unknown as { registration: { getNotifications(): Promise<Notification[]> } };
        return (await sw.registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, id: (n.data as { id: string }).id }));
      });
      if (!shown.length) await page.waitForTimeout(100);
    }
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

test('a device removed in Gatehouse is told so on its account, and removing it here stops the waiting', async () => {
  const page = await world.phone.context.newPage();
  const deviceId = await enrolled(page, world.api, 'removed@example.com');
  await page.getByRole('button', { name: 'Show my accounts' }).click();
  const row = page.locator('li.account').filter({ has: page.getByRole('heading', { name: /^removed@example\.com/ }) });
  await row.waitFor();
  world.api.removeDevice(deviceId);
  await row.getByText('Gatehouse no longer accepts this device for this account: it was removed in your account settings').waitFor();
  await page.waitForFunction(() => document.getElementById('live')?.textContent === 'Gatehouse no longer accepts this device for removed@example.com.');
  assert.ok(world.api.refusals.includes('device_unknown: unknown kid'), 'the app asked again and was told');
  await row.getByText('Remove this account').click();
  await row.getByRole('button', { name: 'Remove removed@example.com' }).click();
  await page.getByRole('heading', { name: /^removed@example\.com/ }).waitFor({ state: 'detached' });
  assert.ok(!world.api.selfRemoved.includes(deviceId), 'nothing left to revoke: Gatehouse had removed it already');
  assert.equal(world.api.isWaiting(deviceId), false);
  await page.close();
});
