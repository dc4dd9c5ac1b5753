import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { verifiedCompany } from '../helpers/company.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock, passwordStep } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { confirmWithCode, personWithTotp, securityUrl } from '../account-security/support.ts';
import { enrollInWizard, openPushStep, pageNumber, PASSWORD, gatehouseWithPayroll } from './support.ts';

// DELETE /devices/self: a device removes itself, signed with its key, the way Account settings removes
// a method — audited, emailed, signed out everywhere, its own requests ended — and bound by the same
// policy rules. (Payroll is Required; the people here keep an authenticator app beside their devices.)
const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';
let n = 0;

before(async () => {
  ({ t, payroll } = await gatehouseWithPayroll(clock, cb));
});
after(async () => {
  await t.close();
});

/** A person with an authenticator app and `devices` push devices added in Account settings; the browser stays signed in there. */
async function person(devices: number, domain = 'example.com') {
  const email = `r${++n}@${domain}`;
  const { ua, user, secret } = await personWithTotp(t, clock, email);
  const added: PushDevice[] = [];
  for (let i = 0; i < devices; i++) {
    await confirmWithCode(ua, t, secret, clock);
    await ua.go(securityUrl(t));
    await ua.submit('/account/security/add');
    const device = await PushDevice.create(t.issuer, clock.now);
    await enrollInWizard(ua, device, { name: `Phone ${i + 1}` });
    await ua.submit('/enroll/done');
    added.push(device);
  }
  return { email, user, ua, secret, devices: added };
}

const eventsOf = async (userId: string) => (await t.gh.deps.db.selectFrom('audit_events').select(['event', 'details']).where('user_id', '=', userId).orderBy('id').execute()).map((e) => ({ event: e.event, details: JSON.parse(e.details ?? '{}') as Record<string, unknown> }));
const challengeStatus = async (id: string) => (await t.gh.deps.db.selectFrom('push_challenges').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

test('A device removes itself: revoked at once, audited and emailed as in Account settings, signed out everywhere; the other device and the app stay', async () => {
  const { email, user, ua, devices } = await person(2);
  const [phone, other] = devices as [PushDevice, PushDevice];
  const r = await phone.removeSelf();
  assert.deepEqual(r, { status: 200, body: { deviceId: phone.deviceId, status: 'removed' } });
  assert.equal((await phone.signedGet('/devices/self')).body.error, 'device_unknown', 'its next request is refused');
  assert.equal((await phone.removeSelf()).body.error, 'device_unknown', 'and so is removing it twice');
  const self = await other.signedGet('/devices/self');
  assert.deepEqual([self.status, self.body.status], [200, 'active'], 'the other device is untouched');

  const events = await eventsOf(user.id);
  assert.deepEqual(events.find((e) => e.event === 'mfa.method.removed')?.details, { methodId: phone.deviceId, type: 'push', name: 'Phone 1', by: 'device', status: 'active' });
  assert.equal(events.filter((e) => e.event === 'session.signed_out_everywhere').at(-1)?.details.reason, '2fa_method_removed');
  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && /removed/.test(m.subject));
  assert.match(mail.text, /Phone 1/);
  // The browser's session in Account settings ended with the change, like any other.
  const page = await ua.go(securityUrl(t));
  assert.notEqual(page.url, securityUrl(t), 'signed out of Account settings');
  const rows = await t.gh.deps.db.selectFrom('mfa_methods').select(['id', 'type']).where('user_id', '=', user.id).where('status', '=', 'active').execute();
  assert.deepEqual(rows.map((m) => m.type).sort(), ['push', 'totp']);
  assert.ok(!rows.some((m) => m.id === phone.deviceId));
});

