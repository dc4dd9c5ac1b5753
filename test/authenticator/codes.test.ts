import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { currentCode, type TotpParams } from '../../src/authenticator/totp.ts';

const params = (over: Partial<TotpParams> = {}): TotpParams => ({ secret: new Secret({ size: 20 }).base32, algorithm: 'SHA1', digits: 6, period: 30, issuer: 'Gatehouse', label: 'ada@example.com', ...over });

test('codes are the ones otpauth computes, at many instants', () => {
  const p = params();
  const reference = new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(p.secret) });
  for (let t = 1_764_460_800_000; t < 1_764_460_800_000 + 3_600_000; t += 7_919) {
    assert.equal(currentCode(p, t).code, reference.generate({ timestamp: t }), `at ${t}`);
  }
});

test('RFC 6238 Appendix B (SHA-1, 8 digits): 94287082 at T = 59 s, 07081804 at T = 1111111109 s', () => {
  // The 20-byte ASCII key "12345678901234567890".
  const p = params({ secret: Secret.fromLatin1('12345678901234567890').base32, digits: 8 });
  assert.equal(currentCode(p, 59_000).code, '94287082');
  assert.equal(currentCode(p, 1_111_111_109_000).code, '07081804');
});

test('seconds left: 30 at the start of a step, 1 in its last second; the code changes with the step', () => {
  const p = params();
  const start = 1_764_460_800_000; // a multiple of 30 s
  assert.equal(currentCode(p, start).secondsLeft, 30);
  assert.equal(currentCode(p, start + 29_500).secondsLeft, 1);
  assert.equal(currentCode(p, start + 10_000).secondsLeft, 20);
  assert.equal(currentCode(p, start).code, currentCode(p, start + 29_999).code);
  assert.notEqual(currentCode(p, start).code, currentCode(p, start + 30_000).code);
});

test('other parameters the server may give are honoured (SHA-256, 8 digits, 60 s)', () => {
  const p = params({ algorithm: 'SHA256', digits: 8, period: 60 });
  const reference = new TOTP({ algorithm: 'SHA256', digits: 8, period: 60, secret: Secret.fromBase32(p.secret) });
  const t = 1_764_460_845_000;
  assert.equal(currentCode(p, t).code, reference.generate({ timestamp: t }));
  assert.equal(currentCode(p, t).code.length, 8);
  assert.equal(currentCode(p, t).secondsLeft, 15);
});
