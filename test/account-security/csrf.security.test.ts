import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize, relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, finish, interactionUid, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { PASSWORD, addTotpInSettings, confirmWithCode, csrfOf, listedMethods, personWithTotp, securityUrl, signInToAccount } from './support.ts';
import { Csrf } from '../../src/http/csrf.ts';
import { escapeHtml } from '../../src/http/html.ts';
import { translator } from '../../src/i18n/index.ts';
import { systemRandom } from '../../src/clock.ts';

const tr = translator();

const clock = new FakeClock();
let t: TestGatehouse;
let app: client.Configuration;
const cb = 'http://127.0.0.1:9/expense/cb';

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const a = await t.createApp({ name: 'Expense', redirectUris: [cb], policy: 'adaptive' });
  app = await relyingParty(t.issuer, a.clientId, a.clientSecret);
});
after(async () => {
  await t.close();
});

/** Everything a settings POST could change for this person. */
async function snapshot(userId: string) {
  const { db } = t.gh.deps;
  return {
    methods: await db.selectFrom('mfa_methods').select(['id', 'name', 'status', 'is_default']).where('user_id', '=', userId).orderBy('id').execute(),
    codes: await db.selectFrom('recovery_codes').select(['code_hash', 'used_at']).where('user_id', '=', userId).orderBy('code_hash').execute(),
    devices: await db.selectFrom('remembered_devices').select('id').where('user_id', '=', userId).orderBy('id').execute(),
    flows: await db.selectFrom('login_flows').select(['uid', 'step', 'data']).where('user_id', '=', userId).orderBy('uid').execute(),
    sessions: (await db.selectFrom('oidc_models').select('id').where('kind', '=', 'Session').where('account_id', '=', userId).execute()).length,
    events: (await db.selectFrom('audit_events').select('id').where('user_id', '=', userId).execute()).length,
  };
}

test('every POST of the settings and of their wizard without the form token is refused (403) and changes nothing', async () => {
  const email = 'csrf@example.com';
  const p = await personWithTotp(t, clock, email);
  const second = await addTotpInSettings(p.ua, t, clock, { expectCodes: false, proofSecret: p.secret });
  const [first, other] = listedMethods(second.page.body);
  assert.ok(first && other);

  // A remembered device, and a second browser signed in, so that removal or reset would show.
  const laptop = new UserAgent();
  const s = await passwordStep(laptop, app, cb, email, PASSWORD);
  const done = await submitCode(laptop, cb, totpCode(p.secret, clock.now()), { remember: '1' });
  await finish(app, s.auth, done.url);
  clock.nextStep();
  const deviceId = /data-device="([^"]+)"/.exec((await p.ua.go(securityUrl(t))).body)![1]!;

  // A fresh proof and an open wizard: only the missing token stands in the way.
  await confirmWithCode(p.ua, t, p.secret, clock);
  await p.ua.go(securityUrl(t));
  assert.equal((await p.ua.submit('/account/security/add')).url, `${t.issuer}/account/security/enroll`);
  const valid = csrfOf(p.ua);

  const posts: Array<[string, Record<string, string>]> = [
    ['/account/security/verify', { next: '/account/security', method: 'totp', code: totpCode(p.secret, clock.now()) }],
    ['/account/security/add', {}],
    [`/account/security/methods/${other.id}/rename`, { name: 'Hijacked' }],
    [`/account/security/methods/${other.id}/default`, {}],
    [`/account/security/methods/${first.id}/remove`, { confirm: '1' }],
    ['/account/security/recovery-codes', { confirm: '1' }],
    ['/account/security/recovery', {}],
    [`/account/security/devices/${deviceId}/forget`, {}],
    ['/account/security/reset', { confirm: '1' }],
    ['/account/security/enroll/start', {}],
    ['/account/security/enroll/later', {}],
    ['/account/security/enroll/choose', { method: 'totp' }],
    ['/account/security/enroll/back', {}],
    ['/account/security/enroll/cancel', {}],
    ['/account/security/enroll/confirm', { code: '123456' }],
    ['/account/security/enroll/recovery', { stored: '1' }],
    ['/account/security/enroll/done', {}],
  ];
  const before = await snapshot(p.user.id);
  // Another browser's valid token does not fit this browser's cookie either.
  const stranger = new UserAgent();
  await stranger.go(`${t.issuer}/account`);
  const foreign = /name="csrf" value="([^"]+)"/.exec(stranger.lastBody)?.[1] ?? 'x'.repeat(43);
  for (const [path, form] of posts) {
    for (const csrf of [undefined, '', 'wrong', foreign]) {
      const res = await p.ua.fetch(`${t.issuer}${path}`, { method: 'POST', form: csrf === undefined ? form : { ...form, csrf } });
      const body = await res.text();
      assert.equal(res.status, 403, `${path} with csrf=${csrf}`);
      assert.doesNotMatch(body, /at .*\.ts:\d+/, 'no stack trace');
    }
  }
  assert.deepEqual(await snapshot(p.user.id), before, 'nothing changed');

  // The same requests with the token do work (the test is not vacuous): rename, for one.
  const renamed = await p.ua.fetch(`${t.issuer}/account/security/methods/${other.id}/rename`, { method: 'POST', form: { csrf: valid, name: 'Tablet' } });
  assert.equal(renamed.status, 303);
  assert.equal(listedMethods((await p.ua.go(securityUrl(t))).body)[1]!.name, 'Tablet');
});

