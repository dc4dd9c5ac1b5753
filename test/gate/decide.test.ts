import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, type Decision } from '../../src/gate/decide.ts';
import { withRequest, type Requirement } from '../../src/gate/requirement.ts';
import type { Proof } from '../../src/gate/evidence.ts';
import { signInPolicy } from '../../src/policy/engine.ts';
import type { AppPolicy } from '../../src/store/clients.ts';
import { sensitiveRequirement } from '../../src/flows/fresh-proof.ts';
import { ACR } from '../../src/oidc/acr.ts';

// The gate's decision table (docs/decisions/0010-one-gate.md): every way into a session asks decide();
// each row is a requirement, what the flow proved, the person's methods, and the one answer expected.
const NOW = 1_800_000_000_000;
const pwd: Proof = { source: 'password', amr: ['pwd'], at: NOW };
const otp: Proof = { source: 'second_factor', amr: ['otp'], at: NOW, methodId: 'm1' };
const key: Proof = { source: 'second_factor', amr: ['hwk'], at: NOW, methodId: 'm2' };
const passkey: Proof = { source: 'passkey', amr: ['hwk', 'user'], at: NOW };
const session = (amr: string[], agoMs = 60_000): Proof => ({ source: 'session', amr, at: NOW - agoMs });
const enrolled = (amr: string[]): Proof => ({ source: 'enrollment', amr, at: NOW, methodId: 'new' });

// The policy engine with no company policy and an unassessed risk (which asks): the rows below are
// about the gate; the engine's own table is test/policy/engine.test.ts.
interface RuleInput { appPolicy: AppPolicy; accountConsole: boolean; hasSecondFactor: boolean; rememberedDevice: boolean; remindAfter: number | null }
const rule = (o: Partial<RuleInput> = {}) => {
  const i: RuleInput = { appPolicy: 'adaptive', accountConsole: false, hasSecondFactor: false, rememberedDevice: false, remindAfter: null, ...o };
  return signInPolicy({
    accountConsole: i.accountConsole,
    app: { behaviour: i.appPolicy, phishingResistantOnly: false },
    company: undefined,
    person: { methodTypes: i.hasSecondFactor ? ['totp'] : [], remindAfter: i.remindAfter },
    rememberedDevice: i.rememberedDevice,
    risk: undefined,
    now: NOW,
  });
};
const stepUp = (r: Requirement, acr: string) => withRequest(r, { acrs: [acr], reauthenticate: false });

function row(requirement: Requirement, proofs: Proof[], hadMethods: boolean, methodTypes: string[]): Decision {
  return decide({ requirement, evidence: { proofs, hadMethods }, methodTypes, now: NOW });
}

test('no first factor: the first factor is asked, whatever else was proven', () => {
  assert.equal(row(rule(), [], false, []).step, 'first_factor');
  assert.equal(row(rule({ hasSecondFactor: true }), [otp], true, ['totp']).step, 'first_factor');
  // prompt=login / max_age: the session's earlier proofs do not count.
  const reauth = withRequest(rule({ appPolicy: 'bypass' }), { acrs: [], reauthenticate: true });
  assert.equal(row(reauth, [session(['pwd', 'otp', 'mfa'])], true, ['totp']).step, 'first_factor');
});

test('a person with 2FA: the second factor is asked, then the gate is satisfied with multi-factor', () => {
  const r = rule({ hasSecondFactor: true });
  const ask = row(r, [pwd], true, ['totp', 'webauthn']);
  assert.deepEqual(ask.step === 'second_factor' && ask.choices, ['totp', 'webauthn', 'recovery']);
  const done = row(r, [pwd, otp], true, ['totp', 'webauthn']);
  assert.equal(done.step, 'satisfied');
  assert.equal(done.step === 'satisfied' && done.acr, ACR.multiFactor);
});

test('Bypass and remembered devices skip sign-in prompts, never a step-up', () => {
  assert.equal(row(rule({ appPolicy: 'bypass', hasSecondFactor: true }), [pwd], true, ['totp']).step, 'satisfied');
  assert.equal(row(rule({ hasSecondFactor: true, rememberedDevice: true }), [pwd], true, ['totp']).step, 'satisfied');
  assert.equal(row(stepUp(rule({ appPolicy: 'bypass', hasSecondFactor: true }), ACR.multiFactor), [pwd], true, ['totp']).step, 'second_factor');
  assert.equal(row(stepUp(rule({ hasSecondFactor: true, rememberedDevice: true }), ACR.multiFactor), [pwd], true, ['totp']).step, 'second_factor');
});

