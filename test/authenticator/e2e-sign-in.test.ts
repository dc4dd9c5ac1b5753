import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { finish } from '../helpers/mfa.ts';
import { atApp, pushPage } from '../push/support.ts';
import { browser, cb, enrollAdaThroughWizard, world, type World } from './e2e-support.ts';

/**
 * The terminal authenticator against the real Gatehouse (wip-push's API): enroll from the wizard's
 * link, approve its test request, then a sign-in to Payroll with the number read from the page — each
 * command a real `gatehouse` process, as a person or a script runs it.
 */
let w: World;
before(async () => {
  w = await world({ process: true });
});
after(async () => {
  await w.close();
});

test('enroll from the wizard\'s link, approve its test request with the number on the page: push is Ada\'s method', async () => {
  const { deviceId, link, claims } = await enrollAdaThroughWizard(w);
  assert.deepEqual(claims.amr, ['pwd', 'swk', 'mfa'], 'the test approval was this sign-in\'s second factor');
  await w.a.fails(['enroll', link], 1, 'enrollment_link_used');
  assert.equal((await w.a.json(['list']))[0].status, 'active');
  const methods = await w.t.gh.deps.db.selectFrom('mfa_methods').select(['id', 'type', 'status', 'name']).where('user_id', '=', w.userId).execute();
  assert.deepEqual(methods.map((m) => [m.id, m.type, m.status, m.name]), [[deviceId, 'push', 'active', "Ada's laptop"]]);
});

test('sign in to Payroll: the CLI shows the request and approves it with the number from the challenge page', async () => {
  const ua = browser();
  const { auth, number } = await pushPage(ua, w.payroll, cb, 'ada@example.com');
  const shown = await w.a.run(['pending']);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /Sign-in to Payroll/);
  assert.match(shown.stdout, /Browser: +Chrome on Linux/);
  assert.match(shown.stdout, /IP: +(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)/);

  const r = await w.a.run(['approve', '--code', number]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Approved the sign-in to Payroll\./);
  const done = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(atApp(cb)(done.url), `back at Payroll: ${done.url}`);
  const { claims } = await finish(w.payroll, auth, done.url);
  assert.deepEqual(claims.amr, ['pwd', 'swk', 'mfa']);
});
