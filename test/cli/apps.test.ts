import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cliEnv, type CliEnv } from './harness.ts';

let cli: CliEnv;

before(async () => {
  // Most commands run through `main` in this process; those marked `cli.binary` run the real command.
  cli = await cliEnv({}, { inProcess: true });
});
after(async () => {
  await cli.cleanup();
});

test('app create prints the secret once; app list never does', async () => {
  const app = await cli.json([
    'app', 'create', '--name', 'Expense',
    '--redirect-uri', 'https://expense.example.com/cb', '--redirect-uri', 'http://localhost:4000/cb',
    '--post-logout-redirect-uri', 'https://expense.example.com/', '--backchannel-logout-uri', 'https://expense.example.com/bcl',
    '--first-party', '--policy', 'required',
  ]);
  assert.equal(typeof app.clientId, 'string');
  assert.ok(app.clientSecret.length >= 40, 'a 32-byte secret');
  assert.deepEqual(app.redirectUris, ['https://expense.example.com/cb', 'http://localhost:4000/cb']);
  assert.equal(app.policy, 'required');
  assert.equal(app.firstParty, true);
  assert.equal(app.public, false);

  const spa = await cli.json(['app', 'create', '--name', 'SPA', '--redirect-uri', 'http://127.0.0.1:5173/cb', '--public']);
  assert.equal(spa.public, true);
  assert.equal(spa.clientSecret, undefined, 'a public client has no secret');
  assert.equal(spa.policy, 'adaptive', 'the default policy');

  const human = await cli.binary(['app', 'create', '--name', 'Payroll', '--redirect-uri', 'https://payroll.example.com/cb']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /client_secret: \S{40,}/);

  const apps = await cli.json(['app', 'list']);
  assert.deepEqual(apps.map((a: { name: string }) => a.name), ['Expense', 'SPA', 'Payroll']);
  const expense = apps.find((a: { clientId: string }) => a.clientId === app.clientId);
  assert.equal(expense.backchannelLogoutUri, 'https://expense.example.com/bcl');
  assert.deepEqual(expense.postLogoutRedirectUris, ['https://expense.example.com/']);
  const listed = await cli.run(['app', 'list']);
  for (const output of [JSON.stringify(apps), listed.stdout]) {
    assert.ok(!output.includes(app.clientSecret), 'app list never shows a secret');
    assert.ok(!/secret/i.test(output));
  }
  assert.match(listed.stdout, new RegExp(`${app.clientId}\\s+Expense\\s+confidential, first-party\\s+required`));
});

test('api create and list', async () => {
  const api = await cli.json(['api', 'create', '--identifier', 'https://api.example.com/payroll', '--name', 'Payroll API', '--scope', 'salaries:read salaries:write', '--ttl', '300']);
  assert.deepEqual(api, { identifier: 'https://api.example.com/payroll', name: 'Payroll API', scopes: ['salaries:read', 'salaries:write'], accessTokenTtl: 300, createdAt: api.createdAt });
  const plain = await cli.json(['api', 'create', '--identifier', 'urn:example:directory', '--name', 'Directory']);
  assert.equal(plain.accessTokenTtl, 600);
  assert.deepEqual(plain.scopes, []);
  const apis = await cli.json(['api', 'list']);
  assert.deepEqual(apis.map((a: { identifier: string }) => a.identifier), ['https://api.example.com/payroll', 'urn:example:directory']);
  const dup = await cli.run(['api', 'create', '--identifier', 'urn:example:directory', '--name', 'Again']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);
});

test('org create and list', async () => {
  const org = await cli.json(['org', 'create', '--name', 'Acme']);
  assert.equal(org.name, 'Acme');
  const orgs = await cli.json(['org', 'list']);
  assert.deepEqual(orgs.map((o: { id: string; name: string }) => [o.id, o.name]), [[org.id, 'Acme']]);
  const dup = await cli.run(['org', 'create', '--name', 'Acme']);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /already exists/);
});

test('keys rotate and list show public facts only', async () => {
  const first = await cli.json(['keys', 'rotate']);
  const second = await cli.json(['keys', 'rotate']);
  assert.equal(second.previousKid, first.kid);
  // Newest first; an earlier test's `user disable` may have created the first key of this store.
  const keys = await cli.json(['keys', 'list']);
  assert.deepEqual(keys.slice(0, 2).map((k: { kid: string; status: string }) => [k.kid, k.status]), [[second.kid, 'active'], [first.kid, 'retired']]);
  assert.equal(keys.filter((k: { status: string }) => k.status === 'active').length, 1);
  assert.equal(keys[0].retiredAt, null);
  assert.equal(Date.parse(keys[1].publishedUntil) - Date.parse(keys[1].retiredAt), 24 * 3600 * 1000);
  for (const k of keys) assert.deepEqual(Object.keys(k).sort(), ['alg', 'createdAt', 'kid', 'publishedUntil', 'retiredAt', 'status']);

  const human = await cli.run(['keys', 'rotate']);
  assert.match(human.stdout, /next start/);
  assert.match(human.stdout, new RegExp(`previous key ${second.kid} stays published .* 24 h`));
});

test('help prints the usage of every command on stdout', async () => {
  for (const args of [['help'], ['--help'], ['user', 'create', '--help']]) {
    const r = await (args[0] === 'help' ? cli.binary : cli.run)(args);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /gatehouse user create --email E/);
  }
  const listed = await cli.json(['help', 'keys']);
  assert.deepEqual(listed.map((c: { command: string }) => c.command), ['keys rotate', 'keys list']);
  const all = await cli.run(['help']);
  for (const cmd of ['start', 'migrate', 'user list', 'user disable', 'app create', 'app list', 'api create', 'api list', 'org create', 'org list', 'keys rotate', 'keys list']) {
    assert.ok(all.stdout.includes(`gatehouse ${cmd}`), cmd);
  }
});
