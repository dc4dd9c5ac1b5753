import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { FakeClock } from '../helpers/mfa.ts';
import { audit } from '../../src/store/audit.ts';
import { checkPassword } from '../../src/flows/password-login.ts';
import { loadIpCountries, countryOf } from '../../src/policy/risk/geo/ip-country.ts';
import { recordSignIn } from '../../src/policy/risk/history.ts';
import { notePasswordCommon } from '../../src/policy/risk/password-common.ts';
import {
  commonPasswordCheck, deviceCheck, impossibleTravelCheck, newCountryCheck, pushDeniedCheck, pushFraudCheck, recentFailuresCheck, trustedNetworkCheck,
} from '../../src/policy/risk/checks/index.ts';
import type { RiskCheck, RiskContext } from '../../src/policy/risk/types.ts';
import { personFacts } from '../../src/policy/risk/facts.ts';

// Each check alone, against the real store (SQLite, or PostgreSQL with DATABASE_URL) and the real
// GeoIP data. Addresses are public ones whose country is stable in the package data (checked in
// the CSV files): 8.8.8.8 / 8.8.4.4 US (Google), 133.242.0.3 JP (Sakura Internet), 193.0.6.139 and
// 2001:67c:2e8:22::c100:68b NL (RIPE NCC), 37.88.168.15 DE.
const US = '8.8.8.8';
const US2 = '8.8.4.4';
const JP = '133.242.0.3';
const NL = '193.0.6.139';
const NL6 = '2001:67c:2e8:22::c100:68b';
const DE = '37.88.168.15';
const HOUR = 3600_000;
const MINUTE = 60_000;

const clock = new FakeClock(Date.UTC(2026, 10, 30, 12, 0, 0));
const t = await startTestGatehouse({}, { clock });
after(() => t.close());
before(() => loadIpCountries());

let n = 0;
async function person(password = 'correct horse battery staple') {
  return (await t.createUser(`risk-${++n}@example.com`, password)).id;
}
function ctx(userId: string, o: Partial<RiskContext> = {}): RiskContext {
  return { deps: t.gh.deps, userId, ip: US, deviceKnown: false, trustedNetworks: [], now: clock.now(), ...o };
}
/** One check, as the assessment runs it: on the person's facts, read from the store for `c`. */
async function run(check: RiskCheck, c: RiskContext) {
  return check(c, await personFacts(c));
}

test('the GeoIP lookup answers IPv4, IPv6 and IPv4-mapped addresses from memory, and no country for private or documentation addresses', () => {
  assert.equal(countryOf(US), 'US');
  assert.equal(countryOf(JP), 'JP');
  assert.equal(countryOf(NL), 'NL');
  assert.equal(countryOf(NL6), 'NL');
  assert.equal(countryOf(DE), 'DE');
  assert.equal(countryOf('::ffff:8.8.8.8'), 'US');
  for (const ip of ['10.1.2.3', '192.168.1.1', '127.0.0.1', '192.0.2.10', '::1', '2001:db8::1', 'fd00::1', 'not an address', '', undefined]) {
    assert.equal(countryOf(ip), undefined, String(ip));
  }
});

test('device: a browser with this person\'s device cookie lowers the risk, any other raises it', async () => {
  const id = await person();
  assert.deepEqual(await run(deviceCheck, ctx(id, { deviceKnown: true })), { check: 'device', reason: 'known_device', weight: -10 });
  assert.deepEqual(await run(deviceCheck, ctx(id, { deviceKnown: false })), { check: 'device', reason: 'new_device', weight: 30 });
});

