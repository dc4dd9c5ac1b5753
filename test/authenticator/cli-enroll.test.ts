import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { startContractServer, type ContractServer } from './contract-server.ts';
import { authenticatorCli, mode, type AuthenticatorCli } from './cli.ts';

let api: ContractServer;
let a: AuthenticatorCli;

before(async () => {
  api = await startContractServer();
  a = await authenticatorCli();
});
after(async () => {
  await a.cleanup();
  await api.close();
});

test('enroll from the link, approve the test request with its number: the device is active, its files private', async () => {
  const enrolled = await a.json(['enroll', api.link('ada@example.com', { name: 'Ada' }), '--name', "Ada's laptop"]);
  assert.equal(enrolled.email, 'ada@example.com');
  assert.equal(enrolled.issuer, api.issuer);
  assert.equal(enrolled.deviceName, "Ada's laptop");
  assert.equal(enrolled.status, 'pending');
  assert.equal(api.devices.get(enrolled.deviceId)?.name, "Ada's laptop");
  assert.equal(mode(a.home), 0o700);
  assert.equal(mode(join(a.home, 'keys')), 0o700);
  for (const f of ['accounts.json', `keys/${enrolled.deviceId}.json`]) assert.equal(mode(join(a.home, f)), 0o600, f);

  // Nothing waits yet; then the wizard's test request arrives.
  assert.deepEqual(await a.json(['pending']), []);
  const test1 = api.startChallenge('ada@example.com', { kind: 'enroll', app: 'Gatehouse' });
  const [shown] = await a.json(['pending']);
  assert.equal(shown.id, test1.id);
  assert.equal(shown.kind, 'enroll');
  assert.equal(shown.account.email, 'ada@example.com');
  assert.ok(!JSON.stringify(shown).includes(`"number"`), 'the number never reaches the device');

  // Without --code and without a terminal there is nobody to ask: a usage error, nothing sent.
  const r = await a.run(['approve']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /missing --code/);
  assert.equal(api.answers.length, 0);

  const approved = await a.json(['approve', '--code', test1.number]);
  assert.equal(approved.status, 'approved');
  assert.equal(approved.request.id, test1.id);
  assert.equal(api.devices.get(enrolled.deviceId)?.status, 'active');
  const [listed] = await a.json(['list']);
  assert.equal(listed.status, 'active');
  assert.equal(listed.passphrase, false);
});

test('codes: the 6-digit code of the secret the server gave, with seconds left, read without the network', async () => {
  const [account] = await a.json(['list']);
  const secret = api.devices.get(account.deviceId)!.totpSecret;
  await api.close(); // no network: codes come from the key file alone
  const before = Date.now();
  const [row] = await a.json(['codes']);
  const after = Date.now();
  const totp = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
  assert.ok([before, after].map((t) => totp.generate({ timestamp: t })).includes(row.code), `code ${row.code}`);
  assert.ok(row.secondsLeft >= 1 && row.secondsLeft <= 30);
  assert.equal(row.email, 'ada@example.com');
  // The secret itself is never printed, only the code asked for.
  const human = await a.run(['codes']);
  assert.match(human.stdout, /ada@example\.com .* \d{6} +\d+ s/);
  assert.ok(!human.stdout.includes(secret) && !readFileSync(join(a.home, 'accounts.json'), 'utf8').includes(secret));
  api = await startContractServer();
});

test('the command enroll suggests next carries the same --home: without it, approve would look in the default directory', async () => {
  const r = await a.run(['enroll', api.link('bea@example.com', { name: 'Bea' }), '--name', "Bea's laptop"]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(`gatehouse authenticator approve --home '${a.home}'`), r.stdout);
});
