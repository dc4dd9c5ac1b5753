import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

test('several accounts on several servers: --account chooses, two waiting requests are ambiguous', async () => {
  assert.equal((await a.json(['list'])).length, 2);
  const mine = api.startChallenge('ada@example.com');
  const theirs = other.startChallenge('zed@example.org', { app: 'Directory' });
  const both = await a.json(['pending']);
  assert.deepEqual(both.map((p: { id: string }) => p.id).sort(), [mine.id, theirs.id].sort());
  const ambiguous = await a.fails(['approve', '--code', theirs.number], 1, 'ambiguous');
  assert.match(ambiguous.message, /--challenge/);
  assert.equal((await a.json(['approve', '--code', theirs.number, '--account', 'ZED@example.org'])).status, 'approved');
  assert.equal((await a.json(['deny', '--account', ada])).status, 'denied');
  await a.fails(['approve', '--account', 'nobody@example.com', '--code', '11'], 1, 'no_account');
  assert.equal(other.devices.get(zed)?.status, 'active');
});
