import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, finish, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { PASSWORD, addTotpInSettings, confirmWithCode, csrfOf, listedMethods, personWithTotp, securityUrl } from './support.ts';

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
    [`/account/security/methods/${first.id}/remove`, {}],
    ['/account/security/recovery-codes', {}],
    ['/account/security/recovery', {}],
    [`/account/security/devices/${deviceId}/forget`, {}],
    ['/account/security/reset', {}],
    ['/account/security/enroll/start', {}],
    ['/account/security/enroll/later', {}],
    ['/account/security/enroll/choose', { method: 'totp' }],
    ['/account/security/enroll/back', {}],
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
