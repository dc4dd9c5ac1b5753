import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { cookieSigner } from '../../src/oidc/cookie-keys.ts';

// keygrip's signature, written out: HMAC-SHA1, base64 with `/`→`_`, `+`→`-` and no `=` (what
// browsers hold from before Gatehouse signed cookies itself).
const keygripSignature = (data: string, key: string) =>
  createHmac('sha1', key).update(data).digest('base64').replace(/\/|\+|=/g, (x) => ({ '/': '_', '+': '-', '=': '' })[x]!);

const key = 'k'.repeat(43);
const data = '_session=PNuVq0yMjWI3Nt5QOjvIV';

test('cookies keep the signature keygrip gave them: a browser signed in before still is', () => {
  const signer = cookieSigner([key]);
  for (const d of [data, '_interaction=abc', '', 'ü/+=']) {
    assert.equal(signer.sign(d), keygripSignature(d, key));
    assert.equal(signer.index(d, keygripSignature(d, key)), 0);
  }
});

test('a changed value, a changed or shortened signature, or another key is refused', () => {
  const signer = cookieSigner([key]);
  const sig = signer.sign(data);
  assert.equal(signer.verify(data + 'x', sig), false);
  assert.equal(signer.verify(data, sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A')), false);
  assert.equal(signer.verify(data, sig.slice(0, -1)), false);
  assert.equal(signer.verify(data, ''), false);
  assert.equal(signer.verify(data, keygripSignature(data, 'another key')), false);
  assert.equal(signer.verify(data, sig), true);
});

test('with several keys the first signs and each verifies, by its index (rotation)', () => {
  const signer = cookieSigner(['new key', key]);
  assert.equal(signer.sign(data), keygripSignature(data, 'new key'));
  assert.equal(signer.index(data, keygripSignature(data, key)), 1);
  assert.equal(signer.index(data, keygripSignature(data, 'retired key')), -1);
  assert.throws(() => cookieSigner([]));
});