test('trusted network: inside the company\'s CIDR list lowers the risk; outside, without a list, or an unparsable address says nothing', async () => {
  const id = await person();
  const nets = ['8.8.8.0/24', '2001:67c:2e8::/48'];
  assert.deepEqual(await run(trustedNetworkCheck, ctx(id, { ip: US, trustedNetworks: nets })), { check: 'trusted_network', reason: 'trusted_network', weight: -30 });
  assert.equal((await run(trustedNetworkCheck, ctx(id, { ip: NL6, trustedNetworks: nets })))?.reason, 'trusted_network');
  assert.equal((await run(trustedNetworkCheck, ctx(id, { ip: '::ffff:8.8.8.8', trustedNetworks: nets })))?.reason, 'trusted_network');
  assert.equal(await run(trustedNetworkCheck, ctx(id, { ip: US2, trustedNetworks: nets })), null);
  assert.equal(await run(trustedNetworkCheck, ctx(id, { ip: US, trustedNetworks: [] })), null);
  assert.equal(await run(trustedNetworkCheck, ctx(id, { ip: undefined, trustedNetworks: nets })), null);
  assert.equal(await run(trustedNetworkCheck, ctx(id, { ip: '8.8.8.8, 1.2.3.4', trustedNetworks: nets })), null);
});

test('new country: a country none of the person\'s sign-ins came from; silent on a first sign-in and for addresses of no country', async () => {
  const id = await person();
  assert.equal(await run(newCountryCheck, ctx(id, { ip: JP })), null, 'no history yet: nothing to compare with');
  await recordSignIn(t.gh.deps, { userId: id, ip: US, deviceKnown: true, now: clock.now() - 48 * HOUR });
  await recordSignIn(t.gh.deps, { userId: id, ip: NL6, deviceKnown: true, now: clock.now() - 24 * HOUR });
  assert.equal(await run(newCountryCheck, ctx(id, { ip: US2 })), null, 'US was used before');
  assert.equal(await run(newCountryCheck, ctx(id, { ip: NL })), null, 'NL was used before (over IPv6)');
  assert.deepEqual(await run(newCountryCheck, ctx(id, { ip: JP })), { check: 'new_country', reason: 'new_country', weight: 40, detail: { country: 'JP' } });
  assert.equal(await run(newCountryCheck, ctx(id, { ip: '10.0.0.1' })), null);
  // Another person's sign-ins are not this person's.
  const other = await person();
  await recordSignIn(t.gh.deps, { userId: other, ip: JP, deviceKnown: true, now: clock.now() - HOUR });
  assert.equal((await run(newCountryCheck, ctx(id, { ip: JP })))?.reason, 'new_country');
});

test('impossible travel: Japan, then the Netherlands an hour later, is faster than any airliner; a day later it is not', async () => {
  const id = await person();
  await recordSignIn(t.gh.deps, { userId: id, ip: JP, deviceKnown: true, now: clock.now() - HOUR });
  const s = await run(impossibleTravelCheck, ctx(id, { ip: NL }));
  assert.equal(s?.reason, 'impossible_travel');
  assert.equal(s?.weight, 70);
  assert.equal(s?.detail?.from, 'JP');
  assert.equal(s?.detail?.to, 'NL');
  assert.equal(s?.detail?.minutes, 60);
  assert.ok(Number(s?.detail?.kmh) > 1000 && Number(s?.detail?.km) > 5000, JSON.stringify(s?.detail));

  const later = await person();
  await recordSignIn(t.gh.deps, { userId: later, ip: JP, deviceKnown: true, now: clock.now() - 24 * HOUR });
  assert.equal(await run(impossibleTravelCheck, ctx(later, { ip: NL })), null, '~7,600 km in 24 h is a flight');
});