// ---- The token is bound to the session (decision 0007) ----

/** Renames the person's first method with `csrf`; returns the status (303 done, 403 refused). */
async function renameWith(ua: UserAgent, methodId: string, csrf: string, name: string, headers: Record<string, string> = {}) {
  const res = await ua.fetch(`${t.issuer}/account/security/methods/${methodId}/rename`, { method: 'POST', form: { csrf, name }, headers });
  return { status: res.status, body: await res.text() };
}

test('a token of an earlier session in the same browser is refused: signing out and in again (or someone else signing in) needs fresh forms', async () => {
  const email = 'csrf-session@example.com';
  const p = await personWithTotp(t, clock, email);
  const id = listedMethods(p.page.body)[0]!.id;
  await p.ua.go(securityUrl(t));
  const old = csrfOf(p.ua);
  const signOut = await p.ua.fetch(`${t.issuer}/account/sign-out`, { method: 'POST', form: { csrf: old } });
  assert.equal(signOut.status, 200, 'signed out with the token of that session');
  await signOut.arrayBuffer();

  await signInToAccount(p.ua, t, email, { secret: p.secret, clock });
  clock.nextStep();
  assert.equal((await renameWith(p.ua, id, old, 'Old token')).status, 403, "the previous session's token");
  await p.ua.go(securityUrl(t));
  assert.equal((await renameWith(p.ua, id, csrfOf(p.ua), 'New token')).status, 303, "this session's token");
  assert.equal(listedMethods((await p.ua.go(securityUrl(t))).body)[0]!.name, 'New token');
});

test("a form cookie and token planted from another browser do not fit this browser's session (cookie tossing)", async () => {
  const email = 'csrf-tossing@example.com';
  const p = await personWithTotp(t, clock, email);
  const id = listedMethods(p.page.body)[0]!.id;
  const host = new URL(t.issuer).host;
  // The attacker's own browser: an anonymous page (sign-up), and a signed-in one of their own.
  const attacker = await personWithTotp(t, clock, 'csrf-attacker@example.com');
  const anonymous = new UserAgent();
  for (const source of [anonymous, attacker.ua]) {
    await source.go(source === anonymous ? `${t.issuer}/signup` : securityUrl(t));
    const token = csrfOf(source);
    const victim = p.ua.cookies.get(host)!;
    const saved = new Map(victim);
    for (const [name, value] of source.cookies.get(host)!) if (name.includes('csrf')) victim.set(name, value);
    assert.equal((await renameWith(p.ua, id, token, 'Tossed')).status, 403);
    p.ua.cookies.set(host, saved);
  }
  assert.equal((await t.gh.deps.db.selectFrom('mfa_methods').select('name').where('id', '=', id).executeTakeFirstOrThrow()).name, 'Authenticator app');
});

