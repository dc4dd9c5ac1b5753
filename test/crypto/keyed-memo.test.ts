import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { keyedMemo } from '../../src/crypto/keyed-memo.ts';
import { cookieSigner } from '../../src/oidc/cookie-keys.ts';

// The memo in front of the cookie, CSRF and device-cookie MACs (src/crypto/keyed-memo.ts): the same
// answers as computing each MAC, fixed memory, and verification still refuses what it refused.
test('A memoized MAC gives what the MAC gives, computes each input once while it is kept, and keeps at most its bound', () => {
  let computed = 0;
  const mac = (s: string) => {
    computed++;
    return createHmac('sha256', 'k').update(s).digest('base64url');
  };
  const memo = keyedMemo(mac, 3);
  for (const s of ['a', 'b', 'a', 'c', 'a']) assert.equal(memo(s), createHmac('sha256', 'k').update(s).digest('base64url'));
  assert.equal(computed, 3, 'a, b and c once each');
  memo('d'); // the bound is 3: the least recently used (b) goes, not a (used last but one)
  memo('a');
  assert.equal(computed, 4);
  memo('b');
  assert.equal(computed, 5, 'b was evicted and is computed again');
  // Whatever the number of inputs, no more than the bound is kept.
  for (let i = 0; i < 1000; i++) memo(`x${i}`);
  const before = computed;
  memo('x999');
  memo('x997');
  assert.equal(computed, before, 'the most recent are kept');
  memo('x0');
  assert.equal(computed, before + 1, 'the oldest are gone');
});

test('An undefined result is not kept: it is computed again next time', () => {
  let computed = 0;
  const memo = keyedMemo((s: string) => (computed++, s === 'bad' ? undefined : s.length));
  assert.equal(memo('bad'), undefined);
  assert.equal(memo('bad'), undefined);
  assert.equal(memo('good'), 4);
  assert.equal(memo('good'), 4);
  assert.equal(computed, 3);
});

test('Cookie signatures verify with the memo as without it: another value, another signature, another key are refused', () => {
  const signer = cookieSigner(['new-key', 'old-key']);
  const sig = signer.sign('_session=abc');
  assert.equal(sig, createHmac('sha1', 'new-key').update('_session=abc').digest('base64url'));
  assert.equal(signer.index('_session=abc', sig), 0);
  assert.equal(signer.index('_session=abc', sig), 0, 'the same answer from the memo');
  assert.equal(signer.index('_session=abd', sig), -1, 'another value');
  assert.equal(signer.index('_session=abc', `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`), -1, 'another signature');
  const old = createHmac('sha1', 'old-key').update('_session=abc').digest('base64url');
  assert.equal(signer.index('_session=abc', old), 1, 'a cookie signed with the retired key still verifies');
  assert.equal(cookieSigner(['other']).index('_session=abc', sig), -1, 'another key');
});
