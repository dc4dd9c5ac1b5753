import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock, passwordStep } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { openPushStep, pageLink, pageNumber, PASSWORD, gatehouseWithPayroll } from './support.ts';

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

/** A person without 2FA at the wizard's push step; returns the browser and the link shown. */
async function atPushStep() {
  const email = `e${++n}@example.com`;
  const user = await t.createUser(email, PASSWORD, { name: `Person ${n}` });
  const ua = new UserAgent();
  await passwordStep(ua, payroll, cb, email, PASSWORD);
  const link = await openPushStep(ua);
  return { email, user, ua, link };
}

test('The wizard lists the Authenticator first, marked recommended, and shows the link as a QR code and as text', async () => {
  const email = `e${++n}@example.com`;
  await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  await passwordStep(ua, payroll, cb, email, PASSWORD);
  await ua.submit('/enroll/start');
  const radios = [...ua.lastBody.matchAll(/name="method" value="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(radios[0], 'push');
  assert.match(ua.lastBody, /id="m-push" name="method" value="push" checked/);
  assert.match(ua.lastBody, /Gatehouse Authenticator <span class="badge">Recommended<\/span>/);
  await ua.submit('/enroll/choose', { method: 'push' });
  const link = pageLink(ua.lastBody);
  assert.match(link, new RegExp(`^${t.issuer}/authenticator/#enroll=[\\w-]{43}$`));
  assert.match(ua.lastBody, /<img src="data:image\/png;base64,/);
  const stored = await t.gh.deps.db.selectFrom('push_enrollments').selectAll().execute();
  assert.ok(!JSON.stringify(stored).includes(PushDevice.tokenOf(link)), 'only the hash of the token is stored');
  const flows = await t.gh.deps.db.selectFrom('login_flows').select('data').execute();
  assert.ok(!JSON.stringify(flows).includes(PushDevice.tokenOf(link)), 'nor is the link kept in clear in the flow');
});

test('An enrollment link works once: a second use, whoever sends it, is 410 enrollment_link_used; ten at once register one device', async () => {
  const { link, email } = await atPushStep();
  const inspect = await (await PushDevice.create(t.issuer, clock.now)).inspect(link);
  assert.equal(inspect.status, 200, 'inspect does not use the link');
  assert.deepEqual(inspect.body.account, { email, name: `Person ${n}` });
  const devices = await Promise.all(Array.from({ length: 10 }, () => PushDevice.create(t.issuer, clock.now)));
  const results = await Promise.all(devices.map((d) => d.enroll(link)));
  assert.equal(results.filter((r) => r.status === 201).length, 1);
  for (const r of results.filter((x) => x.status !== 201)) assert.deepEqual(r, { status: 410, body: { error: 'enrollment_link_used', error_description: r.body.error_description } });
  const later = await (await PushDevice.create(t.issuer, clock.now)).enroll(link);
  assert.equal(later.status, 410);
  assert.equal(later.body.error, 'enrollment_link_used');
  assert.equal((await devices[0]!.inspect(link)).status, 410);
});

test('An expired link is 410 enrollment_link_expired; the wizard then shows a new one; an unknown link is 400', async () => {
  const { ua, link } = await atPushStep();
  clock.advance(10 * 60_000 + 1);
  const d = await PushDevice.create(t.issuer, clock.now);
  const r = await d.enroll(link);
  assert.equal(r.status, 410);
  assert.equal(r.body.error, 'enrollment_link_expired');
  const page = await ua.go(ua.lastUrl);
  const fresh = pageLink(page.body);
  assert.notEqual(fresh, link);
  assert.equal((await d.enroll(fresh)).status, 201);
  const unknown = await d.post('/enrollments', { token: 'A'.repeat(43), publicKey: d.publicJwk, name: 'x' });
  assert.deepEqual(unknown.body.error, 'enrollment_link_invalid');
  assert.equal(unknown.status, 400);
  assert.equal((await d.post('/enrollments/inspect', { token: ['x'] })).status, 400);
});

test('Bad input is a JSON error with a code and writes nothing: the link still works afterwards', async () => {
  const { link } = await atPushStep();
  const d = await PushDevice.create(t.issuer, clock.now);
  const withPrivate = await d.enroll(link, { publicKey: { ...d.publicJwk, d: 'A'.repeat(43) } });
  assert.deepEqual([withPrivate.status, withPrivate.body.error], [400, 'invalid_request']);
  const rsa = await d.enroll(link, { publicKey: { kty: 'RSA', n: 'x', e: 'AQAB' } });
  assert.equal(rsa.status, 400);
  // The shape of a P-256 key with a point that is not on the curve (here (0, 0)): such a device could
  // never sign, and its wizard would wait for a test approval that cannot come.
  const offCurve = await d.enroll(link, { publicKey: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) } });
  assert.deepEqual([offCurve.status, offCurve.body.error], [400, 'invalid_request']);
  const badSub = await d.enroll(link, { pushSubscription: { endpoint: 'http://insecure.example/push', keys: { p256dh: 'x', auth: 'y' } } });
  assert.deepEqual([badSub.status, badSub.body.error], [400, 'invalid_request']);
  const garbage = await fetch(d.api('/enrollments'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token": ' });
  assert.equal(garbage.status, 400);
  const body = (await garbage.json()) as Record<string, unknown>;
  assert.equal(body.error, 'invalid_request');
  assert.ok(!JSON.stringify(body).includes('at '), 'no stack trace');
  assert.equal((await d.enroll(link)).status, 201, 'nothing was used by the refused requests');
});

test("A link made in one person's wizard cannot activate anything in another person's flow", async () => {
  const a = await atPushStep();
  const b = await atPushStep();
  // B's browser is handed A's link; the device registers with it, so it is A's pending device.
  const device = await PushDevice.create(t.issuer, clock.now);
  assert.equal((await device.enroll(a.link)).status, 201);
  assert.equal(device.enrolled!.account.email, a.email, 'the app says whose account it is');
  const bPage = await b.ua.go(b.ua.lastUrl);
  assert.ok(bPage.body.includes('data-testid="push-link"'), "B's wizard still waits for B's device");
  const confirm = await b.ua.submit('/enroll/confirm');
  assert.equal(confirm.status, 400);
  // Approving A's test request activates A's device only, and B's wizard still confirms nothing.
  const aPage = await a.ua.go(a.ua.lastUrl);
  const c = await device.nextChallenge();
  assert.equal((await device.answer(c.id, 'approve', pageNumber(aPage.body))).status, 200);
  assert.equal((await b.ua.submit('/enroll/confirm')).status, 400);
  assert.deepEqual(await listActiveMethods(t.gh.deps.db, b.user.id), []);
  assert.match((await a.ua.submit('/enroll/confirm')).body, /Save your recovery codes/);
  assert.deepEqual((await listActiveMethods(t.gh.deps.db, a.user.id)).map((m) => m.id), [device.deviceId]);
});

test('A pending device gets only its own test request, and secrets are never returned after enrollment', async () => {
  const { ua } = await atPushStep();
  const link = pageLink(ua.lastBody);
  const device = await PushDevice.create(t.issuer, clock.now);
  await device.enroll(link);
  const self = await device.signedGet('/devices/self');
  assert.equal(self.body.status, 'pending');
  assert.ok(!JSON.stringify(self.body).includes(device.enrolled!.totp.secret));
  assert.deepEqual(await device.challenges(), [], 'no test request before the wizard shows its number');
  const page = await ua.go(ua.lastUrl);
  const number = pageNumber(page.body);
  const [c] = await device.challenges();
  assert.equal(c!.kind, 'enroll');
  // A wrong number in the test request ends it; the wizard shows a new one.
  assert.equal((await device.answer(c!.id, 'approve', number === '10' ? '11' : '10')).status, 400);
  const again = await ua.go(ua.lastUrl);
  assert.match(again.body, /expired/);
  const n2 = pageNumber(again.body);
  const c2 = await device.nextChallenge();
  assert.notEqual(c2.id, c!.id);
  assert.equal((await device.answer(c2.id, 'approve', n2)).status, 200);
  assert.match((await ua.submit('/enroll/confirm')).body, /Save your recovery codes/);
  const row = await t.gh.deps.db.selectFrom('mfa_methods').select(['secret', 'data']).where('id', '=', device.deviceId).executeTakeFirstOrThrow();
  assert.ok(!row.secret!.includes(device.enrolled!.totp.secret), 'the seed is sealed at rest');
  assert.ok(!row.data.includes(device.enrolled!.totp.secret));
});

test('The Authenticator API is outside the browser Origin check (no cookie to ride), the pages are not', async () => {
  const { link } = await atPushStep();
  const d = await PushDevice.create(t.issuer, clock.now);
  const foreign = { origin: 'https://app.example', 'sec-fetch-site': 'cross-site' };
  const inspect = await d.post('/enrollments/inspect', { token: PushDevice.tokenOf(link) }, foreign);
  assert.equal(inspect.status, 200, 'the installed web app or the terminal app may send any Origin');
  const page = await fetch(`${t.issuer}/account/security/add`, { method: 'POST', headers: { ...foreign, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
  assert.equal(page.status, 403);
  const tricked = await fetch(`${t.issuer}/api/authenticator/v1/../../account/security/add`, { method: 'POST', headers: { ...foreign, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
  assert.ok(tricked.status === 403 || tricked.status === 404, `a path trick is not exempt: ${tricked.status}`);
});
