import { test } from 'node:test';
import assert from 'node:assert/strict';
import { translator } from '../../src/i18n/index.ts';
import { waitText } from '../../src/i18n/duration.ts';

test('waits read as people say them, with correct plurals, rounded up', () => {
  const t = translator('en');
  assert.equal(waitText(t, 1), '1 second');
  assert.equal(waitText(t, 1000), '1 second');
  assert.equal(waitText(t, 1001), '2 seconds');
  assert.equal(waitText(t, 40_000), '40 seconds');
  assert.equal(waitText(t, 119_000), '119 seconds');
  assert.equal(waitText(t, 120_000), '2 minutes');
  assert.equal(waitText(t, 900_000), '15 minutes');
  assert.equal(waitText(t, 3_600_000), '60 minutes');
  assert.equal(waitText(t, 7_200_000), '2 hours');
});
