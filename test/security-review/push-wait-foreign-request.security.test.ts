import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock } from '../helpers/mfa.ts';
import { atApp, pushPage, gatehouseWithPayroll, type PayrollWorld } from '../push/support.ts';

// Breaker review of 8c5a495 / c0322dd: the push page's stream names its request (?request=<id>).
const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;
const cb = 'http://127.0.0.1:9/payroll/cb';
let personWithDevice: PayrollWorld['personWithDevice'];

before(async () => {
  ({ t, payroll, personWithDevice } = await gatehouseWithPayroll(clock, cb));
});
after(async () => {
  await t.close();
});

const waitUrlOf = (body: string) => {
  const m = /data-push-wait="([^"]*)"/.exec(body);
  assert.ok(m && m[1], 'no wait url');
  return m[1]!.replace(/&amp;/g, '&');
};

/** The first event of a stream (or 'open' when nothing comes within ms). */
async function firstEvent(ua: UserAgent, url: string, ms = 1500): Promise<string> {
  const res = await ua.fetch(new URL(url, t.issuer).href);
  if (res.status !== 200) return `http ${res.status}`;
  const reader = res.body!.getReader();
  let text = '';
  const timer = setTimeout(() => void reader.cancel().catch(() => {}), ms);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
      const m = /event: (\w+)\ndata: ([^\n]*)\n\n/.exec(text);
      if (m) return `${m[1]} ${m[2]}`;
    }
  } catch {}
  finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => {});
  }
  return 'open';
}

test('A page cannot follow another sign-in\'s request (another person\'s, pending then approved), nor continue on it', async () => {
  const a = await personWithDevice('a');
  const b = await personWithDevice('b');
  const uaA = new UserAgent();
  const uaB = new UserAgent();
  await pushPage(uaA, payroll, cb, a.email);
  const waitA = waitUrlOf(uaA.lastBody);
  const { number: numberB } = await pushPage(uaB, payroll, cb, b.email);
  const waitB = waitUrlOf(uaB.lastBody);
  const idB = new URL(waitB, t.issuer).searchParams.get('request')!;
  const foreign = waitA.replace(/request=[^&]*/, `request=${encodeURIComponent(idB)}`);
  assert.equal(await firstEvent(uaA, foreign), 'changed {"status":"unknown"}', 'pending foreign request');
  assert.equal(await firstEvent(uaA, waitA.replace(/request=[^&]*/, 'request=nonexistent')), 'changed {"status":"unknown"}', 'no such request');
  const cB = await b.device.nextChallenge();
  assert.equal((await b.device.answer(cB.id, 'approve', numberB)).status, 200);
  assert.equal(await firstEvent(uaA, foreign), 'changed {"status":"unknown"}', 'approved foreign request');
  // A's browser continues: its own request is still pending.
  const r = await uaA.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(!atApp(cb)(r.url), 'A signed in on B\'s approval');
  // B's own page is told.
  assert.equal(await firstEvent(uaB, waitB), 'answered {"status":"approved"}');
});

test('A page cannot follow an enrollment (wizard) request of its person, nor another interaction of the same person', async () => {
  const a = await personWithDevice('c');
  const ua1 = new UserAgent();
  const ua2 = new UserAgent();
  await pushPage(ua1, payroll, cb, a.email);
  const wait1 = waitUrlOf(ua1.lastBody);
  const enroll = await t.gh.deps.db.selectFrom('push_challenges').select(['id']).where('user_id', '=', a.user.id).where('kind', '=', 'enroll').executeTakeFirstOrThrow();
  assert.equal(await firstEvent(ua1, wait1.replace(/request=[^&]*/, `request=${enroll.id}`)), 'changed {"status":"unknown"}');
  // ua2 starts a sign-in of the same person: the pending request is re-used/replaced; ua1 cannot follow ua2's.
  await ua2.go(ua2.lastUrl || t.issuer);
  const p2 = await pushPage(ua2, payroll, cb, a.email).catch(() => undefined);
  if (p2) {
    const id2 = new URL(waitUrlOf(ua2.lastBody), t.issuer).searchParams.get('request')!;
    const own1 = new URL(wait1, t.issuer).searchParams.get('request')!;
    if (id2 !== own1) assert.equal(await firstEvent(ua1, wait1.replace(/request=[^&]*/, `request=${id2}`)), 'changed {"status":"unknown"}');
  }
  // A different interaction's uid in the path (with this browser's cookie) is refused outright.
  const other = wait1.replace(/\/interaction\/[^/]+\//, '/interaction/someoneelsesuid/');
  assert.match(await firstEvent(ua1, other), /^http 4/);
});
