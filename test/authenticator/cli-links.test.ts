import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
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

test('a used, an expired or a mangled link is refused with its code, and leaves no key behind', async () => {
  const b = await authenticatorCli();
  try {
    const link = api.link('bob@example.com');
    await b.json(['enroll', link]);
    const used = await b.fails(['enroll', link], 1, 'enrollment_link_used');
    assert.match(used.message, /already used/);
    await b.fails(['enroll', api.link('bob@example.com', { expired: true })], 1, 'enrollment_link_expired');
    await b.fails(['enroll', `${api.issuer}/authenticator/#enroll=${'A'.repeat(43)}`], 1, 'enrollment_link_invalid');
    await b.fails(['enroll', 'https://example.com/somewhere'], 1, 'enrollment_link_invalid');
    await b.fails(['enroll', link.replace('http://localhost', 'http://example.com')], 1, 'enrollment_link_invalid');
    assert.equal(readdirSync(join(b.home, 'keys')).length, 1, 'only the one good enrollment has a key file');
    assert.equal((await b.json(['list'])).length, 1);
  } finally {
    await b.cleanup();
  }
});
