import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startContractServer, type ContractServer } from './contract-server.ts';
import { authenticatorCli, type AuthenticatorCli } from './cli.ts';

let api: ContractServer;
let a: AuthenticatorCli;
let ada: string;

before(async () => {
  [api, a] = await Promise.all([startContractServer(), authenticatorCli()]);
  ada = (await a.json(['enroll', api.link('ada@example.com', { name: 'Ada' })])).deviceId;
});
after(async () => {
  await a.cleanup();
  await api.close();
});

test('pending --wait ends as soon as a request starts; with none it ends after the wait, empty', async () => {
  api.startChallengeLater('ada@example.com', 1500);
  const t0 = Date.now();
  const found = await a.json(['pending', '--wait', '60']);
  assert.equal(found.length, 1);
  assert.equal(found[0].app, 'Payroll');
  assert.ok(Date.now() - t0 < 30_000, `ended after ${Date.now() - t0} ms`);
  await a.json(['deny', '--challenge', found[0].id]);

  const t1 = Date.now();
  assert.deepEqual(await a.json(['pending', '--wait', '2']), []);
  assert.ok(Date.now() - t1 >= 2000, 'it did wait');
  await a.fails(['pending', '--wait', 'soon'], 2, 'invalid_value');
});
