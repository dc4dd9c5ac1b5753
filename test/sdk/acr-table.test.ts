import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACR as SDK_ACR, ACR_ORDER as SDK_ORDER, acrSatisfies } from '../../packages/sdk/src/acr.ts';
import { ACTION_PARAM as SDK_ACTION_PARAM } from '../../packages/sdk/src/step-up-request.ts';
import { ACR, ACR_ORDER } from '../../src/oidc/acr.ts';
import { ACTION_PARAM } from '../../src/oidc/step-up-action.ts';

// The SDK keeps copies of the server's constants (it must not import server code): they must agree.
test("the SDK's ACR values and their order are the server's (src/oidc/acr.ts)", () => {
  assert.deepEqual({ ...SDK_ACR }, { ...ACR });
  assert.deepEqual([...SDK_ORDER], [...ACR_ORDER]);
});

test('a stronger acr satisfies a weaker requirement, never the reverse', () => {
  assert.ok(acrSatisfies(ACR.phishingResistant, ACR.multiFactor));
  assert.ok(acrSatisfies(ACR.multiFactor, ACR.multiFactor));
  assert.ok(acrSatisfies(ACR.multiFactor, ACR.singleFactor));
  assert.ok(!acrSatisfies(ACR.singleFactor, ACR.multiFactor));
  assert.ok(!acrSatisfies(ACR.multiFactor, ACR.phishingResistant));
});

test('a missing or unknown acr satisfies nothing, not even single-factor', () => {
  for (const acr of [undefined, '', 'urn:other:acr', 0, ['http://schemas.openid.net/pape/policies/2007/06/multi-factor']]) {
    assert.ok(!acrSatisfies(acr, ACR.singleFactor), `acr ${JSON.stringify(acr)}`);
  }
});

test("the SDK's step-up action parameter is the one Gatehouse reads (src/oidc/step-up-action.ts)", () => {
  assert.equal(SDK_ACTION_PARAM, ACTION_PARAM);
});
