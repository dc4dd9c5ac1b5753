import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { reservePasswordAttempt } from '../../src/security/password-attempts.ts';

// Found by the bench on PostgreSQL: people behind one address signing in at the same moment were
// refused (HTTP 429) with the address's budget nowhere near spent. A free failure set the budget's
// "next allowed" to the request's own clock, so a parallel request that had read the clock a moment
// earlier, but ran its statement later, found itself "too early".
const t = await startTestGatehouse();
after(() => t.close());

test('a request that read the clock earlier but counts later is not refused while the budgets are free', async () => {
  const { db, config, clock } = t.gh.deps;
  const now = clock.now();
  const at = (ms: number) => ({ db, config, clock: { now: () => ms } });
  const later = await reservePasswordAttempt(at(now + 5), { email: 'a@example.com', ip: '192.0.2.7' });
  assert.equal(later.ok, true);
  const earlier = await reservePasswordAttempt(at(now + 1), { email: 'b@example.com', ip: '192.0.2.7' });
  assert.deepEqual(earlier.ok ? 'ok' : earlier.refusedBy, 'ok', 'the shared address has 49 free failures left');
  const sameAccount = await reservePasswordAttempt(at(now), { email: 'a@example.com', ip: '192.0.2.8' });
  assert.deepEqual(sameAccount.ok ? 'ok' : sameAccount.refusedBy, 'ok', 'the account has 9 free failures left');
});
