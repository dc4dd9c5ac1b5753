import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock, interactionUid, passwordStep } from '../helpers/mfa.ts';
import { PASSWORD, atApp, gatehouseWithPayroll, pushPage, type PayrollWorld } from './support.ts';
import { loadLoginFlow } from '../../src/store/login-flows.ts';
import { ceremonyContext } from '../../src/http/ceremony-context.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { findUserById } from '../../src/store/users.ts';
import { verifySecondFactor } from '../../src/flows/second-factor.ts';

// Decision 0021: the browser taking up a push approval guesses at nothing, so it is checked before it
// is counted, and counted only when it fails. A flood of Continues with no approval behind them is
// still counted per source and slowed; the owner's real approval is taken up all the same, even from
// the same address while that budget waits; and a sign-in by approval leaves no count behind.
const clock = new FakeClock();
const cb = 'http://127.0.0.1:9/payroll/cb';
let world: PayrollWorld;
let t: TestGatehouse;
let rp: client.Configuration;

before(async () => {
  world = await gatehouseWithPayroll(clock, cb);
  ({ t, payroll: rp } = world);
});
after(() => t.close());

/** Deps on a store of their own that notes the kind and table of each statement built on it. */
function recorder() {
  const seen: string[] = [];
  const name = (n: { table?: { identifier?: { name?: string } } } | undefined) => n?.table?.identifier?.name ?? '';
  const db = t.gh.deps.db.withPlugin({
    transformQuery: ({ node }) => {
      const q = node as unknown as { kind: string; into?: Parameters<typeof name>[0]; table?: Parameters<typeof name>[0]; from?: { froms: Parameters<typeof name>[0][] } };
      seen.push(`${q.kind} ${name(q.into ?? q.table ?? q.from?.froms[0])}`);
      return node;
    },
    transformResult: async ({ result }) => result,
  });
  return { seen, deps: { ...t.gh.deps, db } };
}

const attempts = (userId: string) => t.gh.deps.db.selectFrom('mfa_attempts').select(['scope', 'consecutive_failures']).where('user_id', '=', userId).execute();

test("Continues with no approval behind them are counted and slowed, and the owner's approval is taken up all the same", async () => {
  const { email, user, device } = await world.personWithDevice('checked-first-');

  // The owner signs in: their request is pending on the phone.
  const owner = new UserAgent();
  const { number } = await pushPage(owner, rp, cb, email);
  // Someone with the password, from the same address: their page can send no request (the person's one
  // slot is the owner's), and their Continue has no approval to take up. Each one fails and counts.
  const attacker = new UserAgent();
  await passwordStep(attacker, rp, cb, email, PASSWORD);
  assert.ok(!attacker.lastBody.includes('data-testid="push-number"'), 'the second sign-in got a request of its own');
  const statuses: number[] = [];
  for (let n = 0; n < 12; n++) statuses.push((await attacker.submit('/mfa', { method: 'push' })).status);
  assert.deepEqual(statuses, [...Array(10).fill(400), 429, 429], 'ten free failures, then the wait the tenth started');
  assert.deepEqual(await attempts(user.id), [{ scope: 'push_approval@127.0.0.1', consecutive_failures: 10 }]);
  const throttled = await t.gh.deps.db.selectFrom('audit_events').select('details').where('user_id', '=', user.id).where('event', '=', 'mfa.throttled').execute();
  assert.equal(throttled.length, 2);

  // The owner's phone approves; their Continue, from that same address while its budget waits, goes through.
  const c = await device.nextChallenge();
  assert.equal((await device.answer(c.id, 'approve', number)).status, 200);
  const done = await owner.submit('/mfa', { method: 'push' }, atApp(cb));
  assert.ok(atApp(cb)(done.url), `the owner's approval was refused (${done.status})`);
  // Their success cleared every count, the flood's included.
  assert.deepEqual(await attempts(user.id), []);
});

test('taking up an approval writes no attempt count, where a code answer is counted up front', async () => {
  const { email, user, device } = await world.personWithDevice('no-count-');
  clock.advance(60_000);

  const ua = new UserAgent();
  const { number } = await pushPage(ua, rp, cb, email);
  const c = await device.nextChallenge();
  assert.equal((await device.answer(c.id, 'approve', number)).status, 200);
  // The check the Continue runs, on a store of its own that records every statement it builds (the
  // precompiled ones are built once per store, so a fresh one sees each of them).
  const flow = (await loadLoginFlow(t.gh.deps.db, clock, interactionUid(ua.lastUrl)))!;
  const methods = await listActiveMethods(t.gh.deps.db, user.id);
  const person = (await findUserById(t.gh.deps.db, user.id))!;
  const where = { ip: '127.0.0.1' };
  const approval = recorder();
  const r = await verifySecondFactor(ceremonyContext(approval.deps), person, 'push', { approval: true }, flow.data.challenge as Record<string, unknown>, where, methods);
  assert.equal(r.ok, true);
  assert.ok(approval.seen.includes('UpdateQueryNode push_challenges'), `the approval was not taken up: ${approval.seen.join(', ')}`);
  assert.ok(!approval.seen.includes('InsertQueryNode mfa_attempts'), `an attempt was counted: ${approval.seen.join(', ')}`);
  // A code typed instead is still counted before it is checked.
  const code = recorder();
  await verifySecondFactor(ceremonyContext(code.deps), person, 'push', { code: '000000' }, {}, where, methods);
  assert.equal(code.seen[0], 'InsertQueryNode mfa_attempts');
  assert.deepEqual(await attempts(user.id), [{ scope: 'push', consecutive_failures: 1 }]);
});
