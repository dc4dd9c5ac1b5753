import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { FakeClock } from '../helpers/mfa.ts';
import { audit } from '../../src/store/audit.ts';
import { checkPassword } from '../../src/flows/password-login.ts';
import { recordKnownDevice } from '../../src/store/known-devices.ts';
import { purgeExpired } from '../../src/store/purge.ts';
import { loadIpCountries } from '../../src/policy/risk/geo/ip-country.ts';
import { HISTORY_KEEP, recordSignIn } from '../../src/policy/risk/history.ts';
import { assessRisk, decide, ASK_FROM, PHISHING_RESISTANT_FROM } from '../../src/policy/risk/assess.ts';
import { reasonText } from '../../src/policy/risk/reason-text.ts';
import { riskDb } from '../../src/policy/risk/tables.ts';
import type { RiskCheck, RiskContext, RiskReason, RiskSignal } from '../../src/policy/risk/types.ts';

// Same public addresses as risk-checks.test.ts (countries checked in the package data).
const US = '8.8.8.8';
const JP = '133.242.0.3';
const NL = '193.0.6.139';
const HOUR = 3600_000;
const MINUTE = 60_000;
const OFFICE = ['8.8.8.0/24'];

const clock = new FakeClock(Date.UTC(2026, 10, 30, 12, 0, 0));
const t = await startTestGatehouse({}, { clock });
after(() => t.close());
before(() => loadIpCountries());

let n = 0;
const person = async () => (await t.createUser(`assess-${++n}@example.com`, 'correct horse battery staple')).id;
const ctx = (userId: string, o: Partial<RiskContext> = {}): RiskContext => ({ deps: t.gh.deps, userId, ip: US, deviceKnown: false, trustedNetworks: [], now: clock.now(), ...o });
const reasons = (signals: RiskSignal[]) => signals.map((s) => s.reason).sort();
/** A person who signed in from the US on this browser yesterday. */
async function regular() {
  const id = await person();
  await recordSignIn(t.gh.deps, { userId: id, ip: US, deviceKnown: true, now: clock.now() - 24 * HOUR });
  return id;
}

test('thresholds: below 30 skip, from 30 ask, from 80 phishing-resistant', () => {
  assert.equal(ASK_FROM, 30);
  assert.equal(PHISHING_RESISTANT_FROM, 80);
  assert.equal(decide(-40, []), 'skip');
  assert.equal(decide(29, []), 'skip');
  assert.equal(decide(30, []), 'ask');
  assert.equal(decide(79, []), 'ask');
  assert.equal(decide(80, []), 'ask_phishing_resistant');
  assert.equal(decide(500, []), 'ask_phishing_resistant');
});

test('a known device from a usual address skips; a new device asks, because it is new', async () => {
  const id = await regular();
  const known = await assessRisk(ctx(id, { deviceKnown: true }));
  assert.deepEqual(known, { decision: 'skip', score: -10, signals: [{ check: 'device', reason: 'known_device', weight: -10 }] });
  const fresh = await assessRisk(ctx(id, { deviceKnown: false }));
  assert.equal(fresh.decision, 'ask');
  assert.deepEqual(reasons(fresh.signals), ['new_device']);
  assert.equal(reasonText(fresh.signals[0]!.reason), "We're asking because this is a new device.");
});

test('trusted networks lower the risk: a new device inside the office skips, outside it asks', async () => {
  const id = await regular();
  const inside = await assessRisk(ctx(id, { ip: US, trustedNetworks: OFFICE }));
  assert.equal(inside.decision, 'skip');
  assert.equal(inside.score, 0);
  assert.deepEqual(reasons(inside.signals), ['new_device', 'trusted_network']);
  const outside = await assessRisk(ctx(id, { ip: '8.8.4.4', trustedNetworks: OFFICE }));
  assert.equal(outside.decision, 'ask');
});

test('a new country asks even on a known device, and the trusted network cannot hide impossible travel', async () => {
  const id = await regular();
  const abroad = await assessRisk(ctx(id, { ip: JP, deviceKnown: true }));
  assert.equal(abroad.decision, 'ask');
  assert.deepEqual(reasons(abroad.signals), ['known_device', 'new_country'], 'a day after the US sign-in, Japan is reachable');
  assert.equal(abroad.score, 30);

  const traveller = await person();
  await recordSignIn(t.gh.deps, { userId: traveller, ip: JP, deviceKnown: true, now: clock.now() - HOUR });
  const office = await assessRisk(ctx(traveller, { ip: US, deviceKnown: true, trustedNetworks: OFFICE }));
  assert.deepEqual(reasons(office.signals), ['impossible_travel', 'known_device', 'new_country', 'trusted_network']);
  assert.equal(office.score, 70);
  assert.equal(office.decision, 'ask');
});

