import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent, findForm } from '../helpers/user-agent.ts';
import { buildAuthorization, relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, passwordStep } from '../helpers/mfa.ts';
import { linkIn } from '../helpers/smtp.ts';
import { translator } from '../../src/i18n/index.ts';
import { checkPassword } from '../../src/flows/password-login.ts';

// SECURITY.md "Second factors": a browser where the person signed in before keeps its own password
// budget (OWASP device cookies), so strangers' wrong guesses do not keep the owner out; every attempt
// is reserved before the password hash, so a parallel burst cannot run more checks than the limit.
// Defaults: 10 failures per account, 50 per address, a window of 900 s.
const PASSWORD = 'correct horse battery staple';
const WINDOW_MS = 900_000;
const clock = new FakeClock();
const cb = 'http://127.0.0.1:9/cb';
let t: TestGatehouse;
let rp: client.Configuration;

before(async () => {
  // Distinct client addresses arrive as X-Forwarded-For from the loopback "proxy" the tests talk through.
  t = await startTestGatehouse({ GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1,::1' }, { clock });
  const app = await t.createApp({ redirectUris: [cb] });
  rp = await relyingParty(t.issuer, app.clientId, app.clientSecret);
});
after(async () => {
  await t.close();
});

/** A browser at a client address of its own. */
class Browser extends UserAgent {
  constructor(readonly address: string) {
    super();
  }
  override fetch(url: string, init: Parameters<UserAgent['fetch']>[1] = {}) {
    return super.fetch(url, { ...init, headers: { 'x-forwarded-for': this.address, ...init.headers } });
  }
  /** The browser is signed out (its session ended) but keeps its device cookies, as after a day away. */
  signOut() {
    for (const jar of this.cookies.values()) for (const name of [...jar.keys()]) if (!name.startsWith('gh_dev_')) jar.delete(name);
  }
}

let next = 0;
/** A fresh documentation-range address (RFC 5737) per call, so tests do not share an address budget. */
const address = () => `203.0.${113 + Math.floor(next / 250)}.${(next++ % 250) + 1}`;
const stranger = () => new Browser(address());

/** Signs in with email and password; `status` is the password page's (400 wrong, 429 refused) or 303 at the app. */
async function signIn(ua: Browser, email: string, password: string) {
  const { page, returned } = await passwordStep(ua, rp, cb, email, password);
  return { status: returned ? 303 : page.status, body: page.body, returned };
}

const checks = async (email: string) => {
  const rows = await t.gh.deps.db.selectFrom('audit_events').select(['event', 'details']).where('event', 'in', ['login.password.failed', 'login.password.succeeded']).execute();
  const user = await t.gh.deps.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  const mine = await t.gh.deps.db.selectFrom('audit_events').select('event').where('event', '=', 'login.password.succeeded').where('user_id', '=', user?.id ?? '-').execute();
  const failed = rows.filter((r) => r.event === 'login.password.failed' && (JSON.parse(r.details ?? '{}') as { email?: string }).email === email).length;
  return { failed, succeeded: mine.length };
};

test('an attack from other browsers and addresses does not keep the owner out of the browser they signed in from', async () => {
  const email = 'owner@example.com';
  await t.createUser(email, PASSWORD);
  const owner = stranger();
  assert.ok((await signIn(owner, email, PASSWORD)).returned, 'the first sign-in from this browser');
  owner.signOut();

  // 60 wrong passwords at once from 60 browsers at 60 addresses: 10 are checked, the rest refused.
  const first = await Promise.all(Array.from({ length: 60 }, (_, i) => signIn(stranger(), email, `wrong guess ${i}`)));
  assert.equal(first.filter((r) => r.status === 400).length, 10);
  assert.equal(first.filter((r) => r.status === 429).length, 50);

  // The attack goes on for two hours; every ten minutes the owner signs in from their usual browser.
  for (let round = 0; round < 12; round++) {
    clock.advance(600_000);
    for (let i = 0; i < 5; i++) {
      const r = await signIn(stranger(), email, `guess ${round}.${i}`);
      assert.ok(r.status === 400 || r.status === 429, `an attacker's guess is refused (${r.status})`);
    }
    const mine = await signIn(owner, email, PASSWORD);
    assert.equal(mine.status, 303, `round ${round}: the owner's browser signs in with the right password (got ${mine.status})`);
    owner.signOut();
    const elsewhere = await signIn(stranger(), email, PASSWORD);
    assert.equal(elsewhere.status, 429, `round ${round}: an unknown browser waits, even with the right password`);
    assert.match(elsewhere.body, /Too many attempts/);
  }
  const { failed } = await checks(email);
  assert.ok(failed >= 10 && failed <= 10 + 12, `the attackers got few checks (${failed})`);
});

test('300 parallel wrong guesses run at most 10 password checks; a right guess past the limit does not sign in; unknown emails answer the same', async () => {
  const burst = async (email: string, rightAt: number | undefined) => {
    const ua = stranger();
    const auth = await buildAuthorization(rp, cb);
    await ua.go(auth.url.href);
    await ua.submit('/email', { email });
    const form = findForm(ua.lastBody, '/password');
    const action = new URL(form.action, ua.lastUrl).href;
    const responses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => ua.fetch(action, { method: 'POST', form: { ...form.hidden, password: i === rightAt ? PASSWORD : `guess number ${i}` } }).then(async (res) => ({ status: res.status, body: await res.text() }))),
    );
    const statuses: Record<number, number> = {};
    for (const r of responses) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    return { statuses, responses };
  };

  const email = 'burst@example.com';
  await t.createUser(email, PASSWORD);
  const known = await burst(email, 30);
  const checked = await checks(email);
  assert.equal(checked.succeeded, 0, 'the right password inside the burst did not sign in');
  assert.ok(checked.failed <= 10, `at most 10 password checks, got ${checked.failed}`);
  assert.deepEqual(known.statuses, { 400: checked.failed, 429: 300 - checked.failed }, 'checked ones are wrong, the rest refused unchecked');

  // An address without an account: the same number of checks, the same answers.
  const ghost = 'nobody-here@example.com';
  const unknown = await burst(ghost, 30);
  assert.deepEqual(unknown.statuses, known.statuses);
  assert.equal((await checks(ghost)).failed, checked.failed);
  for (const r of [...known.responses, ...unknown.responses]) {
    assert.match(r.body, r.status === 400 ? /The email or password is not correct\./ : /Too many attempts/, `the same ${r.status} answer`);
  }

  // The limit is a wait, not a wall: a second later the right password signs in.
  assert.equal((await signIn(stranger(), email, PASSWORD)).status, 429);
  clock.advance(1_000);
  assert.equal((await signIn(stranger(), email, PASSWORD)).status, 303);
});

