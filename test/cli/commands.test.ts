import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cliEnv, type CliEnv } from './harness.ts';

let cli: CliEnv;

before(async () => {
  // Commands run through `main` in this process, except `--password-stdin` (input on stdin takes the real binary).
  cli = await cliEnv({}, { inProcess: true });
});
after(async () => {
  await cli.cleanup();
});

test('migrate applies the migrations once, then reports nothing to do', async () => {
  const first = await cli.json(['migrate']);
  assert.ok(first.applied.includes('0001_initial'));
  const again = await cli.json(['migrate']);
  assert.deepEqual(again, { applied: [] });
});

test('user create, list and disable', async () => {
  const created = await cli.json(['user', 'create', '--email', 'Ada@Example.com', '--password', 'correct horse battery staple', '--name', 'Ada Lovelace']);
  assert.equal(created.email, 'ada@example.com', 'stored in canonical form');
  assert.equal(created.name, 'Ada Lovelace');
  assert.equal(created.emailVerified, true);
  assert.equal(created.disabled, false);
  assert.equal(typeof created.id, 'string');

  // The password can come from stdin, out of shell history and `ps`.
  const r = await cli.run(['user', 'create', '--email', 'grace@example.com', '--password-stdin', '--json'], { input: 'cobol is still running\n' });
  assert.equal(r.code, 0, r.stderr);

  const users = await cli.json(['user', 'list']);
  assert.deepEqual(users.map((u: { email: string }) => u.email), ['ada@example.com', 'grace@example.com']);
  for (const u of users) assert.ok(!JSON.stringify(u).includes('argon2'), 'never the password hash');

  const disabled = await cli.json(['user', 'disable', '--email', 'grace@example.com']);
  assert.equal(disabled.disabled, true);
  const after = await cli.json(['user', 'list']);
  assert.equal(after.find((u: { email: string }) => u.email === 'grace@example.com').disabled, true);
  assert.equal(after.find((u: { email: string }) => u.email === 'ada@example.com').disabled, false);

  const human = await cli.run(['user', 'list']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /^EMAIL\s+NAME/m);
  assert.match(human.stdout, /grace@example\.com .*disabled/);
});
