import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activitySentence } from '../../src/http/pages/account.ts';
import { translator } from '../../src/i18n/index.ts';

// Issue 7: the activity names the method an event was about, not "a two-step verification method".
const t = translator();
const say = (event: string, details?: Record<string, unknown>) => activitySentence(t, { event, details });

test('events about one method name it, by kind, type or the way used', () => {
  assert.equal(say('mfa.method.added', { type: 'webauthn', kind: 'passkey' }), 'You added a passkey');
  assert.equal(say('mfa.method.added', { type: 'totp' }), 'You added an authenticator app');
  assert.equal(say('mfa.method.removed', { type: 'webauthn' }), 'You removed a security key or passkey');
  assert.equal(say('mfa.method.renamed', { methodId: 'm1', type: 'totp' }), 'You renamed an authenticator app');
  assert.equal(say('mfa.method.default_changed', { methodId: 'm1', type: 'webauthn' }), 'You made a security key or passkey your default method');
  assert.equal(say('mfa.enrollment.failed', { type: 'totp', reason: 'invalid' }), 'Setting up an authenticator app did not complete');
  assert.equal(say('mfa.succeeded', { method: 'recovery' }), 'You confirmed it was you with a recovery code');
  assert.equal(say('mfa.failed', { method: 'totp', reason: 'invalid', failures: 1 }), 'A wrong authenticator app code was entered');
  assert.equal(say('mfa.failed', { method: 'webauthn' }), 'A security key or passkey was refused');
});

test('older events that name no method keep the general sentence; unknown events are "other"', () => {
  assert.equal(say('mfa.method.renamed', { methodId: 'm1' }), t('account.event.mfa_renamed'));
  assert.equal(say('mfa.failed', { method: 'carrier-pigeon' }), t('account.event.mfa_failed'));
  assert.equal(say('mfa.method.added', { kind: 'toString' }), t('account.event.mfa_added'), 'no prototype key is taken for a kind');
  assert.equal(say('gate.decision'), t('account.event.other'));
});

test('no sentence says "two-step method", "2FA", "two-factor" or "MFA"', () => {
  const events = ['mfa.method.added', 'mfa.method.removed', 'mfa.method.renamed', 'mfa.method.default_changed', 'mfa.enrollment.failed', 'mfa.succeeded', 'mfa.failed', 'mfa.reset', 'mfa.locked'];
  for (const e of events) for (const d of [undefined, { type: 'totp' }, { type: 'webauthn' }, { method: 'recovery' }]) {
    assert.doesNotMatch(say(e, d), /two-step method|2FA|two-factor|\bMFA\b/i);
  }
});