test('impossible travel: two sign-ins an hour apart in distant countries ask a new device for a phishing-resistant method', async () => {
  const id = await person();
  await recordSignIn(t.gh.deps, { userId: id, ip: JP, deviceKnown: true, now: clock.now() - HOUR });
  const r = await assessRisk(ctx(id, { ip: NL, deviceKnown: false }));
  assert.deepEqual(reasons(r.signals), ['impossible_travel', 'new_country', 'new_device']);
  assert.equal(r.score, 140);
  assert.equal(r.decision, 'ask_phishing_resistant');
  // The same trip on the person's own browser still asks.
  assert.equal((await assessRisk(ctx(id, { ip: NL, deviceKnown: true }))).decision, 'ask_phishing_resistant');
});

test('deny only for the worst case: "This wasn\'t me" within the hour plus a new country', async () => {
  const id = await regular();
  await audit(t.gh.deps.db, { now: () => clock.now() - 20 * MINUTE }, { event: 'push.fraud_reported', userId: id });
  const worst = await assessRisk(ctx(id, { ip: JP }));
  assert.equal(worst.decision, 'deny');
  assert.deepEqual(reasons(worst.signals), ['new_country', 'new_device', 'push_fraud_reported']);
  // From the usual country the owner can still prove themselves.
  const home = await assessRisk(ctx(id, { ip: US }));
  assert.equal(home.decision, 'ask_phishing_resistant');
  assert.equal(home.score, 100);
  // Two hours after the report, a new country asks rather than denies.
  const later = await assessRisk(ctx(id, { ip: JP, now: clock.now() + 2 * HOUR }));
  assert.equal(later.decision, 'ask_phishing_resistant');
});

test('an unparsable address fails closed: at least ask, with the reason, even on a known device inside the office', async () => {
  const id = await regular();
  for (const ip of [undefined, '', 'unknown', '8.8.8.8, 10.0.0.1', '999.1.1.1']) {
    const r = await assessRisk(ctx(id, { ip, deviceKnown: true, trustedNetworks: OFFICE }));
    assert.equal(r.decision, 'ask', String(ip));
    assert.ok(r.signals.some((s) => s.reason === 'unknown_address'), String(ip));
    assert.ok(!r.signals.some((s) => s.reason === 'trusted_network'), String(ip));
  }
  // The floor holds with no checks at all, and never lowers a higher decision.
  assert.equal((await assessRisk(ctx(id, { ip: undefined }), [])).decision, 'ask');
  const high: RiskCheck = async () => ({ check: 'test', reason: 'impossible_travel', weight: 200 });
  assert.equal((await assessRisk(ctx(id, { ip: undefined }), [high])).decision, 'ask_phishing_resistant');
});

test('checks are replaceable and run together: the assessment lists every signal in check order', async () => {
  const id = await person();
  const order: string[] = [];
  const slow: RiskCheck = async () => {
    await new Promise((r) => setTimeout(r, 20));
    order.push('slow');
    return { check: 'slow', reason: 'recent_failures', weight: 10 };
  };
  const fast: RiskCheck = async () => {
    order.push('fast');
    return { check: 'fast', reason: 'push_denied', weight: 25 };
  };
  const r = await assessRisk(ctx(id), [slow, fast]);
  assert.deepEqual(order, ['fast', 'slow'], 'started together');
  assert.deepEqual(r.signals.map((s) => s.check), ['slow', 'fast']);
  assert.equal(r.score, 35);
  assert.equal(r.decision, 'ask');
});

