import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startContractServer, type ContractServer } from './contract-server.ts';
import { authenticatorCli, type AuthenticatorCli } from './cli.ts';

// `remove` revokes the device on the server (DELETE /devices/self) before forgetting it here, and a
// clock that is off is said as such (clock_skew), not as a removed device.
let api: ContractServer;
let a: AuthenticatorCli;

before(async () => {
  [api, a] = await Promise.all([startContractServer(), authenticatorCli()]);
});
after(async () => {
  await a.cleanup();
  await api.close();
});

const enroll = async (email: string) => (await a.json(['enroll', api.link(email)])).deviceId as string;

test('remove asks the server to revoke the device, then forgets it here', async () => {
  const id = await enroll('rev@example.com');
  const r = await a.json(['remove', '--account', id]);
  assert.equal(r.server, 'revoked');
  assert.equal(r.revokedOnServer, true);
  assert.equal(api.devices.get(id)?.removed, true, 'the server no longer accepts it');
  assert.ok(!existsSync(join(a.home, 'keys', `${id}.json`)), 'the key file is gone');
  assert.ok(!(await a.json(['list'])).some((x: { deviceId: string }) => x.deviceId === id));
});

test('a device a policy keeps stays, here and there: last_method_required, nothing forgotten', async () => {
  const id = await enroll('kept@example.com');
  api.keepDevice(id);
  const e = await a.fails(['remove', '--account', id], 1, 'last_method_required');
  assert.match(e.message, /last two-step verification method a policy allows/);
  assert.equal(api.devices.get(id)?.removed, false);
  assert.ok(existsSync(join(a.home, 'keys', `${id}.json`)), 'the key is kept: the device still works');
  // --local-only forgets it here without asking the server, as before DELETE /devices/self existed.
  const r = await a.json(['remove', '--account', id, '--local-only']);
  assert.deepEqual([r.server, r.revokedOnServer], ['kept', false]);
  assert.equal(api.devices.get(id)?.removed, false);
});

test("a clock that is off is told as such, with how far and which way, not as a removed device", async () => {
  const id = await enroll('clock@example.com');
  api.clockOffsetMs = -10 * 60_000;
  try {
    const e = await a.fails(['pending', '--account', id], 1, 'clock_skew');
    assert.match(e.message, /this machine's clock is 10 min fast compared with the server's/);
    assert.match(e.message, /set the clock right/);
    assert.doesNotMatch(e.message, /removed/);
    const human = await a.run(['pending', '--account', id]);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /clock is 10 min fast/);
    // And remove does not forget an account it could not revoke.
    await a.fails(['remove', '--account', id], 1, 'clock_skew');
    assert.ok(existsSync(join(a.home, 'keys', `${id}.json`)));
  } finally {
    api.clockOffsetMs = 0;
  }
  assert.deepEqual(await a.json(['pending', '--account', id]), []);
});
