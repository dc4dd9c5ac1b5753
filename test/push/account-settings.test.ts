import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { confirmWithCode, listedMethods, personWithTotp, securityUrl } from '../account-security/support.ts';
import { enrollInWizard } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;

before(async () => {
  t = await startTestGatehouse({}, { clock });
});
after(async () => {
  await t.close();
});

test('Account settings add a push device through the same wizard, list it (name, added, last used), rename it, and remove it at once', async () => {
  const { ua, secret } = await personWithTotp(t, clock, 'settings@example.com');
  await confirmWithCode(ua, t, secret, clock);
  await ua.go(securityUrl(t));
  let page = await ua.submit('/account/security/add');
  assert.equal(page.url, `${t.issuer}/account/security/enroll`);
  assert.match(page.body, /value="push"/, 'offered in the settings wizard');
  const device = await PushDevice.create(t.issuer, clock.now);
  page = await enrollInWizard(ua, device, { name: "Ada's phone" });
  assert.match(page.body, /<h1>Gatehouse Authenticator added<\/h1>/);
  page = await ua.submit('/enroll/done');
  assert.equal(page.url, `${securityUrl(t)}?done=added`);

  const row = listedMethods(page.body).find((m) => m.id === device.deviceId);
  assert.ok(row, 'the device is listed');
  assert.equal(row.name, 'Ada&#39;s phone');
  assert.match(row.row, /Gatehouse Authenticator/);
  assert.equal((await device.signedGet('/devices/self')).body.status, 'active');

  // Rename, through the generic route.
  clock.nextStep();
  await confirmWithCode(ua, t, secret, clock);
  await ua.go(securityUrl(t));
  page = await ua.submit(`/account/security/methods/${device.deviceId}/rename`, { name: 'Work phone' });
  assert.equal(listedMethods((await ua.go(securityUrl(t))).body).find((m) => m.id === device.deviceId)?.name, 'Work phone');
  assert.equal((await device.signedGet('/devices/self')).body.name, 'Work phone');

  // Remove: confirmed, and the device's key is refused from that moment on.
  await confirmWithCode(ua, t, secret, clock);
  await ua.go(securityUrl(t));
  page = await ua.submit(`/account/security/methods/${device.deviceId}/remove`);
  if (page.body.includes('/remove"')) page = await ua.submit(`/account/security/methods/${device.deviceId}/remove`, { confirm: '1' });
  assert.ok(!listedMethods(page.body).some((m) => m.id === device.deviceId), 'no longer listed');
  const self = await device.signedGet('/devices/self');
  assert.deepEqual([self.status, self.body.error], [401, 'device_unknown']);
  const removed = await t.smtp.waitFor((m) => m.to.includes('settings@example.com') && /removed/.test(m.subject));
  assert.match(removed.text, /Gatehouse Authenticator/);
  void UserAgent;
});
