import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { enrollAdaThroughWizard, world, type World } from './e2e-support.ts';

/** The terminal authenticator's `remove` against the real Gatehouse: DELETE /devices/self, under the same rules as Account settings. */
let w: World;
let deviceId: string;
before(async () => {
  w = await world();
  ({ deviceId } = await enrollAdaThroughWizard(w));
});
after(async () => {
  await w.close();
});

const events = async () => (await w.t.gh.deps.db.selectFrom('audit_events').select(['event', 'details']).where('user_id', '=', w.userId).execute()).map((e) => ({ event: e.event, details: JSON.parse(e.details ?? '{}') as Record<string, unknown> }));

test('the last method while an app is Required: last_method_required, and the device stays here and there', async () => {
  const e = await w.a.fails(['remove'], 1, 'last_method_required');
  assert.match(e.message, /add another method in Account settings first/);
  assert.equal((await w.a.json(['list'])).length, 1);
  const row = await w.t.gh.deps.db.selectFrom('mfa_methods').select('status').where('id', '=', deviceId).executeTakeFirst();
  assert.equal(row?.status, 'active');
  assert.ok((await events()).some((x) => x.event === 'mfa.method.removal_refused' && x.details.by === 'device'));
});

test('with no policy keeping it, remove revokes the device on the server, which audits and emails it', async () => {
  await w.t.gh.deps.db.updateTable('clients').set({ policy: 'adaptive' }).execute();
  const r = await w.a.json(['remove']);
  assert.equal(r.server, 'revoked');
  assert.deepEqual(await w.a.json(['list']), []);
  assert.equal(await w.t.gh.deps.db.selectFrom('mfa_methods').select('id').where('id', '=', deviceId).executeTakeFirst(), undefined);
  const removed = (await events()).find((x) => x.event === 'mfa.method.removed');
  assert.deepEqual(removed?.details, { methodId: deviceId, type: 'push', name: "Ada's laptop", by: 'device', status: 'active' });
  const mail = await w.t.smtp.waitFor((m) => m.to.includes('ada@example.com') && /removed/.test(m.subject), 10_000);
  assert.match(mail.text, /Ada's laptop/);
});
