import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACR, bearerChallenge, parseChallenges, stepUpParams } from '../../packages/sdk/src/index.ts';
import { clientReads } from './support.ts';

const stepUp = bearerChallenge({ error: 'insufficient_user_authentication', error_description: 'A stronger sign-in is required', acr_values: ACR.multiFactor, max_age: 300 });

test('a step-up challenge becomes acr_values and max_age for the next authorization request (RFC 9470 §4), with no prompt=login', () => {
  assert.deepEqual(stepUpParams(stepUp), { acr_values: ACR.multiFactor, max_age: '300' });
  assert.deepEqual(stepUpParams(stepUp, { action: ' change bank details ' }), { acr_values: ACR.multiFactor, max_age: '300', gatehouse_action: 'change bank details' });
});

test('challenges already parsed by oauth4webapi give the same parameters', async () => {
  const parsed = await clientReads(stepUp);
  assert.ok(parsed);
  assert.deepEqual(stepUpParams(parsed), stepUpParams(stepUp));
});

test('only a Bearer insufficient_user_authentication challenge asks for a step-up', () => {
  assert.equal(stepUpParams(bearerChallenge({ error: 'invalid_token', error_description: 'The access token expired' })), undefined);
  assert.equal(stepUpParams('Bearer'), undefined);
  assert.equal(stepUpParams('DPoP error="insufficient_user_authentication", acr_values="x"'), undefined);
  assert.equal(stepUpParams(null), undefined);
  assert.equal(stepUpParams('this is not a challenge ='), undefined);
});

test('only what Gatehouse can act on is forwarded: its own acr values, a whole max_age', () => {
  assert.deepEqual(stepUpParams(`Bearer error="insufficient_user_authentication", acr_values="urn:other ${ACR.phishingResistant}", max_age="-5"`), { acr_values: ACR.phishingResistant });
  assert.deepEqual(stepUpParams('Bearer error="insufficient_user_authentication", max_age=0300'), { max_age: '300' });
});

// The SDK reads headers with its own small parser (a web app may not use oauth4webapi): it must read
// every header the way oauth4webapi does.
const headers = [
  stepUp,
  'Bearer',
  'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
  'bearer ERROR=insufficient_user_authentication, Max_Age=5',
  'DPoP algs="ES256 PS256", Bearer error="insufficient_user_authentication", acr_values="a b"',
  'Basic realm="x", Bearer error="invalid_request"',
  'Negotiate abc==, Bearer realm="x"',
  'Bearer error_description="say \\"hi\\" \\\\ there", error="invalid_token"',
  'Bearer error="x",error_description="no space after the comma"',
  'Basic, Bearer error="insufficient_user_authentication"',
];
for (const header of headers) {
  test(`parses like oauth4webapi: ${header}`, async () => {
    const theirs = await clientReads(header);
    assert.ok(theirs, 'oauth4webapi read a challenge');
    assert.deepEqual(
      parseChallenges(header),
      theirs.map((c) => ({ ...c, parameters: { ...c.parameters } })),
    );
  });
}