test('history keeps the last 20 sign-ins per person with their country, and the purge forgets those older than a year', async () => {
  const id = await person();
  const other = await person();
  const db = riskDb(t.gh.deps.db);
  const start = clock.now() - 400 * 24 * HOUR;
  for (let i = 0; i < HISTORY_KEEP + 5; i++) await recordSignIn(t.gh.deps, { userId: id, ip: i % 2 ? JP : US, deviceKnown: i % 3 === 0, now: start + i * HOUR });
  await recordSignIn(t.gh.deps, { userId: other, ip: undefined, deviceKnown: false, now: clock.now() });
  const rows = await db.selectFrom('sign_in_history').selectAll().where('user_id', '=', id).orderBy('at').execute();
  assert.equal(rows.length, HISTORY_KEEP);
  assert.equal(Number(rows[0]!.at), start + 5 * HOUR, 'the oldest five are gone');
  assert.deepEqual([rows[0]!.country, rows[1]!.country], ['JP', 'US']);
  const mine = await db.selectFrom('sign_in_history').select(['ip', 'country']).where('user_id', '=', other).execute();
  assert.deepEqual(mine, [{ ip: null, country: null }]);

  await purgeExpired(t.gh.deps.db, clock);
  assert.equal((await db.selectFrom('sign_in_history').select('id').where('user_id', '=', id).execute()).length, 0, '400 days old');
  assert.equal((await db.selectFrom('sign_in_history').select('id').where('user_id', '=', other).execute()).length, 1);
});

test('every reason has a plain-words sentence', () => {
  const all: RiskReason[] = ['new_device', 'known_device', 'trusted_network', 'new_country', 'impossible_travel', 'recent_failures', 'push_fraud_reported', 'push_denied', 'common_password', 'unknown_address'];
  for (const r of all) assert.match(reasonText(r), /^[A-Z"].{15,}\.$/, r);
  assert.equal(reasonText('new_country'), "We're asking because you're signing in from a country you haven't used before.");
  assert.equal(new Set(all.map((r) => reasonText(r))).size, all.length);
});

test('a decision with every check reads the store in one statement, the browser included', async () => {
  const id = await regular();
  await audit(t.gh.deps.db, clock, { event: 'mfa.failed', userId: id });
  await recordKnownDevice(t.gh.deps.db, clock, id, 'browser-of-the-owner');
  let statements = 0;
  const db = t.gh.deps.db.withPlugin({
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      statements++;
      return args.result;
    },
  });
  const withBrowser = (nonce: string | undefined) => assessRisk({ ...ctx(id, { ip: JP, deviceKnown: { nonce, validAfter: 0 } }), deps: { ...t.gh.deps, db } });
  assert.deepEqual(reasons((await withBrowser('browser-of-the-owner')).signals), ['known_device', 'new_country']);
  assert.equal(statements, 1);
  // Another browser, or none: new, from the same statement.
  assert.deepEqual(reasons((await withBrowser('another-browser')).signals), ['new_country', 'new_device']);
  assert.deepEqual(reasons((await withBrowser(undefined)).signals), ['new_country', 'new_device']);
  assert.equal(statements, 3);
  // A browser recorded before the person's browsers were forgotten is new again.
  const forgotten = await assessRisk({ ...ctx(id, { ip: JP, deviceKnown: { nonce: 'browser-of-the-owner', validAfter: clock.now() + 1 } }) });
  assert.deepEqual(reasons(forgotten.signals), ['new_country', 'new_device']);
});

test("a stranger's wrong passwords for the owner's email only make an Adaptive app ask the owner for their second factor: three change nothing on a known browser, ten ask, an hour later it is over", async () => {
  const email = `assess-stranger-${++n}@example.com`;
  const { id } = await t.createUser(email, 'correct horse battery staple');
  await recordSignIn(t.gh.deps, { userId: id, ip: US, deviceKnown: true, now: clock.now() - 24 * HOUR });
  // The stranger has only the email, from addresses of their own; each attempt is refused and audited with the account's id.
  const guess = async (i: number) => assert.equal((await checkPassword(t.gh.deps, email, `not the password ${i}`, { ip: `203.0.113.${i}` })).ok, false);
  for (let i = 1; i <= 3; i++) await guess(i);
  const owner = () => assessRisk(ctx(id, { deviceKnown: true }));
  const few = await owner();
  assert.equal(few.decision, 'skip');
  assert.deepEqual(reasons(few.signals), ['known_device', 'recent_failures']);
  for (let i = 4; i <= 10; i++) await guess(i);
  const many = await owner();
  assert.equal(many.decision, 'ask', 'asked, never denied or locked out');
  assert.deepEqual(reasons(many.signals), ['known_device', 'recent_failures']);
  assert.equal(many.signals.find((s) => s.reason === 'recent_failures')?.detail?.failures, 10);
  clock.advance(HOUR + MINUTE);
  assert.equal((await owner()).decision, 'skip');
});
