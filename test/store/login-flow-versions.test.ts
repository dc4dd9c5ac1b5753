import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse } from '../helpers/gatehouse.ts';
import { deleteLoginFlow, FlowChanged, loadLoginFlow, saveLoginFlow, type LoginFlow } from '../../src/store/login-flows.ts';

// Decision 0025: a sign-in's step stores its flow only over the version it read, so two requests of
// one sign-in cannot undo each other's change. SQLite and PostgreSQL alike.
const t = await startTestGatehouse();
after(() => t.close());
const TTL = 60_000;

const fresh = (uid: string): LoginFlow => ({ uid, email: null, userId: null, step: 'email', amr: [], data: {} });

test('Two requests read one flow: the first save applies, the second is told the flow changed and stores nothing', async () => {
  const { db, clock } = t.gh.deps;
  await saveLoginFlow(db, clock, fresh('race-1'), TTL, { ifUnchanged: true });
  const a = (await loadLoginFlow(db, clock, 'race-1'))!;
  const b = (await loadLoginFlow(db, clock, 'race-1'))!;
  await saveLoginFlow(db, clock, { ...a, email: 'a@example.com', step: 'password' }, TTL, { ifUnchanged: true });
  await assert.rejects(saveLoginFlow(db, clock, { ...b, email: 'b@example.com', step: 'password' }, TTL, { ifUnchanged: true }), FlowChanged);
  assert.equal((await loadLoginFlow(db, clock, 'race-1'))!.email, 'a@example.com', 'the first change stands');
});

test('One request saves twice from copies of what it read: both apply (the copies share the version read)', async () => {
  const { db, clock } = t.gh.deps;
  await saveLoginFlow(db, clock, fresh('twice-1'), TTL);
  const flow = (await loadLoginFlow(db, clock, 'twice-1'))!;
  await saveLoginFlow(db, clock, { ...flow, data: { choice: 'push' } }, TTL, { ifUnchanged: true });
  await saveLoginFlow(db, clock, { ...flow, data: { choice: 'totp' } }, TTL, { ifUnchanged: true });
  assert.deepEqual((await loadLoginFlow(db, clock, 'twice-1'))!.data, { choice: 'totp' });
  await deleteLoginFlow(db, 'twice-1', { ifUnchanged: flow });
  assert.equal(await loadLoginFlow(db, clock, 'twice-1'), undefined);
});

test('A flow ended by another request ("Not you?") is neither stored again nor ended twice from a stale reading', async () => {
  const { db, clock } = t.gh.deps;
  await saveLoginFlow(db, clock, fresh('ended-1'), TTL);
  const stale = (await loadLoginFlow(db, clock, 'ended-1'))!;
  await deleteLoginFlow(db, 'ended-1');
  await assert.rejects(saveLoginFlow(db, clock, { ...stale, step: 'factors' }, TTL, { ifUnchanged: true }), FlowChanged);
  assert.equal(await loadLoginFlow(db, clock, 'ended-1'), undefined, 'not brought back');
  // Started again meanwhile: the stale reading cannot end the new flow either.
  await saveLoginFlow(db, clock, fresh('ended-1'), TTL);
  await assert.rejects(deleteLoginFlow(db, 'ended-1', { ifUnchanged: stale }), FlowChanged);
  assert.ok(await loadLoginFlow(db, clock, 'ended-1'), 'the new flow stays');
});

test('Saves without `ifUnchanged` (keys that are not a sign-in\'s) store whatever is there, and move the version on', async () => {
  const { db, clock } = t.gh.deps;
  const first = fresh('plain-1');
  await saveLoginFlow(db, clock, first, TTL);
  const read = (await loadLoginFlow(db, clock, 'plain-1'))!;
  await saveLoginFlow(db, clock, { ...fresh('plain-1'), step: 'wizard' }, TTL);
  await assert.rejects(saveLoginFlow(db, clock, { ...read, step: 'other' }, TTL, { ifUnchanged: true }), FlowChanged);
  assert.equal((await loadLoginFlow(db, clock, 'plain-1'))!.step, 'wizard');
});

test('A step that stores what it read writes nothing, so parallel ones (the same wrong code sent twice) do not conflict', async () => {
  const { db, clock } = t.gh.deps;
  await saveLoginFlow(db, clock, { ...fresh('same-1'), data: { choice: 'totp', challenge: {} } }, TTL);
  const a = (await loadLoginFlow(db, clock, 'same-1'))!;
  const b = (await loadLoginFlow(db, clock, 'same-1'))!;
  const version = a.stored!.version;
  await saveLoginFlow(db, clock, { ...a, data: { ...a.data, choice: 'totp', challenge: {} } }, TTL, { ifUnchanged: true });
  await saveLoginFlow(db, clock, { ...b, data: { ...b.data, choice: 'totp', challenge: {} } }, TTL, { ifUnchanged: true });
  assert.equal((await loadLoginFlow(db, clock, 'same-1'))!.stored!.version, version, 'nothing was written');
  // A change after a no-op save still applies over the version read.
  await saveLoginFlow(db, clock, { ...a, data: { choice: 'push' } }, TTL, { ifUnchanged: true });
  await assert.rejects(saveLoginFlow(db, clock, { ...b, data: { choice: 'recovery' } }, TTL, { ifUnchanged: true }), FlowChanged);
});
