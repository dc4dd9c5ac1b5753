import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOTP, Secret, TOTP } from 'otpauth';
import { TOTP_PARAMS, isWellFormedCode, matchingStep, normaliseCode, totpFor } from '../../src/methods/totp/codes.ts';

// RFC 6238 Appendix B: the SHA-256 and SHA-512 vectors use 32- and 64-byte keys, not the 20-byte one.
const KEYS = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
} as const;

const VECTORS: Array<[number, Record<keyof typeof KEYS, string>]> = [
  [59, { SHA1: '94287082', SHA256: '46119246', SHA512: '90693936' }],
  [1111111109, { SHA1: '07081804', SHA256: '68084774', SHA512: '25091201' }],
  [1111111111, { SHA1: '14050471', SHA256: '67062674', SHA512: '99943326' }],
  [1234567890, { SHA1: '89005924', SHA256: '91819424', SHA512: '93441116' }],
  [2000000000, { SHA1: '69279037', SHA256: '90698825', SHA512: '38618901' }],
  [20000000000, { SHA1: '65353130', SHA256: '77737706', SHA512: '47863826' }],
];

/** The seed as Gatehouse stores it (base32) and reads it back, as src/methods/totp/codes.ts does. */
const base32Of = (ascii: string) => new Secret({ buffer: Uint8Array.from(Buffer.from(ascii, 'ascii')).buffer }).base32;

test('RFC 6238 Appendix B: every vector, through otpauth with the parameters codes.ts uses', () => {
  for (const [seconds, expected] of VECTORS) {
    for (const algorithm of Object.keys(KEYS) as Array<keyof typeof KEYS>) {
      const totp = new TOTP({ ...TOTP_PARAMS, algorithm, digits: 8, secret: Secret.fromBase32(base32Of(KEYS[algorithm])) });
      assert.equal(totp.generate({ timestamp: seconds * 1000 }), expected[algorithm], `${algorithm} at T=${seconds}`);
    }
  }
});

test("RFC 6238 Appendix B (SHA-1): Gatehouse's own 6-digit TOTP gives the vectors' last six digits, at the right step", () => {
  const totp = totpFor(base32Of(KEYS.SHA1), 'Gatehouse', 'vectors@example.com');
  assert.equal(totp.algorithm, 'SHA1');
  assert.equal(totp.digits, 6);
  assert.equal(totp.period, 30);
  for (const [seconds, expected] of VECTORS) {
    const code = expected.SHA1.slice(-6);
    assert.equal(totp.generate({ timestamp: seconds * 1000 }), code, `T=${seconds}`);
    assert.equal(matchingStep(totp, code, seconds * 1000), Math.floor(seconds / 30), `step of T=${seconds}`);
  }
});

test('RFC 4226 Appendix D: HOTP values for counts 0-9', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  const hotp = new HOTP({ algorithm: 'SHA1', digits: 6, secret: Secret.fromBase32(base32Of(KEYS.SHA1)) });
  expected.forEach((code, counter) => assert.equal(hotp.generate({ counter }), code, `count ${counter}`));
  // TOTP is HOTP over the time step (RFC 6238 §4): step 1 (T=30..59) is count 1.
  const totp = totpFor(base32Of(KEYS.SHA1), 'Gatehouse', 'x');
  assert.equal(totp.generate({ timestamp: 45_000 }), expected[1]);
});

test('matchingStep accepts one step of drift either side and refuses two', () => {
  const seed = base32Of(KEYS.SHA1);
  const totp = totpFor(seed, 'Gatehouse', 'drift@example.com');
  const now = 1_700_000_015_000; // the middle of a step
  const step = Math.floor(now / 30_000);
  const codeAt = (s: number) => totp.generate({ timestamp: s * 30_000 });
  assert.equal(matchingStep(totp, codeAt(step), now), step);
  assert.equal(matchingStep(totp, codeAt(step - 1), now), step - 1, 'a code from the previous step (slow typing)');
  assert.equal(matchingStep(totp, codeAt(step + 1), now), step + 1, 'a phone clock 30 s ahead');
  assert.equal(matchingStep(totp, codeAt(step - 2), now), undefined, 'two steps old');
  assert.equal(matchingStep(totp, codeAt(step + 2), now), undefined, 'two steps ahead');
  // A different seed's code is not accepted.
  const other = totpFor(base32Of('abcdefghijabcdefghij'), 'Gatehouse', 'x');
  const foreign = other.generate({ timestamp: now });
  if (![-1, 0, 1].some((d) => codeAt(step + d) === foreign)) assert.equal(matchingStep(totp, foreign, now), undefined);
});

test('code format: exactly six ASCII digits; spaces typed by people are removed, nothing else', () => {
  assert.equal(normaliseCode('123 456'), '123456');
  assert.equal(normaliseCode('123-456'), '123456');
  assert.ok(isWellFormedCode(normaliseCode('123 456')));
  for (const bad of ['', '12345', '1234567', '١٢٣٤٥٦', '１２３４５６', '12345a', '123456\n7', undefined, null, ['123456'], 123456, { code: '123456' }]) {
    assert.equal(isWellFormedCode(normaliseCode(bad)), false, `refused: ${JSON.stringify(bad)}`);
  }
});
