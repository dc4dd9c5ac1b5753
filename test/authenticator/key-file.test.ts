import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, importJWK } from 'jose';
import { ensureHome, homeDir } from '../../src/authenticator/home.ts';
import { newDeviceKey, saveKeyFile, loadSecrets, keyFilePath, signingKey, isEncrypted, type DeviceSecrets } from '../../src/authenticator/key-file.ts';
import { seal, unseal } from '../../src/authenticator/passphrase-box.ts';
import { AuthenticatorError } from '../../src/authenticator/errors.ts';

const mode = (p: string) => statSync(p).mode & 0o777;

function freshHome(): string {
  const parent = mkdtempSync(join(tmpdir(), 'gh-auth-'));
  const home = join(parent, 'home');
  ensureHome(home);
  return home;
}

async function secrets(): Promise<DeviceSecrets> {
  const { privateJwk } = await newDeviceKey();
  return { privateJwk, totp: { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', algorithm: 'SHA1', digits: 6, period: 30, issuer: 'Gatehouse', label: 'ada@example.com' } };
}

const refusedAs = (code: string) => (err: unknown) => err instanceof AuthenticatorError && err.code === code;

test('the state directory and its keys folder are created 0700, under a 022 umask too', () => {
  const old = process.umask(0o022);
  try {
    const home = freshHome();
    assert.equal(mode(home), 0o700);
    assert.equal(mode(join(home, 'keys')), 0o700);
  } finally {
    process.umask(old);
  }
});

test('a state directory others can read is refused, not silently used', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-auth-'));
  chmodSync(dir, 0o755);
  assert.throws(() => ensureHome(dir), refusedAs('insecure_home'));
});

test('--home wins over $GATEHOUSE_AUTHENTICATOR_HOME, which wins over ~/.gatehouse-authenticator', () => {
  assert.equal(homeDir('/tmp/a', { GATEHOUSE_AUTHENTICATOR_HOME: '/tmp/b' }), '/tmp/a');
  assert.equal(homeDir(undefined, { GATEHOUSE_AUTHENTICATOR_HOME: '/tmp/b' }), '/tmp/b');
  assert.match(homeDir(undefined, {}), /\/\.gatehouse-authenticator$/);
});

test('a key file is 0600; without a passphrase it opens without asking', async () => {
  const home = freshHome();
  const s = await secrets();
  await saveKeyFile(home, 'dev1', s);
  assert.equal(mode(keyFilePath(home, 'dev1')), 0o600);
  assert.equal(isEncrypted(home, 'dev1'), false);
  const opened = await loadSecrets(home, 'dev1', async () => assert.fail('no passphrase should be asked'));
  assert.deepEqual(opened, s);
});

test('with a passphrase: nothing secret in the file, the right passphrase opens it, the key still signs', async () => {
  const home = freshHome();
  const s = await secrets();
  await saveKeyFile(home, 'dev2', s, 'correct horse battery staple');
  const text = readFileSync(keyFilePath(home, 'dev2'), 'utf8');
  assert.equal(mode(keyFilePath(home, 'dev2')), 0o600);
  assert.ok(!text.includes(s.privateJwk.d!), 'the private key is not in the clear');
  assert.ok(!text.includes(s.totp.secret), 'the TOTP secret is not in the clear');
  assert.equal(isEncrypted(home, 'dev2'), true);
  let asked = '';
  const opened = await loadSecrets(home, 'dev2', async (kid) => ((asked = kid), 'correct horse battery staple'));
  assert.equal(asked, 'dev2');
  assert.deepEqual(opened, s);
  // The reopened key is the same key: what it signs verifies with the public half made at the start.
  const { SignJWT } = await import('jose');
  const jws = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: 'ES256' }).sign(await signingKey(opened));
  const { d: _d, ...publicJwk } = s.privateJwk;
  await compactVerify(jws, await importJWK(publicJwk, 'ES256'));
});

test('a wrong passphrase is refused as wrong_passphrase', async () => {
  const home = freshHome();
  await saveKeyFile(home, 'dev3', await secrets(), 'correct horse battery staple');
  await assert.rejects(loadSecrets(home, 'dev3', async () => 'correct horse battery stapler'), refusedAs('wrong_passphrase'));
  await assert.rejects(loadSecrets(home, 'dev3', async () => ''), refusedAs('wrong_passphrase'));
});

test('a sealed key file moved to another device id does not open (the header is authenticated)', async () => {
  const home = freshHome();
  await saveKeyFile(home, 'dev4', await secrets(), 'pass phrase');
  const file = JSON.parse(readFileSync(keyFilePath(home, 'dev4'), 'utf8'));
  writeFileSync(keyFilePath(home, 'dev5'), JSON.stringify({ ...file, kid: 'dev5' }), { mode: 0o600 });
  await assert.rejects(loadSecrets(home, 'dev5', async () => 'pass phrase'), refusedAs('wrong_passphrase'));
});

test('seal: a fresh salt and IV each time; a flipped ciphertext byte is refused', async () => {
  const a = await seal('secret', 'pw', 'h', { N: 1024, r: 8, p: 1 });
  const b = await seal('secret', 'pw', 'h', { N: 1024, r: 8, p: 1 });
  assert.notEqual(a.kdf.salt, b.kdf.salt);
  assert.notEqual(a.cipher.iv, b.cipher.iv);
  assert.equal(await unseal(a, 'pw', 'h'), 'secret');
  const bytes = Buffer.from(a.ciphertext, 'base64url');
  bytes[0]! ^= 1;
  await assert.rejects(unseal({ ...a, ciphertext: bytes.toString('base64url') }, 'pw', 'h'), refusedAs('wrong_passphrase'));
  // Parameters edited to demand gigabytes are refused before any work.
  await assert.rejects(unseal({ ...a, kdf: { ...a.kdf, N: 2 ** 30 } }, 'pw', 'h'), refusedAs('wrong_passphrase'));
});

test('a missing key file says so', async () => {
  const home = freshHome();
  await assert.rejects(loadSecrets(home, 'nope', async () => ''), refusedAs('no_account'));
});