test('sign-in pages: each sign-in in progress has its own token; a sign-in finished in another tab leaves the others working', async () => {
  const ua = new UserAgent();
  const email = 'csrf-tabs@example.com';
  await t.createUser(email, PASSWORD);
  // This test browser keeps one cookie per name, unlike a real one, whose interaction cookies are
  // scoped to each sign-in's path: each tab's are kept aside and put back for its requests.
  const host = new URL(t.issuer).host;
  const interactionCookies = () => new Map([...ua.cookies.get(host)!].filter(([name]) => name.startsWith('_interaction')));
  const tab = (cookies: Map<string, string>) => cookies.forEach((value, name) => ua.cookies.get(host)!.set(name, value));
  const one = await authorize(ua, app, cb);
  const [tabOne, tokenOne] = [interactionCookies(), csrfOf(ua)];
  const two = await authorize(ua, app, cb);
  const [tabTwo, tokenTwo] = [interactionCookies(), csrfOf(ua)];
  const [uidOne, uidTwo] = [interactionUid(one.page.url), interactionUid(two.page.url)];
  const post = async (uid: string, csrf: string) => {
    tab(uid === uidOne ? tabOne : tabTwo);
    const res = await ua.fetch(`${t.issuer}/interaction/${uid}/email`, { method: 'POST', form: { csrf, email } });
    await res.arrayBuffer();
    return res.status;
  };
  assert.equal(await post(uidTwo, tokenOne), 403, "tab one's token on tab two's sign-in");
  assert.equal(await post(uidOne, tokenTwo), 403, "tab two's token on tab one's sign-in");

  // Tab one signs in (a session is created); tab two's page, still open, goes on with its own token.
  // An accepted email is answered with the password page itself (decision 0024).
  assert.equal(await post(uidOne, tokenOne), 200);
  await ua.go(`${t.issuer}/interaction/${uidOne}`);
  let done = await ua.submit('/password', { password: PASSWORD }, (u) => u.startsWith(cb));
  if (done.url.endsWith('/enroll')) done = await ua.submit('/enroll/later', {}, (u) => u.startsWith(cb)); // Adaptive suggests 2FA
  assert.ok(done.url.startsWith(cb), `tab one finished: ${done.url}`);
  assert.ok(ua.cookies.get(host)!.get('_session'), 'the browser has a session now');
  assert.equal(await post(uidTwo, tokenTwo), 200, "tab two's own token still works");
});

test("account settings' tokens survive the session id oidc-provider rotates at every sign-in step (SSO in another tab)", async () => {
  const email = 'csrf-rotation@example.com';
  const p = await personWithTotp(t, clock, email);
  const id = listedMethods(p.page.body)[0]!.id;
  await p.ua.go(securityUrl(t));
  const token = csrfOf(p.ua);
  const sessionCookie = () => p.ua.cookies.get(new URL(t.issuer).host)!.get('_session');
  const before = sessionCookie();
  // Another tab: an app asks for a fresh sign-in (max_age=0), which resumes and rotates the session id.
  const s = await passwordStep(p.ua, app, cb, email, PASSWORD, { max_age: '0' });
  if (!s.returned) assert.ok((await submitCode(p.ua, cb, totpCode(p.secret, clock.now()))).url.startsWith(cb));
  clock.nextStep();
  assert.notEqual(sessionCookie(), before, 'the session id was rotated');
  assert.equal((await renameWith(p.ua, id, token, 'After rotation')).status, 303, 'the settings page opened before still works');
});

// ---- Origin and Sec-Fetch-Site: one check in front of every Gatehouse form ----

test('a POST with a valid token from a foreign Origin, or that the browser marks cross-site, is refused with a clear 403 and audited', async () => {
  const email = 'csrf-origin@example.com';
  const p = await personWithTotp(t, clock, email);
  const id = listedMethods(p.page.body)[0]!.id;
  await p.ua.go(securityUrl(t));
  const valid = csrfOf(p.ua);
  const refused: Array<Record<string, string>> = [
    { origin: 'http://evil.example' },
    { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'cross-site' },
    { origin: 'null', 'sec-fetch-site': 'cross-site' }, // a sandboxed frame, or a cross-site redirect
    { 'sec-fetch-site': 'same-site' }, // a sibling site (another port, another subdomain)
    { origin: `http://127.0.0.1:${new URL(t.issuer).port}` }, // same server, another origin
    { origin: t.issuer, 'sec-fetch-site': 'cross-site' },
  ];
  for (const headers of refused) {
    const res = await renameWith(p.ua, id, valid, 'Evil', headers);
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.match(res.body, /Error code: <code>cross_origin_request<\/code>/);
    assert.ok(res.body.includes(escapeHtml(tr('error.cross_origin'))));
  }
  const json = await p.ua.fetch(`${t.issuer}/account/profile`, { method: 'POST', form: { csrf: valid, name: 'Evil' }, headers: { origin: 'http://evil.example', accept: 'application/json' } });
  assert.deepEqual([json.status, await json.json()], [403, { error: 'cross_origin_request' }]);
  assert.equal(listedMethods((await p.ua.go(securityUrl(t))).body)[0]!.name, 'Authenticator app', 'nothing changed');

  const events = await t.gh.deps.db.selectFrom('audit_events').select(['event', 'details']).where('event', '=', 'request.cross_origin_refused').execute();
  const evil = events.map((e) => JSON.parse(e.details!)).filter((d) => d.path === `/account/security/methods/${id}/rename`);
  assert.equal(evil.length, refused.length, 'each refusal is audited');
  assert.deepEqual(evil[0], { reason: 'foreign_origin', method: 'POST', path: `/account/security/methods/${id}/rename`, origin: 'http://evil.example', secFetchSite: null });

  // The sign-in pages and the self-service forms are behind the same check.
  const ua = new UserAgent();
  const started = await authorize(ua, app, cb);
  const uid = interactionUid(started.page.url);
  const token = csrfOf(ua);
  const interaction = await ua.fetch(`${t.issuer}/interaction/${uid}/email`, { method: 'POST', form: { csrf: token, email }, headers: { origin: 'http://evil.example' } });
  assert.equal(interaction.status, 403);
  await ua.go(`${t.issuer}/signup`);
  const signup = await ua.fetch(`${t.issuer}/signup`, { method: 'POST', form: { csrf: csrfOf(ua), email: 'csrf-new@example.com', password: PASSWORD }, headers: { 'sec-fetch-site': 'cross-site' } });
  assert.equal(signup.status, 403);
  assert.equal(await t.gh.deps.db.selectFrom('users').select('id').where('email', '=', 'csrf-new@example.com').executeTakeFirst(), undefined);
});

