import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { activateMethod, findUserWithActiveMethods, insertPendingMethod, listActiveMethods } from '../../src/methods/records.ts';
import { findUserById } from '../../src/store/users.ts';
import { FakeClock } from '../helpers/mfa.ts';

const clock = new FakeClock();
const t = await startTestGatehouse({}, { clock });
after(() => t.close());

test('the gate reads a person and their active methods in one statement, exactly as the two reads apart give them', async () => {
  const { db, random } = t.gh.deps;
  const { id } = await t.createUser('joined@example.com', 'correct horse battery staple');
  const same = async () => assert.deepEqual(await findUserWithActiveMethods(db, id), { user: await findUserById(db, id), methods: await listActiveMethods(db, id) });

  await same(); // no method at all
  const first = await insertPendingMethod(db, clock, random, { userId: id, type: 'totp', name: 'Phone app', secret: 'sealed', data: { digits: 6 } });
  await same(); // a pending method is not active
  assert.ok(await activateMethod(db, clock, id, first));
  clock.advance(1000);
  const second = await insertPendingMethod(db, clock, random, { userId: id, type: 'webauthn', name: 'Key', credentialId: 'cred-1', data: { publicKey: 'x' } });
  assert.ok(await activateMethod(db, clock, id, second));
  await same(); // two, oldest first
  const found = await findUserWithActiveMethods(db, id);
  assert.deepEqual(found?.methods.map((m) => m.id), [first, second]);
  assert.ok(!('secret' in (found?.methods[0] ?? {})), 'the sealed secret is never copied out');
  assert.equal(await findUserWithActiveMethods(db, 'nobody'), undefined);
});
