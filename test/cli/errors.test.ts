import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cliEnv, stackFrames, type CliEnv } from './harness.ts';

let cli: CliEnv;

before(async () => {
  // Most commands run through `main` in this process; those marked `cli.binary` run the real command.
  cli = await cliEnv({}, { inProcess: true });
});
after(async () => {
  await cli.cleanup();
});

/** Runs a command that must fail with `code`, a one-line reason on stderr, nothing on stdout and no stack trace. */
async function fails(args: string[], code: number, reason: RegExp, env?: Record<string, string>, run: CliEnv['run'] = cli.run) {
  const r = await run(args, { env });
  assert.equal(r.code, code, `gatehouse ${args.join(' ')}: exit ${r.code}, stderr: ${r.stderr}`);
  assert.match(r.stderr, reason);
  assert.equal(r.stdout, '', 'errors never go to stdout');
  assert.deepEqual(stackFrames(r.stderr), [], 'no stack trace');
  return r;
}

test('bad arguments exit 2 with a message and the usage line', async () => {
  await fails([], 2, /Usage:/);
  await fails(['frobnicate'], 2, /unknown command "frobnicate"/, undefined, cli.binary);
  await fails(['user'], 2, /"user" needs a subcommand[\s\S]*gatehouse user create/);
  await fails(['user', 'remove'], 2, /unknown command "user remove"/);
  const r = await fails(['user', 'create', '--emial', 'a@example.com'], 2, /unknown option --emial/);
  assert.match(r.stderr, /Usage:\n {2}gatehouse user create --email E/);
  await fails(['user', 'create', '--password', 'correct horse battery staple'], 2, /missing required option --email/);
  await fails(['user', 'create', '--email'], 2, /option --email needs a value/);
  await fails(['user', 'create', '--email', 'not-an-email', '--password', 'correct horse battery staple'], 2, /not a valid email address/);
  await fails(['user', 'create', '--email', 'a@example.com', '--password', 'short'], 2, /password refused: Use at least 8 characters/);
  await fails(['user', 'list', 'extra'], 2, /unexpected argument "extra"/);
  await fails(['app', 'create', '--name', 'X'], 2, /missing required option --redirect-uri/);
  await fails(['app', 'create', '--name', 'X', '--redirect-uri', 'https://x.example/cb', '--policy', 'strict'], 2, /--policy must be one of bypass, adaptive, required, got "strict"/);
  await fails(['app', 'create', '--name', 'X', '--redirect-uri', 'https://x.example/cb', '--public=yes'], 2, /option --public takes no value/);
  await fails(['api', 'create', '--identifier', 'https://api.example.com', '--name', 'A', '--ttl', '10m'], 2, /--ttl must be a whole number/);
  await fails(['api', 'create', '--identifier', 'payroll', '--name', 'A'], 2, /--identifier must be an absolute URI/);
});

test('redirect URIs must be absolute http(s) URLs without a fragment; https outside localhost in production', async () => {
  const create = (uri: string, flag = '--redirect-uri') => ['app', 'create', '--name', 'X', '--redirect-uri', flag === '--redirect-uri' ? uri : 'https://x.example/cb', ...(flag === '--redirect-uri' ? [] : [flag, uri])];
  await fails(create('/callback'), 2, /--redirect-uri must be an absolute URL, got "\/callback"/);
  await fails(create('javascript:alert(1)'), 2, /--redirect-uri must be an http or https URL/);
  await fails(create('https://x.example/cb#frag'), 2, /--redirect-uri must not contain a fragment/);
  await fails(create('https://x.example/#', '--post-logout-redirect-uri'), 2, /--post-logout-redirect-uri must not contain a fragment/);
  await fails(create('ftp://x.example/bcl', '--backchannel-logout-uri'), 2, /--backchannel-logout-uri must be an http or https URL/);

  const production = { NODE_ENV: 'production', GATEHOUSE_SMTP_URL: 'smtp://127.0.0.1:25' };
  await fails(create('http://app.example.com/cb'), 2, /--redirect-uri must use https in production/, production);
  // Loopback stays allowed over http (native apps, RFC 8252 §7.3), and nothing was created by the refusals.
  const ok = await cli.run([...create('http://127.0.0.1:8080/cb'), '--json'], { env: production });
  assert.equal(ok.code, 0, ok.stderr);
  const apps = await cli.json(['app', 'list']);
  assert.deepEqual(apps.map((a: { redirectUris: string[] }) => a.redirectUris), [['http://127.0.0.1:8080/cb']]);
});

test('failures exit 1: duplicate email, unknown user, unreachable database', async () => {
  await cli.json(['user', 'create', '--email', 'ada@example.com', '--password', 'correct horse battery staple']);
  await fails(['user', 'create', '--email', 'ADA@example.com', '--password', 'another fine passphrase'], 1, /a user with email ada@example\.com already exists/);
  await fails(['user', 'disable', '--email', 'nobody@example.com'], 1, /no user with email nobody@example\.com/);
  // An unreachable database is a failure with a hint, not a stack trace (nothing listens on port 1).
  await fails(['user', 'list'], 1, /failed: .*ECONNREFUSED.*check DATABASE_URL/, { DATABASE_URL: 'postgres://gatehouse@127.0.0.1:1/gatehouse' }, cli.binary);
});

test('bad configuration exits 2 with the ConfigError message', async () => {
  await fails(['user', 'list'], 2, /configuration error: GATEHOUSE_SECRET_KEY must be 32 bytes/, { GATEHOUSE_SECRET_KEY: 'too-short' }, cli.binary);
  await fails(['migrate'], 2, /configuration error: DATABASE_URL must be a postgres:\/\/ URL/, { DATABASE_URL: 'mysql://db/gatehouse' });
  await fails(['org', 'list'], 2, /configuration error: PORT must be a whole number/, { PORT: 'eighty' });
});

test('with --json, errors are one JSON object on stderr and stdout stays empty', async () => {
  const r = await fails(['app', 'create', '--json', '--name', 'X', '--redirect-uri', 'nope'], 2, /^\{/);
  assert.deepEqual(JSON.parse(r.stderr.trim().split('\n').at(-1)!), { error: { code: 'invalid_value', message: '--redirect-uri must be an absolute URL, got "nope"' } });
  const dup = await fails(['--json', 'user', 'disable', '--email', 'ghost@example.com'], 1, /"code":"not_found"/);
  assert.ok(dup.stderr.includes('"error"'));
  const config = await fails(['user', 'list', '--json'], 2, /"code":"config"/, { GATEHOUSE_SECRET_KEY: 'x' }, cli.binary);
  assert.ok(config.stderr.includes('GATEHOUSE_SECRET_KEY'));
});