test("The device's pending requests end with it; a sign-in the person's other device can still answer stays", async () => {
  const { email, devices } = await person(2);
  const [first, second] = devices as [PushDevice, PushDevice];
  const ua = new UserAgent();
  await passwordStep(ua, payroll, cb, email, PASSWORD);
  const uid = /\/interaction\/([^/?#]+)/.exec(ua.lastUrl)![1]!;
  const page = await ua.go(`${t.issuer}/interaction/${uid}?method=push`);
  pageNumber(page.body);
  const c = await second.nextChallenge();
  assert.equal((await first.removeSelf()).status, 200);
  assert.equal(await challengeStatus(c.id), 'pending', 'the second device may still answer it');
  assert.deepEqual((await second.challenges()).map((x) => x.id), [c.id]);
  assert.equal((await second.removeSelf()).status, 200);
  assert.equal(await challengeStatus(c.id), 'expired', 'nobody is left to answer it');
});

test("A device still pending in the wizard removes itself: its test request ends, nothing else changes (no sign-out, no email)", async () => {
  const { user, ua, secret } = await person(0);
  await confirmWithCode(ua, t, secret, clock);
  await ua.go(securityUrl(t));
  await ua.submit('/account/security/add');
  const link = await openPushStep(ua);
  const device = await PushDevice.create(t.issuer, clock.now);
  assert.equal((await device.enroll(link)).status, 201);
  pageNumber((await ua.go(ua.lastUrl)).body);
  const c = await device.nextChallenge();
  assert.equal(c.kind, 'enroll');
  const before = (await eventsOf(user.id)).length;
  assert.equal((await device.removeSelf()).status, 200);
  assert.equal(await challengeStatus(c.id), 'expired');
  const after = (await eventsOf(user.id)).slice(before);
  assert.deepEqual(after.map((e) => e.event), ['mfa.method.removed']);
  assert.equal(after[0]!.details.status, 'pending');
  assert.equal((await ua.go(securityUrl(t))).url, securityUrl(t), 'still signed in to Account settings');
});

test('A company policy that keeps the last method it allows binds the device too: 409 last_method_required, audited, the device still works', async () => {
  const db = t.gh.deps.db;
  const org = await verifiedCompany(t, 'Corp', 'corp.example');
  const { user, devices } = await person(1, 'corp.example');
  const [phone] = devices as [PushDevice];
  // The authenticator app is no longer allowed: the phone is the last method the company accepts.
  await org.setPolicy({ secondFactor: 'required', allowedMethods: ['push', 'webauthn'] });
  const r = await phone.removeSelf();
  assert.equal(r.status, 409);
  assert.equal(r.body.error, 'last_method_required');
  assert.match(String(r.body.error_description), /Add another method in Account settings first/);
  assert.equal((await phone.signedGet('/devices/self')).body.status, 'active');
  assert.deepEqual((await eventsOf(user.id)).find((e) => e.event === 'mfa.method.removal_refused')?.details, { methodId: phone.deviceId, type: 'push', by: 'device', reason: 'last_method_required' });
  // Once the company allows the app again, the phone may go.
  await org.setPolicy({ secondFactor: 'required', allowedMethods: ['push', 'totp', 'webauthn'] });
  assert.equal((await phone.removeSelf()).status, 200);
});

test('Two devices removing themselves at once cannot both go when a policy keeps the last one: one is removed, the other refused', async () => {
  const db = t.gh.deps.db;
  const org = await verifiedCompany(t, 'Pair Corp', 'pair.example');
  const { user, devices } = await person(2, 'pair.example');
  // Only push is allowed: the two phones are the person's only allowed methods.
  await org.setPolicy({ secondFactor: 'required', allowedMethods: ['push'] });
  const results = await Promise.all(devices.map((d) => d.removeSelf()));
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 409], JSON.stringify(results.map((r) => r.body)));
  const left = await db.selectFrom('mfa_methods').select('type').where('user_id', '=', user.id).where('status', '=', 'active').where('type', '=', 'push').execute();
  assert.equal(left.length, 1, 'one phone is left');
});

test('Only the device itself: a stranger, a forged signature or a replayed header removes nothing', async () => {
  const { devices } = await person(1);
  const [phone] = devices as [PushDevice];
  const forger = await PushDevice.create(t.issuer, clock.now);
  forger.deviceId = phone.deviceId;
  assert.deepEqual([(await forger.removeSelf()).status, (await forger.removeSelf()).body.error], [401, 'device_unknown']);
  const url = phone.api('/devices/self');
  const getHeader = await phone.authorization('GET', url);
  assert.equal((await phone.signed('DELETE', '/devices/self', getHeader)).body.error, 'device_unknown', 'a header signed for GET does not delete');
  const header = await phone.authorization('DELETE', url);
  assert.equal((await phone.signed('DELETE', '/devices/self', header)).status, 200);
  assert.equal((await phone.signed('DELETE', '/devices/self', header)).body.error, 'device_unknown', 'gone: replaying it learns nothing more');
});
