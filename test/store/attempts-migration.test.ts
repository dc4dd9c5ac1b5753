import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import * as m0003 from '../../src/store/migrations/0003_attempts_per_kind.ts';
import { failureCount, reserveAttempt } from '../../src/security/attempts.ts';

const t = await startTestGatehouse();
after(() => t.close());

test('0003: a running count of the old shared "factor" scope carries over to the authenticator app, in SQLite and PostgreSQL alike', async () => {
  const { db, clock } = t.gh.deps;
  const { id } = await t.createUser('migrated@example.com', 'correct horse battery staple');
  await db.insertInto('mfa_attempts').values([
    { user_id: id, scope: 'factor', consecutive_failures: 100, next_allowed_at: 0 },
    { user_id: id, scope: 'recovery', consecutive_failures: 2, next_allowed_at: 0 },
  ]).execute();
  await m0003.up(db);
  assert.equal(await failureCount(db, id, 'totp'), 100);
  assert.equal(await failureCount(db, id, 'recovery'), 2);
  const rows = await db.selectFrom('mfa_attempts').select('scope').where('user_id', '=', id).orderBy('scope').execute();
  assert.deepEqual(rows.map((r) => r.scope), ['recovery', 'totp']);
  // Still locked (until another proof), and the key starts afresh.
  assert.deepEqual(await reserveAttempt(db, clock, id, 'totp'), { ok: false, locked: true, retryAfterMs: Infinity });
  assert.deepEqual(await reserveAttempt(db, clock, id, 'webauthn', '192.0.2.1'), { ok: true, failuresBefore: 0 });

  await m0003.down(db);
  const back = await db.selectFrom('mfa_attempts').select(['scope', 'consecutive_failures']).where('user_id', '=', id).orderBy('scope').execute();
  assert.deepEqual(back.map((r) => [r.scope, Number(r.consecutive_failures)]), [['factor', 100], ['recovery', 2]]);
});
