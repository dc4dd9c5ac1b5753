import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startContractServer, type ContractServer } from './contract-server.ts';
import { authenticatorCli } from './cli.ts';

let api: ContractServer;

before(async () => {
  api = await startContractServer();
});
after(async () => {
  await api.close();
});

test('a passphrase from the environment seals the key; without it, or wrong, nothing is signed', async () => {
  const c = await authenticatorCli();
  const pass = { GATEHOUSE_AUTHENTICATOR_PASSPHRASE: 'correct horse battery staple' };
  try {
    const d = await c.json(['enroll', api.link('cy@example.com')], pass);
    const file = readFileSync(join(c.home, 'keys', `${d.deviceId}.json`), 'utf8');
    assert.match(file, /"encrypted": true/);
    assert.ok(!file.includes(api.devices.get(d.deviceId)!.totpSecret));
    const ch = api.startChallenge('cy@example.com', { kind: 'enroll' });
    const none = await c.fails(['approve', '--code', ch.number], 1, 'wrong_passphrase');
    assert.match(none.message, /GATEHOUSE_AUTHENTICATOR_PASSPHRASE/);
    await c.fails(['approve', '--code', ch.number], 1, 'wrong_passphrase', { GATEHOUSE_AUTHENTICATOR_PASSPHRASE: 'correct horse battery stapler' });
    await c.fails(['codes'], 1, 'wrong_passphrase', { GATEHOUSE_AUTHENTICATOR_PASSPHRASE: 'nope' });
    assert.equal(api.answers.length, 0, 'no answer reached the server');
    assert.equal((await c.json(['approve', '--code', ch.number], pass)).status, 'approved');
    assert.equal((await c.json(['codes'], pass))[0].code.length, 6);
    assert.equal((await c.json(['list']))[0].passphrase, true);
  } finally {
    await c.cleanup();
  }
});
