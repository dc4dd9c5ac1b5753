import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cliEnv, runInProcess, stackFrames, type CliEnv } from '../cli/harness.ts';
import { startTestDns, type TestDns } from '../helpers/dns-server.ts';

let dns: TestDns;
let cli: CliEnv;

/** Commands run in this process (see runInProcess); the first test runs the real binary. */
const run = (args: string[], env?: Record<string, string>) => runInProcess(cli, args, env);
async function json(args: string[]) {
  const r = await run([...args, '--json']);
  assert.equal(r.code, 0, `gatehouse ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

before(async () => {
  dns = await startTestDns();
  cli = await cliEnv({ GATEHOUSE_DNS_SERVERS: dns.address });
  await json(['org', 'create', '--name', 'Acme']);
  await json(['org', 'create', '--name', 'Mallory Inc']);
});
after(async () => {
  await cli.cleanup();
  await dns.close();
});

test('a claimed domain is verified by its TXT record, looked up on the configured resolver', async () => {
  const claim = await cli.json(['org', 'domain', 'add', '--org', 'Acme', '--domain', 'Acme.Test.']);
  assert.equal(claim.domain, 'acme.test', 'canonical: lower case, no trailing dot');
  assert.equal(claim.verified, false);
  assert.deepEqual(Object.keys(claim.record), ['name', 'type', 'value']);
  assert.equal(claim.record.name, '_gatehouse-challenge.acme.test');
  assert.match(claim.record.value, /^gatehouse-domain-verification=[\w-]{20,}$/);

  // Nothing published yet: a clear error, nothing verified.
  const missing = await cli.run(['org', 'domain', 'verify', '--org', 'Acme', '--domain', 'acme.test']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /_gatehouse-challenge\.acme\.test does not exist yet/);
  assert.deepEqual(stackFrames(missing.stderr), []);
  assert.ok(dns.queries.includes('_gatehouse-challenge.acme.test'), 'asked our DNS server, not the system resolver');

  // A record with another value does not count.
  dns.txt.set('_gatehouse-challenge.acme.test', [['gatehouse-domain-verification=somebody-else']]);
  const wrong = await run(['org', 'domain', 'verify', '--org', 'Acme', '--domain', 'acme.test', '--json']);
  assert.equal(wrong.code, 1);
  assert.equal(JSON.parse(wrong.stderr).error.code, 'conflict');
  assert.match(JSON.parse(wrong.stderr).error.message, /no TXT record with the expected value/);

  // The right value, split into two character-strings as some DNS hosts publish long records.
  const v = claim.record.value as string;
  dns.txt.set('_gatehouse-challenge.acme.test', [['v=spf1 -all'], [v.slice(0, 20), v.slice(20)]]);
  const ok = await json(['org', 'domain', 'verify', '--org', 'Acme', '--domain', 'acme.test']);
  assert.equal(ok.verified, true);
  assert.equal(ok.verifiedBy, 'dns');

  const listed = await json(['org', 'domain', 'list', '--org', 'Acme']);
  assert.deepEqual(listed.map((d: { domain: string; verified: boolean }) => [d.domain, d.verified]), [['acme.test', true]]);
});

test('another organization can claim a verified domain but never verify it, not even by copying the record', async () => {
  await json(['org', 'domain', 'add', '--org', 'Mallory Inc', '--domain', 'acme.test']);
  const r = await run(['org', 'domain', 'verify', '--org', 'Mallory Inc', '--domain', 'acme.test', '--json']);
  assert.equal(r.code, 1);
  assert.match(JSON.parse(r.stderr).error.message, /verified by another organization/);
  const admin = await run(['org', 'domain', 'verify', '--org', 'Mallory Inc', '--domain', 'acme.test', '--admin', '--json']);
  assert.equal(admin.code, 1, 'not even an admin can give one domain to two organizations');
  const listed = await json(['org', 'domain', 'list', '--org', 'Mallory Inc']);
  assert.equal(listed[0].verified, false);
});

test('a server admin can mark a domain verified without DNS', async () => {
  await json(['org', 'domain', 'add', '--org', 'Acme', '--domain', 'acme.example']);
  const r = await json(['org', 'domain', 'verify', '--org', 'Acme', '--domain', 'acme.example', '--admin']);
  assert.equal(r.verifiedBy, 'admin');
});

test('bad input gets a clear error with a code (the policy rules themselves: company-policy.test.ts)', async () => {
  for (const [args, code, message] of [
    [['org', 'domain', 'add', '--org', 'Acme', '--domain', 'localhost'], 'invalid_value', /domain name such as example.com/],
    [['org', 'domain', 'add', '--org', 'Nobody', '--domain', 'x.test'], 'not_found', /no organization named "Nobody"/],
    [['org', 'domain', 'drop'], 'usage', /unknown command "org domain drop"/],
    [['org', 'policy', 'set', '--org', 'Acme', '--trusted-networks', '10.0.0.0/33'], 'invalid_value', /CIDR/],
  ] as const) {
    const r = await run([...args, '--json']);
    assert.notEqual(r.code, 0, args.join(' '));
    const err = JSON.parse(r.stderr).error;
    assert.equal(err.code, code, args.join(' '));
    assert.match(err.message, message, args.join(' '));
  }
});

test('the company policy is set field by field and shown with the domains it applies to', async () => {
  const before = await json(['org', 'policy', 'show', '--org', 'Acme']);
  assert.equal(before.policy.secondFactor, 'off');
  assert.equal(before.policy.rememberDeviceDays, 30, 'remembered devices last 30 days by default');
  assert.deepEqual(before.appliesTo.sort(), ['acme.example', 'acme.test']);

  await json(['org', 'policy', 'set', '--org', 'Acme', '--2fa', 'required', '--grace-until', '2027-01-31', '--methods', 'webauthn,push']);
  await json(['org', 'policy', 'set', '--org', 'Acme', '--trusted-networks', '10.0.0.0/8, 2001:db8::/32', '--remember-device-days', '0', '--new-device-email', 'on']);
  const after = await json(['org', 'policy', 'show', '--org', 'Acme']);
  assert.deepEqual(after.policy, {
    secondFactor: 'required',
    graceUntil: '2027-01-31T00:00:00.000Z',
    allowedMethods: ['webauthn', 'push'],
    trustedNetworks: ['10.0.0.0/8', '2001:db8::/32'],
    rememberDeviceDays: 0,
    newDeviceEmail: true,
  });
  const mallory = await json(['org', 'policy', 'show', '--org', 'Mallory Inc']);
  assert.deepEqual(mallory.appliesTo, [], 'an unverified claim applies to nobody');
});

test('GATEHOUSE_DNS_SERVERS that is not an address is a configuration error', async () => {
  const r = await cli.run(['org', 'domain', 'list', '--org', 'Acme'], { env: { GATEHOUSE_DNS_SERVERS: 'dns.example.com' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /GATEHOUSE_DNS_SERVERS must be IP addresses/);
});
