import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, passwordStep, submitCode } from '../helpers/mfa.ts';

// SECURITY.md "Second factors": lockout must not become a way to lock a victim out — the recovery
// path stays open, throttled. Found by the attacker's walk: with the password, a script that answers
// a wrong recovery code the moment each wait ends took every slot of the person's one recovery
// budget, and the owner's unused code was refused for as long as it polled. Recovery attempts now
// count per person and client address (decision 0007): the attacker's polling slows the attacker.
const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
const cb = 'http://127.0.0.1:9/payroll/cb';
let t: TestGatehouse;
let rp: client.Configuration;

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
  const a = await t.createApp({ name: 'Payroll', redirectUris: [cb], policy: 'required' });
  rp = await relyingParty(t.issuer, a.clientId, a.clientSecret);
});
after(() => t.close());

async function atRecovery(ua: UserAgent, email: string) {
  const { page } = await passwordStep(ua, rp, cb, email, PASSWORD);
  assert.match(page.body, /\/mfa"/, `not at the challenge: ${page.url}`);
  await ua.go(`${ua.lastUrl}?method=recovery`);
}

test("an attacker who takes every recovery slot the moment it opens never keeps the owner's unused code out", async () => {
  const email = 'slot-owner@example.com';
  await t.createUser(email, PASSWORD);
  const { recoveryCodes } = await enrollTotp(new Browser('192.0.2.1'), rp, cb, email, PASSWORD, clock);
  clock.nextStep();

  const attacker = new Browser('198.51.100.7');
  await atRecovery(attacker, email);
  const row = async () => t.gh.deps.db.selectFrom('mfa_attempts').select(['next_allowed_at', 'consecutive_failures']).where('scope', 'like', 'recovery%').where('consecutive_failures', '>', 0).executeTakeFirst();
  // Twelve hours of polling: a wrong code at every opening slot.
  for (let n = 0; n < 40; n++) {
    const r = await row();
    if (r) clock.advance(Math.max(0, Number(r.next_allowed_at) - clock.now()));
    if (!attacker.lastBody.includes('/mfa"')) await atRecovery(attacker, email);
    const page = await submitCode(attacker, cb, `WRNG-CODE-${String(n).padStart(4, '0')}`, { method: 'recovery' });
    assert.equal(page.status, 400, `the attacker's answer ${n} was checked (${page.status})`);
  }

  // The owner, at home, right after the attacker took the latest slot.
  const owner = new Browser('203.0.113.20');
  await atRecovery(owner, email);
  const page = await submitCode(owner, cb, recoveryCodes[0]!, { method: 'recovery' });
  assert.equal(page.status, 200, `the owner's unused recovery code is accepted (${page.status})`);
  assert.doesNotMatch(page.body, /class="error"/);
  assert.match(page.body, /recovered\/continue/, 'the recovery interstitial');
});
