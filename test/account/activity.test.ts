import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { openAccount } from './support.ts';
import { audit } from '../../src/store/audit.ts';
import { ACTIVITY_EVENTS } from '../../src/http/pages/account.ts';

const PASSWORD = 'correct horse battery staple';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

let t: TestGatehouse;
before(async () => {
  t = await startTestGatehouse();
});
after(async () => {
  await t.close();
});

/** The activity list's lines, as text (tags dropped, entities kept). */
function activityLines(body: string): string[] {
  const list = /<ul class="plain" id="activity">([\s\S]*?)<\/ul>/.exec(body)?.[1] ?? '';
  return [...list.matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
}

test('recent activity reads as sentences with the device and the time, never an event name', async () => {
  const email = 'activity@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  ua.headers['user-agent'] = CHROME_LINUX;
  let page = await openAccount(ua, t.issuer, email, PASSWORD);
  page = await ua.submit('/account/profile', { name: 'Ada' });

  // What other flows write, as they write it (an older "added" event names only the type).
  const { db, clock } = t.gh.deps;
  const where = { ip: '203.0.113.7', userAgent: SAFARI_IPHONE };
  await audit(db, clock, { ...where, event: 'mfa.method.added', userId: user.id, details: { type: 'webauthn', kind: 'security-key', methodId: 'm1', name: 'YubiKey' } });
  await audit(db, clock, { ...where, event: 'mfa.method.added', userId: user.id, details: { type: 'totp', methodId: 'm2' } });
  await audit(db, clock, { ...where, event: 'mfa.method.added', userId: user.id, details: { type: 'webauthn', methodId: 'm3' } });
  await audit(db, clock, { ...where, event: 'mfa.method.removed', userId: user.id, details: { type: 'totp', methodId: 'm2', name: 'Phone' } });
  // Gatehouse's bookkeeping is not the person's activity.
  await audit(db, clock, { ...where, event: 'policy.decision', userId: user.id, details: { step: 'satisfied', reasons: [] } });
  await audit(db, clock, { ...where, event: 'session.backchannel_logout.sent', userId: user.id });
  await audit(db, clock, { ...where, event: 'login.flow.stale', userId: user.id });

  page = await ua.go(`${t.issuer}/account`);
  const lines = activityLines(page.body);
  assert.deepEqual(lines.slice(0, 5).map((l) => l.split(' — ')[0]), [
    'You removed an authenticator app',
    'You added a security key or passkey',
    'You added an authenticator app',
    'You added a security key',
    'You updated your profile',
  ]);
  assert.match(lines[3]!, /^You added a security key — Safari on iOS, \d{4}-\d\d-\d\d \d\d:\d\d UTC IP address 203\.0\.113\.7$/);
  assert.match(lines[4]!, /^You updated your profile — Chrome on Linux, \d{4}-\d\d-\d\d \d\d:\d\d UTC IP address /);
  assert.ok(lines.some((l) => l.startsWith('You signed in — Chrome on Linux')), lines.join('\n'));

  const list = /<ul class="plain" id="activity">[\s\S]*?<\/ul>/.exec(page.body)![0];
  for (const name of ['policy.decision', 'backchannel', 'login.flow', 'mfa.', 'login.', 'session.', 'account.']) assert.ok(!list.includes(name), `no internal name "${name}" in the list`);
  assert.ok(!list.includes('Mozilla/5.0'), 'no User-Agent string');
  assert.ok(!lines.some((l) => /checked against|was told that you signed out/.test(l)), 'no bookkeeping lines');

  // The time is data for the browser's script: ISO in datetime, UTC as the text without it.
  const time = /<time datetime="([^"]+)" data-local-time data-today="today" data-yesterday="yesterday">([^<]+)<\/time>/.exec(list);
  assert.ok(time, 'a <time> the script rewrites');
  assert.equal(`${time[1]!.slice(0, 16).replace('T', ' ')} UTC`, time[2]);
  assert.match(page.body, /<script src="\/static\/local-time\.js" defer><\/script>/);
});

test('the list asks the store for the events it can say, so bookkeeping never crowds them out', async () => {
  const email = 'crowded@example.com';
  const user = await t.createUser(email, PASSWORD);
  const ua = new UserAgent();
  await openAccount(ua, t.issuer, email, PASSWORD);
  const { db, clock } = t.gh.deps;
  for (let i = 0; i < 30; i++) await audit(db, clock, { event: 'policy.decision', userId: user.id });
  const lines = activityLines((await ua.go(`${t.issuer}/account`)).body);
  assert.ok(lines.some((l) => l.startsWith('You signed in')), lines.join('\n'));
  assert.ok(!ACTIVITY_EVENTS.includes('policy.decision'));
});