test('impossible travel compares with the last sign-in only, and never flags neighbours or the same country', async () => {
  const id = await person();
  await recordSignIn(t.gh.deps, { userId: id, ip: JP, deviceKnown: true, now: clock.now() - 30 * HOUR });
  await recordSignIn(t.gh.deps, { userId: id, ip: DE, deviceKnown: true, now: clock.now() - 5 * MINUTE });
  assert.equal(await run(impossibleTravelCheck, ctx(id, { ip: NL })), null, 'Germany to the Netherlands in 5 minutes: neighbours, country points are too coarse to tell');
  assert.equal(await run(impossibleTravelCheck, ctx(id, { ip: DE })), null);
  assert.equal((await run(impossibleTravelCheck, ctx(id, { ip: US })))?.detail?.from, 'DE', 'the latest sign-in, not the older Japanese one');
  assert.equal(await run(impossibleTravelCheck, ctx(id, { ip: '192.168.0.7' })), null);
  // A sign-in recorded after `now` (the simulator replaying a past instant) is not "the last one".
  const replay = await person();
  await recordSignIn(t.gh.deps, { userId: replay, ip: JP, deviceKnown: true, now: clock.now() + 10 * MINUTE });
  assert.equal(await run(impossibleTravelCheck, ctx(replay, { ip: NL })), null);
});

test('recent failures: three or more wrong passwords or codes in the last hour count, ten or more count double', async () => {
  const id = await person();
  const fail = (event: string, ago: number) => audit(t.gh.deps.db, { now: () => clock.now() - ago }, { event, userId: id, ip: JP });
  await fail('login.password.failed', 2 * HOUR); // older than an hour
  await fail('login.password.failed', 30 * MINUTE);
  await fail('mfa.failed', 10 * MINUTE);
  await fail('login.password.succeeded', 5 * MINUTE); // not a failure
  assert.equal(await run(recentFailuresCheck, ctx(id)), null, 'two in the last hour');
  await fail('mfa.failed', MINUTE);
  assert.deepEqual(await run(recentFailuresCheck, ctx(id)), { check: 'recent_failures', reason: 'recent_failures', weight: 20, detail: { failures: 3 } });
  for (let i = 0; i < 7; i++) await fail('login.password.failed', MINUTE);
  assert.deepEqual(await run(recentFailuresCheck, ctx(id)), { check: 'recent_failures', reason: 'recent_failures', weight: 40, detail: { failures: 10 } });
  // Another person's failures are not this person's.
  assert.equal(await run(recentFailuresCheck, ctx(await person())), null);
});

test('pushes: a denied push or a "This wasn\'t me" report in the last 24 hours each speak; older ones do not', async () => {
  const id = await person();
  const event = (name: string, ago: number) => audit(t.gh.deps.db, { now: () => clock.now() - ago }, { event: name, userId: id });
  await event('push.denied', 25 * HOUR);
  await event('push.fraud_reported', 25 * HOUR);
  assert.equal(await run(pushDeniedCheck, ctx(id)), null);
  assert.equal(await run(pushFraudCheck, ctx(id)), null);
  await event('push.denied', 3 * HOUR);
  await event('push.denied', 2 * HOUR);
  assert.deepEqual(await run(pushDeniedCheck, ctx(id)), { check: 'push_denied', reason: 'push_denied', weight: 20, detail: { count: 2, minutesAgo: 120 } });
  assert.equal(await run(pushFraudCheck, ctx(id)), null);
  await event('push.fraud_reported', 20 * MINUTE);
  assert.deepEqual(await run(pushFraudCheck, ctx(id)), { check: 'push_fraud', reason: 'push_fraud_reported', weight: 70, detail: { count: 1, minutesAgo: 20 } });
});

test('common password: flagged when a common password is proven at sign-in, cleared when a new password is set', async () => {
  const email = `risk-common-${++n}@example.com`;
  const { id } = await t.createUser(email, 'password1'); // an old password, from before the list refused it
  assert.equal(await run(commonPasswordCheck, ctx(id)), null, 'not known until seen in clear');
  const r = await checkPassword(t.gh.deps, email, 'password1', { ip: US });
  assert.equal(r.ok, true);
  assert.deepEqual(await run(commonPasswordCheck, ctx(id)), { check: 'common_password', reason: 'common_password', weight: 20 });
  await notePasswordCommon(t.gh.deps.db, { id, password_common: 1 } as { id: string }, 'correct horse battery staple', { always: true });
  assert.equal(await run(commonPasswordCheck, ctx(id)), null);
  assert.equal(await run(commonPasswordCheck, ctx(await person())), null);
});
