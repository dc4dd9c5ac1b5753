import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { CompactSign } from 'jose';
import { es256PublicKey, jwsHeader, verifyEs256 } from '../../src/methods/push/es256-jws.ts';

// The device JWS is checked with node:crypto (decision 0023): everything jose's compactVerify refuses
// must be refused here too, and a signature jose makes must verify.
const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const device = pair();
const jwk = device.publicKey.export({ format: 'jwk' });
const key = es256PublicKey(jwk)!;
const payload = { cid: 'c1', decision: 'approve', number: '42' };
const make = (header: Record<string, unknown> = {}, privateKey = device.privateKey) =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', typ: 'gh-push-answer+jwt', ...header }).sign(privateKey);

/** A JWS signed by hand, with a header jose would not write (jose refuses to sign an unknown `crit`). */
const byHand = (header: Record<string, unknown>) => {
  const input = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'gh-push-answer+jwt', ...header })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key: device.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
};

test('A JWS signed by the device verifies and gives its payload; its header is read', async () => {
  const jws = await make();
  assert.deepEqual(JSON.parse(verifyEs256(jws, key)!.toString()), payload);
  assert.equal(jwsHeader(jws)?.typ, 'gh-push-answer+jwt');
});

test('Another key, a changed payload or header, a DER signature are refused', async () => {
  const jws = await make();
  assert.equal(verifyEs256(await make({}, pair().privateKey), key), undefined, 'another key');
  const [h, p, s] = jws.split('.') as [string, string, string];
  const other = Buffer.from(JSON.stringify({ ...payload, number: '43' })).toString('base64url');
  assert.equal(verifyEs256(`${h}.${other}.${s}`, key), undefined, 'payload changed');
  const otherHeader = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'gh-device+jwt' })).toString('base64url');
  assert.equal(verifyEs256(`${otherHeader}.${p}.${s}`, key), undefined, 'header changed');
  const der = sign('sha256', Buffer.from(`${h}.${p}`), device.privateKey).toString('base64url');
  assert.equal(verifyEs256(`${h}.${p}.${der}`, key), undefined, 'DER-encoded signature');
  assert.equal(verifyEs256(`${h}.${p}.${s.slice(0, -4)}`, key), undefined, 'short signature');
});

test('Malformed compact forms are refused: part counts, non-canonical base64url, crit and b64 headers', async () => {
  const jws = await make();
  const [h, p, s] = jws.split('.') as [string, string, string];
  for (const bad of [`${h}.${p}`, `${jws}.x`, `${h}..${s}`, '', '..']) assert.equal(verifyEs256(bad, key), undefined, bad);
  // The last character of a base64url string carries spare bits: another letter there decodes to the
  // same bytes, so a second spelling of the same JWS would verify unless the spelling is checked.
  const last = s.at(-1)!;
  const twin = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].find((c) => c !== last && Buffer.from(`${s.slice(0, -1)}${c}`, 'base64url').equals(Buffer.from(s, 'base64url')));
  assert.ok(twin, 'a twin spelling exists for a 64-byte signature');
  assert.equal(verifyEs256(`${h}.${p}.${s.slice(0, -1)}${twin}`, key), undefined, 'non-canonical signature');
  assert.equal(verifyEs256(`${h}.${p}=.${s}`, key), undefined, 'padded payload');
  const crit = byHand({ crit: ['exp'], exp: 1 });
  assert.ok(verifyEs256(crit, key), 'the signature itself is good');
  assert.equal(jwsHeader(crit), undefined, 'crit');
  assert.equal(jwsHeader(byHand({ b64: false })), undefined, 'b64');
  assert.ok(jwsHeader(byHand({})), 'the same header without them is read');
  assert.equal(jwsHeader('not a jws'), undefined);
  assert.equal(jwsHeader(`${Buffer.from('[1]').toString('base64url')}.${p}.${s}`), undefined, 'header not an object');
});

test('Only a public P-256 key is taken from a stored JWK', () => {
  assert.equal(es256PublicKey({ ...jwk, crv: 'P-384' }), undefined);
  assert.equal(es256PublicKey(device.privateKey.export({ format: 'jwk' })), undefined, 'a private key');
  assert.equal(es256PublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' })), undefined);
  assert.equal(es256PublicKey({ ...jwk, x: 'AAAA' }), undefined, 'not a point');
  assert.equal(es256PublicKey(jwk), key, 'imported once');
});
