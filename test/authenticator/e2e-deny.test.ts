import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { removeMethod } from '../../src/methods/records.ts';
import { atApp, pageNumber, pushPage } from '../push/support.ts';
import { browser, cb, enrollAdaThroughWizard, world, type World } from './e2e-support.ts';

/** The terminal authenticator against the real Gatehouse: a wrong number, deny, "This wasn't me", a removed device. */
let w: World;
let deviceId: string;
before(async () => {
  w = await world();
  ({ deviceId } = await enrollAdaThroughWizard(w));
});
after(async () => {
  await w.close();
});

test('a wrong number is answer_refused and ends that request; deny ends the next one with a clear page', async () => {
  const ua = browser();
  const { number } = await pushPage(ua, w.payroll, cb, 'ada@example.com');
  const wrong = number === '42' ? '43' : '42';
  await w.a.fails(['approve', '--code', wrong], 1, 'answer_refused');
  await w.a.fails(['approve', '--code', number], 1, 'no_pending_request');
  const page = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(!atApp(cb)(page.url), 'no authorization code after a wrong number');
  assert.match(page.body, /That request ended/);
  // The browser asked again: a new request, which the person denies.
  pageNumber(page.body);
  assert.equal((await w.a.json(['deny'])).status, 'denied');
  const denied = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.equal(denied.status, 403);
  assert.match(denied.body, /Sign-in denied/);
  // Returning to the app tells it the sign-in was denied, not that the person cancelled it.
  const back = await ua.submit('/abort', {}, atApp(cb));
  assert.ok(atApp(cb)(back.url), back.url);
  const params = new URL(back.url).searchParams;
  assert.deepEqual([params.get('error'), params.get('error_description')], ['access_denied', "The sign-in was denied on the person's phone."]);
});

test('deny --fraud: reported, audited, emailed; the browser is told', async () => {
  const ua = browser();
  await pushPage(ua, w.payroll, cb, 'ada@example.com');
  const r = await w.a.json(['deny', '--fraud']);
  assert.equal(r.status, 'reported');
  const page = await ua.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(!atApp(cb)(page.url));
  assert.equal(page.status, 403);
  const events = (await w.t.gh.deps.db.selectFrom('audit_events').select('event').where('user_id', '=', w.userId).execute()).map((e) => e.event);
  assert.ok(events.includes('push.fraud_reported'), `audited: ${events.join(', ')}`);
  const mail = await w.t.smtp.waitFor((m) => m.to.includes('ada@example.com') && /reported a sign-in request as not yours/.test(m.subject), 10_000);
  assert.match(mail.text, /Ada's laptop/);
  await w.a.fails(['approve', '--code', '11'], 1, 'no_pending_request');
});

test('a device removed on the server: device_unknown, and remove forgets it here', async () => {
  assert.ok(await removeMethod(w.t.gh.deps.db, w.userId, deviceId));
  const gone = await w.a.fails(['pending'], 1, 'device_unknown');
  assert.match(gone.message, /ada@example\.com .*removed in Account settings/);
  await w.a.json(['remove']);
  assert.deepEqual(await w.a.json(['list']), []);
});
