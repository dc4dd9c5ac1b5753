import { test } from 'node:test';
import assert from 'node:assert/strict';
import { command, parseCommandArgs } from '../../src/cli/command.ts';

// Identifiers are base64url: about one in 64 begins with "-" (a push request's id, say). Typed after
// its option, parseArgs took it for an option and `deny --challenge -x1Y` failed as a usage error.
const deny = command({
  path: ['authenticator', 'deny'],
  summary: 'test',
  usage: '[--fraud] [--challenge=ID]',
  options: { fraud: { type: 'boolean' }, challenge: { type: 'string' } },
  async run() {},
});

test('a value that begins with "-" is the value of the string option before it', () => {
  assert.deepEqual(parseCommandArgs(deny, ['--challenge', '-x1Y_z']).values, { challenge: '-x1Y_z' });
  assert.deepEqual(parseCommandArgs(deny, ['--challenge', '--x1Y']).values, { challenge: '--x1Y' });
  assert.deepEqual(parseCommandArgs(deny, ['--challenge=-x1Y']).values, { challenge: '-x1Y' });
  // A word that is one of the command's options is still an option: the missing value is an error.
  assert.throws(() => parseCommandArgs(deny, ['--challenge', '--fraud']), /challenge/);
  assert.deepEqual(parseCommandArgs(deny, ['--fraud', '--challenge', 'abc']).values, { fraud: true, challenge: 'abc' });
});
