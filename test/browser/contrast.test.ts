import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contrastRatio, over, parseColor } from './a11y-support.ts';

// The arithmetic the focus-ring suites rely on (focus-ring.*.test.ts), against WCAG's own examples.
test('the contrast ratio is WCAG’s: black on white 21:1, #777 on white about 4.48:1, a colour on itself 1:1', () => {
  assert.equal(contrastRatio(parseColor('rgb(0, 0, 0)')!, parseColor('rgb(255, 255, 255)')!), 21);
  assert.ok(Math.abs(contrastRatio(parseColor('rgb(119, 119, 119)')!, parseColor('rgb(255, 255, 255)')!) - 4.48) < 0.01);
  assert.equal(contrastRatio(parseColor('rgba(31, 95, 209, 1)')!, parseColor('rgb(31, 95, 209)')!), 1);
});

test('a translucent ring or background is painted over what is behind it', () => {
  assert.deepEqual(over(parseColor('rgba(0, 0, 0, 0.5)')!, [255, 255, 255, 1]), [127.5, 127.5, 127.5, 1]);
  assert.equal(parseColor('rgba(0, 0, 0, 0)')![3], 0);
  assert.equal(parseColor('transparent'), undefined);
});