test('unknown browsers wait longer after each failure past the limit — 1 s, 2 s, 4 s … up to the window — and the count is forgotten after a quiet window', async () => {
  const email = 'ladder@example.com';
  await t.createUser(email, PASSWORD);
  for (let i = 0; i < 10; i++) assert.equal((await signIn(stranger(), email, `wrong ${i}`)).status, 400, `failure ${i + 1} is free`);
  assert.equal((await signIn(stranger(), email, PASSWORD)).status, 429, 'the 11th attempt waits, even with the right password');

  let wait = 1_000;
  for (let k = 0; k < 12; k++) {
    clock.advance(wait - 1);
    assert.equal((await signIn(stranger(), email, `early ${k}`)).status, 429, `${wait - 1} ms after failure ${10 + k} is too early`);
    clock.advance(1);
    assert.equal((await signIn(stranger(), email, `late ${k}`)).status, 400, `after ${wait} ms the guess is checked`);
    wait = Math.min(wait * 2, WINDOW_MS);
  }
  assert.equal(wait, WINDOW_MS, 'the wait grew to the window and stays there');

  // After the wait the right password signs in from an unknown browser too.
  clock.advance(wait);
  assert.equal((await signIn(stranger(), email, PASSWORD)).status, 303);
  // A window of quiet after the last wait: the failures are forgotten, the ten free attempts are back.
  clock.advance(wait + WINDOW_MS);
  for (let i = 0; i < 10; i++) assert.equal((await signIn(stranger(), email, `again ${i}`)).status, 400, `free again: failure ${i + 1}`);
  assert.equal((await signIn(stranger(), email, `again 10`)).status, 429);
});

test('one address is limited across accounts (50 failures, then growing waits), but not a browser that signed in to the account before', async () => {
  const at = address();
  const owner = new Browser(at);
  await t.createUser('at-home@example.com', PASSWORD);
  assert.ok((await signIn(owner, 'at-home@example.com', PASSWORD)).returned);
  owner.signOut();
  for (let i = 0; i < 50; i++) {
    // Ten addresses typed (none has an account here), five guesses each: none reaches its own limit.
    const r = await signIn(new Browser(at), `neighbour-${i % 10}@example.com`, `wrong ${i}`);
    assert.equal(r.status, 400, `failure ${i + 1} from this address is checked`);
  }
  assert.equal((await signIn(new Browser(at), 'fresh@example.com', 'wrong')).status, 429, 'the address waits');
  assert.equal((await signIn(owner, 'at-home@example.com', PASSWORD)).status, 303, 'a known browser at that address still signs in');
  clock.advance(1_000);
  assert.equal((await signIn(new Browser(at), 'fresh@example.com', 'wrong')).status, 400, 'after a second the address may try once more');
  assert.equal((await signIn(new Browser(at), 'fresh@example.com', 'wrong')).status, 429, 'then waits two seconds');
});