test('same-origin requests still work: the Origin a browser sends, `Origin: null` with Sec-Fetch-Site same-origin (our no-referrer pages), or no such headers', async () => {
  const p = await personWithTotp(t, clock, 'csrf-same-origin@example.com');
  const id = listedMethods(p.page.body)[0]!.id;
  await p.ua.go(securityUrl(t));
  const valid = csrfOf(p.ua);
  const allowed: Array<Record<string, string>> = [{ origin: new URL(t.issuer).origin, 'sec-fetch-site': 'same-origin' }, { origin: 'null', 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }, {}];
  for (const headers of allowed) {
    assert.equal((await renameWith(p.ua, id, valid, `Phone ${Object.keys(headers).length}`, headers)).status, 303, JSON.stringify(headers));
  }
  // And a whole sign-in with a browser's headers on every form.
  const ua = new UserAgent();
  ua.browserHeaders = true;
  const s = await passwordStep(ua, app, cb, 'csrf-same-origin@example.com', PASSWORD);
  assert.ok(ua.lastBody.includes('/mfa"'), `at the challenge: ${s.page.url}`);
  assert.ok((await submitCode(ua, cb, totpCode(p.secret, clock.now()))).url.startsWith(cb));
  clock.nextStep();
});

test("the protocol endpoints apps call from their own origins are not behind the check (oidc-provider's own rules apply)", async () => {
  const evil = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
  for (const path of ['/token', '/revoke', '/introspect']) {
    const res = await fetch(`${t.issuer}${path}`, { method: 'POST', headers: { ...evil, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=nope&token=nope&client_id=nobody' });
    const body = (await res.json()) as { error?: string };
    assert.notEqual(body.error, 'cross_origin_request', path);
    assert.ok(['invalid_client', 'invalid_grant', 'invalid_request'].includes(body.error!), `${path}: ${JSON.stringify(body)}`);
  }
});

test('the form cookie is `__Host-gh_csrf` (Secure, Path=/, no Domain) when the issuer is https, `gh_csrf` otherwise', () => {
  for (const [secure, name] of [[true, '__Host-gh_csrf'], [false, 'gh_csrf']] as const) {
    const csrf = new Csrf(Buffer.alloc(32, 7), systemRandom, secure);
    const set: Array<[string, string, Record<string, unknown>]> = [];
    const req = { cookies: {} as Record<string, string> } as unknown as FastifyRequest;
    const reply = { setCookie: (n: string, v: string, o: Record<string, unknown>) => set.push([n, v, o]) } as unknown as FastifyReply;
    csrf.bind(req, 'anonymous');
    const token = csrf.token(req, reply);
    assert.equal(set.length, 1);
    assert.equal(set[0]![0], name);
    assert.equal(set[0]![2].secure, secure);
    assert.equal(set[0]![2].path, '/');
    assert.equal(set[0]![2].domain, undefined);
    assert.equal(set[0]![2].httpOnly, true);
    // The same browser cookie with another binding gives another token.
    const other = { cookies: { [name]: set[0]![1] } } as unknown as FastifyRequest;
    csrf.bind(other, 'session:someone-else');
    assert.notEqual(csrf.token(other, reply), token);
  }
});
