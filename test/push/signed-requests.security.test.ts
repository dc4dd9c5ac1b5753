import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { FakeClock } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { removeMethod } from '../../src/methods/records.ts';
import { purgeExpired } from '../../src/store/purge.ts';
import { gatehouseWithPayroll, type PayrollWorld } from './support.ts';

// docs/authenticator-api.md, "Signed requests": a clock that is off is told apart from an unknown
// device — but only to the holder of an enrolled device's key — and a signed request works once.
const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';
let personWithDevice: PayrollWorld['personWithDevice'];
const person = () => personWithDevice('s');

before(async () => {
  ({ t, payroll, personWithDevice } = await gatehouseWithPayroll(clock, cb));
});
after(async () => {
  await t.close();
});


const events = async (userId: string, event: string) => (await t.gh.deps.db.selectFrom('audit_events').select(['event', 'details']).where('user_id', '=', userId).where('event', '=', event).execute()).map((e) => JSON.parse(e.details ?? '{}') as Record<string, unknown>);
const jtiRows = async (deviceId: string) => (await t.gh.deps.db.selectFrom('counters').select('key').where('key', 'like', `push-jti:${deviceId}:%`).execute()).length;

test('A device whose clock is off gets clock_skew with the server time, once its own signature verified; strangers still get device_unknown', async () => {
  const { user, device } = await person();
  device.clockOffsetMs = 5 * 60_000;
  for (const path of ['/devices/self', '/challenges']) {
    const r = await device.signedGet(path);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'clock_skew', `${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.serverTime, clock.now());
    assert.match(String(r.body.error_description), /clock/);
  }
  device.clockOffsetMs = -90_000;
  assert.equal((await device.signedGet('/devices/self')).body.error, 'clock_skew', 'slow clocks too');
  const audited = await events(user.id, 'push.device.clock_skew');
  assert.equal(audited.length, 3);
  assert.deepEqual({ ...audited[0], skewMs: undefined }, { methodId: device.deviceId, skewMs: undefined });

  // Nothing new for anyone else: an unknown id, another key under this id, with or without a good clock.
  const stranger = await PushDevice.create(t.issuer, clock.now);
  stranger.deviceId = 'never-existed';
  const forger = await PushDevice.create(t.issuer, clock.now);
  forger.deviceId = device.deviceId;
  const baseline = await stranger.signedGet('/devices/self');
  assert.equal(baseline.body.error, 'device_unknown');
  for (const who of [stranger, forger]) {
    for (const offset of [0, 5 * 60_000]) {
      who.clockOffsetMs = offset;
      assert.deepEqual(await who.signedGet('/devices/self'), baseline, `${who === forger ? 'forged' : 'unknown'} kid, clock off by ${offset} ms`);
    }
  }
  // A header that is wrong in any other way stays device_unknown even when its clock is off too.
  const url = device.api('/challenges');
  const other = await fetch(url, { headers: { authorization: await device.authorization('GET', device.api('/devices/self')) } });
  assert.deepEqual({ status: other.status, body: await other.json() }, baseline, 'signed for another URL, clock off');

  device.clockOffsetMs = 30_000;
  assert.equal((await device.signedGet('/devices/self')).status, 200, 'within the minute');
  // A removed device is unknown, whatever its clock.
  device.clockOffsetMs = 5 * 60_000;
  assert.ok(await removeMethod(t.gh.deps.db, user.id, device.deviceId));
  assert.deepEqual(await device.signedGet('/devices/self'), baseline);
});

test('A signed request works once: the same header again is request_replayed (audited), at once or in parallel; a fresh one works', async () => {
  const { user, device } = await person();
  const url = device.api('/devices/self');
  const header = await device.authorization('GET', url);
  assert.equal((await device.signed('GET', '/devices/self', header)).status, 200);
  const again = await device.signed('GET', '/devices/self', header);
  assert.deepEqual([again.status, again.body.error], [401, 'request_replayed']);
  assert.equal((await events(user.id, 'push.device.request_replayed')).length, 1);
  assert.equal((await device.signedGet('/devices/self')).status, 200, 'a new jti is a new request');

  // Ten at once with one header: exactly one is served.
  const burst = await device.authorization('GET', device.api('/challenges'));
  const results = await Promise.all(Array.from({ length: 10 }, () => device.signed('GET', '/challenges', burst)));
  assert.equal(results.filter((r) => r.status === 200).length, 1);
  assert.ok(results.filter((r) => r.status !== 200).every((r) => r.status === 401 && r.body.error === 'request_replayed'));

  // A request without a jti, or with one too short to be random, is not a device's request at all.
  for (const jti of [undefined, 'x', 42]) {
    const jws = await device.sign('gh-device+jwt', { htm: 'GET', htu: url, iat: Math.floor(clock.now() / 1000), ...(jti === undefined ? {} : { jti }) });
    assert.equal((await device.signed('GET', '/devices/self', `Device ${jws}`)).body.error, 'device_unknown', `jti ${String(jti)}`);
  }
});

test('A used jti is kept while its iat is accepted, then the store purge drops it; the old header is refused by its age', async () => {
  const { device } = await person();
  const header = await device.authorization('GET', device.api('/devices/self'));
  assert.equal((await device.signed('GET', '/devices/self', header)).status, 200);
  assert.ok((await jtiRows(device.deviceId)) >= 1);
  clock.advance(59_000);
  assert.equal((await device.signed('GET', '/devices/self', header)).body.error, 'request_replayed', 'still inside the minute');
  clock.advance(2_000);
  await purgeExpired(t.gh.deps.db, clock);
  assert.equal(await jtiRows(device.deviceId), 0, 'purged once no iat could be accepted');
  assert.equal((await device.signed('GET', '/devices/self', header)).body.error, 'clock_skew', 'the old header is too old, not new again');
});
