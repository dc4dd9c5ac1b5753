import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep } from '../helpers/mfa.ts';
import { PushDevice } from '../helpers/push-device.ts';
import { PASSWORD, enrollPushAtSignIn } from '../push/support.ts';

// Found by the break-in walk (issue 9, adaptive risk). src/policy/risk/history.ts promises that "an
// attacker's attempts never become a country this person used before", but every completed sign-in
// joins the history — also one that needed the password only (a Bypass app; any app before 2FA is
// required). Someone holding only the password can therefore (1) make their own country "used before",
// turning the risk `deny` (a "This wasn't me" in the last hour + a new country) into a plain `ask`, and
// (2) make the owner's next sign-in from home look like impossible travel, which with the owner's own
// fresh "This wasn't me" denies the OWNER on every Adaptive app.
const clock = new FakeClock();
const cb = { adaptive: 'http://127.0.0.1:9/expense/cb', required: 'http://127.0.0.1:9/payroll/cb', bypass: 'http://127.0.0.1:9/dir/cb' };
let t: TestGatehouse;
const rp = {} as Record<'adaptive' | 'required' | 'bypass', client.Configuration>;

/** A browser behind the (trusted) proxy at its own address. */
class Browser extends UserAgent {
  constructor(readonly address: string) {
    super();
  }
  override fetch(url: string, init: Parameters<UserAgent['fetch']>[1] = {}) {
    return super.fetch(url, { ...init, headers: { 'x-forwarded-for': this.address, ...init.headers } });
  }
}

before(async () => {
  t = await startTestGatehouse({ GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1,::1' }, { clock });
  for (const p of ['adaptive', 'required', 'bypass'] as const) {
    const a = await t.createApp({ name: p, redirectUris: [cb[p]], policy: p });
    rp[p] = await relyingParty(t.issuer, a.clientId, a.clientSecret);
  }
});
after(() => t.close());

const GB = '81.2.69.142';
const JP = '202.12.27.33';

async function lastDecision(userId: string) {
  const r = await t.gh.deps.db.selectFrom('audit_events').select(['event', 'details']).where('user_id', '=', userId).where('event', 'in', ['policy.decision', 'login.succeeded']).orderBy('at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  return { event: r.event, ...(JSON.parse(String(r.details)) as { step?: string; reasons: string[] }) };
}

test("a password-only sign-in does not join the risk history: it neither lifts the attacker's deny nor gets the owner denied", async () => {
  const email = 'traveller@example.com';
  const { id } = await t.createUser(email, PASSWORD);
  const device = await PushDevice.create(t.issuer, () => clock.now());
  await enrollPushAtSignIn(new Browser(GB), rp.required, cb.required, email, device);

  // The attacker (Japan, password only) signs in to an Adaptive app: the owner gets a push and says "This wasn't me".
  clock.advance(60 * 60_000);
  const attacker = new Browser(JP);
  await passwordStep(attacker, rp.adaptive, cb.adaptive, email, PASSWORD);
  const c = await device.nextChallenge();
  assert.equal((await device.answer(c.id, 'fraud')).status, 200);

  // From now on, for an hour, the attacker's new country is denied outright.
  clock.advance(60_000);
  await passwordStep(new Browser(JP), rp.adaptive, cb.adaptive, email, PASSWORD);
  assert.equal((await lastDecision(id)).step, 'deny', 'recent fraud report + new country: deny');

  // The attacker signs in with the password alone to a Bypass app, from Japan: it finishes (Bypass never asks)…
  clock.advance(60_000);
  const bypass = await passwordStep(new Browser(JP), rp.bypass, cb.bypass, email, PASSWORD);
  assert.ok(bypass.returned);
  const countries = (await t.gh.deps.db.selectFrom('sign_in_history' as never).select('country' as never).where('user_id' as never, '=', id as never).execute()) as Array<{ country: string | null }>;

  // …but a sign-in that proved no second factor must not teach the risk checks a country or a last position.
  clock.advance(60_000);
  await passwordStep(new Browser(JP), rp.adaptive, cb.adaptive, email, PASSWORD);
  const attackerAgain = await lastDecision(id);
  clock.advance(60_000);
  await passwordStep(new Browser(GB), rp.adaptive, cb.adaptive, email, PASSWORD);
  const ownerAtHome = await lastDecision(id);

  assert.deepEqual(countries.map((r) => r.country), ['GB'], `password-only sign-in joined the history: ${JSON.stringify(countries)}`);
  assert.equal(attackerAgain.step, 'deny', `the attacker lifted the deny: ${JSON.stringify(attackerAgain)}`);
  assert.notEqual(ownerAtHome.step, 'deny', `the owner at home is denied: ${JSON.stringify(ownerAtHome)}`);
});
