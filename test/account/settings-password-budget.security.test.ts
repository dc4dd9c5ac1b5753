// a stranger who knows only the email keeps the owner — in the browser they are signed
// in with, with a device cookie for the account — from "Confirm it's you" (so from turning on 2FA in
// Account settings) and from changing the password in Account settings, for as long as the attack
// runs. The settings' password checks pass no device cookie (decision 0008 "not yet"), so they are
// on the account budget that strangers drive; a waiting budget refuses attempts without counting
// them, so an attacker who polls takes every slot the moment it opens ("a wait, not a wall" turns
// into a wall for the owner).
// SECURITY.md: "a browser where the person signed in before keeps its own password budget (OWASP
// device cookies), so strangers' wrong guesses do not keep the owner out."
// Found by the attacker's walk (second review); the settings' checks now count on the signed-in browser's own budget.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep } from '../helpers/mfa.ts';
import { checkPassword } from '../../src/flows/password-login.ts';

const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
const cb = 'http://127.0.0.1:9/cb';
let t: TestGatehouse;
let rp: client.Configuration;

before(async () => {
  t = await startTestGatehouse({ GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1,::1' }, { clock });
  const app = await t.createApp({ redirectUris: [cb], policy: 'bypass' });
  rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
});
after(() => t.close());

class Browser extends UserAgent {
  constructor(readonly address: string) {
    super();
  }
  override fetch(url: string, init: Parameters<UserAgent['fetch']>[1] = {}) {
    return super.fetch(url, { ...init, headers: { 'x-forwarded-for': this.address, ...init.headers } });
  }
}
let n = 0;
const strangerAddress = () => `198.51.100.${++n}`;

/** The stranger: wrong guesses until the account budget waits, then one guess the moment each wait ends. */
async function strangerPolls(email: string) {
  // The stranger's guesses go straight at the password check (same statements as the HTTP route).
  for (;;) {
    const r = await checkPassword(t.gh.deps, email, `guess ${n}`, { ip: strangerAddress(), userAgent: 'x', clientId: null });
    if (!r.ok && r.reason === 'throttled') break;
  }
}
/** Moves the clock to the moment the account budget's wait ends, and the stranger takes that slot. */
async function nextSlotTakenByStranger(email: string) {
  const row = await t.gh.deps.db.selectFrom('password_attempts').select('next_allowed_at').where('scope', '=', 'account').where('subject', '=', email).executeTakeFirstOrThrow();
  const wait = Number(row.next_allowed_at) - clock.now();
  if (wait > 0) clock.advance(wait);
  const r = await checkPassword(t.gh.deps, email, 'stranger at the slot', { ip: strangerAddress(), userAgent: 'x', clientId: null });
  assert.ok(!r.ok && r.reason === 'invalid', 'the stranger got the slot');
}

async function post(ua: UserAgent, path: string, form: Record<string, string>) {
  const page = await ua.go(`${t.issuer}${path.startsWith('/account/security/verify') ? path : '/account'}`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(csrf, `no form at ${page.url}`);
  const res = await ua.fetch(`${t.issuer}${path.split('?')[0]}`, { method: 'POST', form: { csrf, ...form } });
  const body = await res.text();
  const error = /<p class="error"[^>]*>([^<]*)/.exec(body)?.[1] ?? "";
  return { status: res.status, location: res.headers.get('location'), body, error, what: `${res.status}${res.headers.get('location') ? ' -> ' + res.headers.get('location') : ''}${error ? ' "' + error.trim() + '"' : ''}` };
}

test('strangers keep the signed-in owner (known browser) from "Confirm it\'s you" and from changing the password', async () => {
  const email = 'settings-owner@example.com';
  await t.createUser(email, PASSWORD);
  const owner = new Browser('192.0.2.10');
  assert.ok((await passwordStep(owner, rp, cb, email, PASSWORD)).returned, 'the owner signs in (and gets a device cookie)');
  const account = await owner.go(`${t.issuer}/account`);
  assert.equal(account.url, `${t.issuer}/account`, 'the owner is in Account settings');

  await strangerPolls(email);
  const results: string[] = [];
  let current = PASSWORD;
  for (let round = 0; round < 8; round++) {
    await nextSlotTakenByStranger(email);
    clock.advance(2_000); // the owner clicks two seconds after the stranger
    const verify = await post(owner, '/account/security/verify?next=/account/security/enroll', { password: current, next: '/account/security/enroll' });
    const next = `a brand new passphrase ${round} of eight`;
    const change = await post(owner, '/account/password', { current_password: current, new_password: next, confirm_password: next });
    if (change.location === '/account?done=password') current = next;
    results.push(`round ${round}: confirm ${verify.what}; change ${change.what}`);
  }
  assert.ok(results.every((r) => r.includes('confirm 303') && r.includes('change 303 -> /account?done=password')), `the owner's right password worked in every round:\n${results.join('\n')}`);
  // The owner's known browser can still *sign in* (its own budget) — only the settings are walled off.
  const again = await passwordStep(owner, rp, cb, email, current, { prompt: 'login' });
  assert.ok(results.every((r) => !/429|Too many/.test(r)), `the owner's own browser was refused in Account settings:\n${results.join('\n')}`);
});

test('a stranger at the same address (office NAT) blocks every colleague\'s "Confirm it\'s you" and password change with 50 guesses at made-up emails', async () => {
  const office = '192.0.2.77';
  const emails = ['alice@office.example', 'bob@office.example'];
  const browsers: Browser[] = [];
  for (const e of emails) {
    await t.createUser(e, PASSWORD);
    const b = new Browser(office);
    assert.ok((await passwordStep(b, rp, cb, e, PASSWORD)).returned);
    await b.go(`${t.issuer}/account`);
    browsers.push(b);
  }
  // 50 wrong guesses at made-up addresses from the office address (no account needed, no device cookie).
  for (let i = 0; i < 60; i++) await checkPassword(t.gh.deps, `nobody${i}@elsewhere.example`, 'x', { ip: office, userAgent: 'x', clientId: null });
  const out: string[] = [];
  for (const [i, b] of browsers.entries()) {
    const verify = await post(b, '/account/security/verify?next=/account/security/enroll', { password: PASSWORD, next: '/account/security/enroll' });
    out.push(`${emails[i]}: confirm ${verify.what}`);
  }
  assert.ok(out.every((r) => !/429|Too many/.test(r)), `colleagues refused:\n${out.join('\n')}`);
});

test('a parallel burst on "Confirm it\'s you" and on the password-change form runs no more checks than the budget', async () => {
  const email = 'burst-settings@example.com';
  const user = await t.createUser(email, PASSWORD);
  const owner = new Browser('192.0.2.200');
  assert.ok((await passwordStep(owner, rp, cb, email, PASSWORD)).returned);
  const page = await owner.go(`${t.issuer}/account/security/verify?next=/account/security`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const fire = (path: string, form: Record<string, string>) => owner.fetch(`${t.issuer}${path}`, { method: 'POST', form: { csrf, ...form } }).then((r) => r.text());
  await Promise.all([
    ...Array.from({ length: 40 }, (_, i) => fire('/account/security/verify', { password: `wrong ${i}`, next: '/account/security' })),
    ...Array.from({ length: 40 }, (_, i) => fire('/account/password', { current_password: `wrong ${i}`, new_password: 'a brand new passphrase 42', confirm_password: 'a brand new passphrase 42' })),
  ]);
  const checked = (await t.gh.deps.db.selectFrom('audit_events').select('details').where('event', '=', 'login.password.failed').where('user_id', '=', user.id).execute()).length;
  assert.ok(checked <= 10, `at most 10 checks, got ${checked}`);
});
