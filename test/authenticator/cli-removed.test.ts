import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ContractServer } from './contract-server.ts';
import { adaAndZed, type AuthenticatorCli } from './cli.ts';

let api: ContractServer;
let other: ContractServer;
let a: AuthenticatorCli;
let ada: string;
let zed: string;
let close: () => Promise<void>;

before(async () => {
  ({ api, other, a, ada, zed, close } = await adaAndZed());
});
after(() => close());

test('a device removed on the server gets device_unknown with what to do; remove forgets it here', async () => {
  other.removeDevice(zed);
  const gone = await a.fails(['pending', '--account', zed], 1, 'device_unknown');
  assert.match(gone.message, /zed@example\.org .* removed in Account settings.*gatehouse authenticator remove --account/);
  // Asked about every account, the removed one is a note and the other still answers.
  const ch = api.startChallenge('ada@example.com');
  const r = await a.run(['pending', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout)[0].id, ch.id);
  assert.match(r.stderr, /zed@example\.org/);
  await a.json(['deny']);

  await a.fails(['remove'], 1, 'ambiguous');
  const removed = await a.run(['remove', '--account', zed]);
  assert.equal(removed.code, 0, removed.stderr);
  // Asked, the server no longer knew the device: nothing is left to revoke, so it is forgotten here.
  assert.match(removed.stdout, /no longer knew "Terminal on [^"]+" \(it was removed there already\)/);
  assert.match(removed.stdout, /Forgot zed@example\.org at http:\/\/localhost:\d+ on this machine/);
  assert.ok(!existsSync(join(a.home, 'keys', `${zed}.json`)), 'the key file is gone');
  assert.deepEqual((await a.json(['list'])).map((x: { email: string }) => x.email), ['ada@example.com']);
});
