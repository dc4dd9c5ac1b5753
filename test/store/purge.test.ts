import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { FakeClock } from '../helpers/mfa.ts';
import { purgeExpired } from '../../src/store/purge.ts';
import { saveLoginFlow } from '../../src/store/login-flows.ts';
import { incrementCounter } from '../../src/store/counters.ts';

const clock = new FakeClock();
const t = await startTestGatehouse({}, { clock });
after(() => t.close());

test('the periodic purge removes expired sign-in flows, counters and password budgets, and keeps live ones', async () => {
  const { db } = t.gh.deps;
  const flow = (uid: string) => ({ uid, email: null, userId: null, step: 'email', amr: [], data: {} });
  await saveLoginFlow(db, clock, flow('abandoned'), 1_000);
  await saveLoginFlow(db, clock, flow('in-progress'), 3_600_000);
  await incrementCounter(db, clock, 'old', 1_000);
  await incrementCounter(db, clock, 'live', 3_600_000);
  await db.insertInto('password_attempts').values([
    { scope: 'account', subject: 'gone@example.com', failures: 3, next_allowed_at: 0, expires_at: clock.now() + 1_000 },
    { scope: 'account', subject: 'live@example.com', failures: 3, next_allowed_at: 0, expires_at: clock.now() + 3_600_000 },
  ]).execute();

  clock.advance(60_000);
  await purgeExpired(db, clock);

  assert.deepEqual((await db.selectFrom('login_flows').select('uid').where('uid', 'in', ['abandoned', 'in-progress']).execute()).map((r) => r.uid), ['in-progress']);
  assert.deepEqual((await db.selectFrom('counters').select('key').where('key', 'in', ['old', 'live']).execute()).map((r) => r.key), ['live']);
  assert.deepEqual((await db.selectFrom('password_attempts').select('subject').execute()).map((r) => r.subject), ['live@example.com']);
});
