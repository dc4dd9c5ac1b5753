import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pooledRandom } from '../../src/clock.ts';

// Every identifier, number and challenge Gatehouse makes comes from here (src/clock.ts): a pool must
// hand each byte out once, never the same draw twice, across refills and whatever callers do with it.
test('Draws from the pool are never repeated, across refills, and are the length asked', () => {
  const random = pooledRandom(64);
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const n = 1 + (i % 16);
    const b = random.bytes(n);
    assert.equal(b.length, n);
    if (n >= 8) {
      const hex = b.toString('hex');
      assert.ok(!seen.has(hex), `draw ${i} repeated an earlier one`);
      seen.add(hex);
    }
  }
});

test("A draw is the caller's own copy: changing it changes no later draw", () => {
  const random = pooledRandom(64);
  const first = random.bytes(16);
  first.fill(7);
  const rest = Array.from({ length: 3 }, () => random.bytes(16));
  for (const b of rest) assert.ok(!b.equals(Buffer.alloc(16, 7)) && !b.equals(Buffer.alloc(16)), 'not the caller\'s bytes, not the zeroed pool');
  // Sixteen-byte draws are all different, and a refill (the fifth draw here) brings new bytes too.
  const all = [...rest, random.bytes(16), random.bytes(16)].map((b) => b.toString('hex'));
  assert.equal(new Set(all).size, all.length);
});

test('Large draws come from OpenSSL directly and are the length asked', () => {
  const random = pooledRandom(64);
  const big = random.bytes(48);
  assert.equal(big.length, 48);
  assert.notDeepEqual(big, random.bytes(48));
  // Bytes look uniform: over 64 KiB of small draws every byte value occurs.
  const counts = new Array<number>(256).fill(0);
  for (let i = 0; i < 4096; i++) for (const v of random.bytes(16)) counts[v]!++;
  assert.ok(counts.every((c) => c > 150 && c < 370), 'each byte value about 256 times');
});