test('the device cookie: HttpOnly, SameSite=Lax, long-lived, Secure for an https issuer, and it names no email', async () => {
  const email = 'cookie@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = stranger();
  const auth = await buildAuthorization(rp, cb);
  await ua.go(auth.url.href);
  await ua.submit('/email', { email });
  const form = findForm(ua.lastBody, '/password');
  const res = await ua.fetch(new URL(form.action, ua.lastUrl).href, { method: 'POST', form: { ...form.hidden, password: PASSWORD } });
  assert.equal(res.status, 303);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('gh_dev_'));
  assert.ok(cookie, `a device cookie is set: ${res.headers.getSetCookie().join(' | ')}`);
  assert.match(cookie, /; HttpOnly/i);
  assert.match(cookie, /; SameSite=Lax/i);
  assert.match(cookie, /; Path=\//i);
  assert.doesNotMatch(cookie, /; Secure/i, 'http issuer: no Secure');
  const maxAge = Number(/Max-Age=(\d+)/i.exec(cookie)?.[1]);
  assert.ok(maxAge >= 180 * 24 * 3600, `long-lived (${maxAge} s)`);
  const value = cookie.split(';')[0]!.split('=').slice(1).join('=');
  assert.ok(value.includes(user.id), 'names the account by its id');
  assert.doesNotMatch(decodeURIComponent(value), /cookie@example|correct horse/);

  const https = { ...t.gh.deps, config: { ...t.gh.deps.config, issuer: 'https://id.example.com' } };
  const check = await checkPassword(https, email, PASSWORD, { ip: address() });
  assert.ok(check.ok);
  assert.equal(check.deviceCookie?.options.secure, true);
  assert.equal(check.deviceCookie?.options.httpOnly, true);
  assert.equal(check.deviceCookie?.options.sameSite, 'lax');
});

test("a known browser has its own budget; once it fails too often it is untrusted; another account's or a forged cookie vouches for nobody", async () => {
  const email = 'budget@example.com';
  await t.createUser(email, PASSWORD);
  await t.createUser('mallory@example.com', 'mallory has her own password');
  const owner = stranger();
  assert.ok((await signIn(owner, email, PASSWORD)).returned);
  owner.signOut();
  const mallory = stranger();
  assert.ok((await signIn(mallory, 'mallory@example.com', 'mallory has her own password')).returned);
  mallory.signOut();

  // Strangers use up the account's budget for unknown browsers.
  for (let i = 0; i < 10; i++) assert.equal((await signIn(stranger(), email, `stranger ${i}`)).status, 400);
  assert.equal((await signIn(stranger(), email, PASSWORD)).status, 429);

  // Mallory's browser knows Mallory, not this account; nor does a copied cookie with a broken signature.
  assert.equal((await signIn(mallory, email, PASSWORD)).status, 429, "another account's device cookie");
  const jar = owner.cookies.get(new URL(t.issuer).host)!;
  const [name, value] = [...jar].find(([n]) => n.startsWith('gh_dev_'))!;
  const forged = stranger();
  forged.cookies.set(new URL(t.issuer).host, new Map([[name, value.slice(0, -2) + (value.endsWith('AA') ? 'BB' : 'AA')]]));
  assert.equal((await signIn(forged, email, PASSWORD)).status, 429, 'a cookie whose signature does not verify');
  const renamed = stranger();
  const malloryCookie = [...mallory.cookies.get(new URL(t.issuer).host)!].find(([n]) => n.startsWith('gh_dev_'))!;
  renamed.cookies.set(new URL(t.issuer).host, new Map([[name, malloryCookie[1]]]));
  assert.equal((await signIn(renamed, email, PASSWORD)).status, 429, "Mallory's cookie under this account's cookie name");

  // The owner's browser: ten typos of its own are checked (its own budget), then it is untrusted too.
  for (let i = 0; i < 10; i++) assert.equal((await signIn(owner, email, `typo ${i}`)).status, 400, `the owner's typo ${i + 1} is checked`);
  assert.equal((await signIn(owner, email, PASSWORD)).status, 429, 'a device cookie that failed ten times vouches no more');
  clock.advance(1_000);
  assert.equal((await signIn(owner, email, PASSWORD)).status, 303, 'after its wait the browser signs in');
  owner.signOut();
  assert.equal((await signIn(owner, email, 'one more typo')).status, 400, 'the renewed cookie has a fresh budget');
});

test('the reset link lifts the wait of unknown browsers: the person proved themselves another way', async () => {
  const email = 'reset-lifts@example.com';
  const NEW = 'a new passphrase after the attack';
  await t.createUser(email, PASSWORD);
  for (let i = 0; i < 10; i++) assert.equal((await signIn(stranger(), email, `stranger ${i}`)).status, 400);
  assert.equal((await signIn(stranger(), email, PASSWORD)).status, 429);

  const ua = stranger();
  await ua.go(`${t.issuer}/reset`);
  await ua.submit('/reset', { email });
  const subject = translator()('reset.mail_subject');
  const mail = await t.smtp.waitFor((m) => m.to.includes(email) && m.subject === subject);
  await ua.go(linkIn(mail));
  await ua.submit('/reset/confirm', { password: NEW, password_confirm: NEW });
  assert.equal((await signIn(stranger(), email, NEW)).status, 303, 'a new browser signs in at once with the new password');
});