test('bypass 1: a person with only an authenticator app, asked for phishing resistance, proves it before any enrollment', () => {
  const r = stepUp(rule({ hasSecondFactor: true }), ACR.phishingResistant);
  const first = row(r, [pwd], true, ['totp']);
  assert.equal(first.step, 'second_factor', 'never the wizard after the password alone');
  assert.deepEqual(first.step === 'second_factor' && first.reasons.includes('prove_before_enrolling'), true);
  // An enrollment before that proof is no evidence at all.
  assert.equal(row(r, [pwd, enrolled(['hwk'])], true, ['totp', 'webauthn']).step, 'second_factor');
  const after = row(r, [pwd, otp], true, ['totp']);
  assert.deepEqual(after.step === 'enroll' && [after.afterProof, after.phishingResistantOnly, after.optional], [true, true, false]);
  // After the proof, a security key enrolled here meets the request.
  const met = row(r, [pwd, otp, enrolled(['hwk'])], true, ['totp', 'webauthn']);
  assert.equal(met.step === 'satisfied' && met.acr, ACR.phishingResistant);
  // A person who has a key is asked for the key only (no recovery code: it is not phishing-resistant).
  const withKey = row(r, [pwd], true, ['totp', 'webauthn']);
  assert.deepEqual(withKey.step === 'second_factor' && withKey.choices, ['webauthn']);
  assert.equal(row(r, [pwd, key], true, ['totp', 'webauthn']).step, 'satisfied');
});

test('a person without 2FA: Required enrolls, Adaptive suggests (unless snoozed), an enrollment counts as the second factor', () => {
  assert.deepEqual(row(rule({ appPolicy: 'required' }), [pwd], false, []), { step: 'enroll', optional: false, phishingResistantOnly: false, afterProof: false, reasons: ['app_policy_required', 'no_second_factor', 'enrollment_required'] });
  const suggest = row(rule(), [pwd], false, []);
  assert.equal(suggest.step === 'enroll' && suggest.optional, true);
  assert.equal(row(rule({ remindAfter: NOW + 1 }), [pwd], false, []).step, 'satisfied');
  assert.equal(row(rule({ appPolicy: 'required', hasSecondFactor: true }), [pwd, enrolled(['otp'])], false, ['totp']).step, 'satisfied');
});

test('bypass 2: a session that already meets the request is satisfied by its own proofs (nothing proven now)', () => {
  const r = withRequest(rule({ hasSecondFactor: true }), { acrs: [ACR.singleFactor], reauthenticate: false });
  const d = row(r, [session(['pwd', 'otp', 'mfa'])], true, ['totp']);
  assert.deepEqual(d.step === 'satisfied' && [d.acr, d.amr], [ACR.multiFactor, ['pwd', 'otp', 'mfa']]);
});

test('a passkey sign-in is both factors and phishing-resistant', () => {
  const d = row(stepUp(rule({ hasSecondFactor: true }), ACR.phishingResistant), [passkey], true, ['webauthn']);
  assert.equal(d.step === 'satisfied' && d.acr, ACR.phishingResistant);
});

test('bypass 3: Account settings require the second factor of a person who has one, remembered device or not', () => {
  const console_ = rule({ accountConsole: true, hasSecondFactor: true, rememberedDevice: true });
  assert.equal(row(console_, [session(['pwd'])], true, ['totp']).step, 'second_factor');
  assert.equal(row(console_, [session(['pwd', 'otp', 'mfa'])], true, ['totp']).step, 'satisfied');
  assert.equal(row(rule({ accountConsole: true }), [session(['pwd'])], false, []).step, 'satisfied');
});

test('a fresh proof for a change: a second factor at most 5 minutes old; a password sign-in never counts by itself', () => {
  const withMethods = sensitiveRequirement(true);
  assert.equal(row(withMethods, [session(['pwd', 'otp', 'mfa'], 60_000)], true, ['totp']).step, 'satisfied');
  assert.notEqual(row(withMethods, [session(['pwd', 'otp', 'mfa'], 6 * 60_000)], true, ['totp']).step, 'satisfied');
  assert.equal(row(withMethods, [session(['pwd', 'otp', 'mfa'], 3600_000), { source: 'recheck', amr: ['otp'], at: NOW - 1000 }], true, ['totp']).step, 'satisfied');
  const without = sensitiveRequirement(false);
  assert.notEqual(row(without, [session(['pwd'], 1000)], false, []).step, 'satisfied');
  assert.equal(row(without, [session(['pwd'], 3600_000), { source: 'recheck', amr: ['pwd'], at: NOW - 1000 }], false, []).step, 'satisfied');
});

test('an essential acr Gatehouse never issues cannot be met', () => {
  const r = withRequest(rule(), { acrs: [], reauthenticate: false, unknownEssentialAcr: true });
  assert.deepEqual(row(r, [pwd, otp], true, ['totp']).step, 'deny');
});
