import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { startPushService } from '../helpers/push-service.ts';
import { atApp, enrollPushAtSignIn, openPushStep, PASSWORD, pushPage, signInWithPush } from './support.ts';

const clock = new FakeClock();
let t: TestGatehouse;
let service: Awaited<ReturnType<typeof startPushService>>;
let payroll: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';

before(async () => {
  service = await startPushService();
  t = await startTestGatehouse({}, { clock, pushAgent: service.agent });
  const app = await t.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  payroll = await relyingParty(t.issuer, app.clientId, app.clientSecret);
});
after(async () => {
  await t.close();
  await service.close();
});

test('A new request reaches the device by Web Push: aes128gcm payload with ids only, VAPID JWT by the server key', async () => {
  const email = 'wp@example.com';
  await t.createUser(email, 'correct horse battery staple');
  const sub = service.subscribe();
  const device = await PushDevice.create(t.issuer, clock.now);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device, { pushSubscription: sub });
  const test = await service.waitFor((p) => p.id === sub.id);
  assert.equal((test.payload as { app: string }).app, 'Payroll', 'the enrollment test request was pushed too');

  const ua = new UserAgent();
  const { number } = await pushPage(ua, payroll, cb, email);
  const [c] = await device.challenges();
  const push = await service.waitFor((p) => p.id === sub.id && (p.payload as { id: string }).id === c!.id);
  assert.deepEqual(push.payload, { type: 'challenge', id: c!.id, app: 'Payroll', expiresAt: c!.expiresAt });
  assert.ok(!JSON.stringify(push.payload).includes(number) || c!.id.includes(number) || String(c!.expiresAt).includes(number), 'no number in the push');
  assert.equal(push.vapidKey, device.enrolled!.vapidPublicKey, 'signed with the key the app subscribed with');
  assert.equal(push.jwt.aud, new URL(sub.endpoint).origin);
  assert.match(String(push.jwt.sub), /^mailto:/);
  assert.equal(push.ttl, '60');
  assert.equal((await device.answer(c!.id, 'approve', number)).status, 200);
  assert.ok(atApp(cb)((await ua.submit('/mfa', { method: 'push' }, atApp(cb))).url));

  // The VAPID key survives a restart of the sender: it is stored (sealed), not made per process.
  const stored = await t.gh.deps.db.selectFrom('vapid_keys').selectAll().executeTakeFirstOrThrow();
  assert.equal(stored.public_key, device.enrolled!.vapidPublicKey);
  assert.ok(!stored.private_key.includes('"d"') && stored.private_key.length > 40);
});

test('A push service that fails never breaks a sign-in; one that says 410 Gone drops the subscription', async () => {
  const email = 'gone@example.com';
  await t.createUser(email, 'correct horse battery staple');
  const sub = service.subscribe();
  const device = await PushDevice.create(t.issuer, clock.now);
  await enrollPushAtSignIn(new UserAgent(), payroll, cb, email, device, { pushSubscription: sub });
  service.answerWith(sub.id, 500);
  await signInWithPush(new UserAgent(), payroll, cb, email, device);
  const row = async () => t.gh.deps.db.selectFrom('mfa_methods').select(['data']).where('id', '=', device.deviceId).executeTakeFirstOrThrow();
  assert.equal(JSON.parse((await row()).data).subscribed, true, 'a 500 keeps the subscription');

  service.answerWith(sub.id, 410);
  await signInWithPush(new UserAgent(), payroll, cb, email, device);
  for (let i = 0; i < 50 && JSON.parse((await row()).data).subscribed; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(JSON.parse((await row()).data).subscribed, false, '410 Gone drops it');
  // And the device still gets its requests through the API.
  await signInWithPush(new UserAgent(), payroll, cb, email, device);
});

test('An app enrolling its first account learns the VAPID key at inspect, before it registers, and subscribes with it', async () => {
  const email = 'first@example.com';
  await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  await passwordStep(ua, payroll, cb, email, PASSWORD);
  const link = await openPushStep(ua);
  const device = await PushDevice.create(t.issuer, clock.now);
  // No other account on the app, so nowhere else to learn the key from: inspect gives it (it is public).
  const inspect = await device.inspect(link);
  assert.equal(inspect.status, 200, JSON.stringify(inspect.body));
  const stored = await t.gh.deps.db.selectFrom('vapid_keys').select('public_key').executeTakeFirstOrThrow();
  assert.equal(inspect.body.vapidPublicKey, stored.public_key);
  const sub = service.subscribe();
  assert.equal((await device.enroll(link, { pushSubscription: sub })).status, 201);
  assert.equal(device.enrolled!.vapidPublicKey, inspect.body.vapidPublicKey, 'the same key after registering');
  // The wizard's test request is pushed, signed with the key the app subscribed with.
  await ua.go(ua.lastUrl);
  const push = await service.waitFor((p) => p.id === sub.id);
  assert.equal(push.vapidKey, inspect.body.vapidPublicKey);
});
