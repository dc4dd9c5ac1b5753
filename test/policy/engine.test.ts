import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signInPolicy, type PolicyInput, type RiskView } from '../../src/policy/engine.ts';
import { parseCompanyPolicy } from '../../src/policy/company-policy.ts';
import { decide } from '../../src/gate/decide.ts';
import { withRequest } from '../../src/gate/requirement.ts';
import type { Proof } from '../../src/gate/evidence.ts';
import { ACR } from '../../src/oidc/acr.ts';
import type { AppPolicy } from '../../src/store/clients.ts';

// The policy matrix: company policy × application behaviour × the person's methods × risk × step-up →
// what the gate asks next, with its reasons. Every sign-in and the simulator run this one function.
const NOW = 1_800_000_000_000;
const DAY = 24 * 3600 * 1000;
const pwd: Proof = { source: 'password', amr: ['pwd'], at: NOW };

const company = (o: Record<string, unknown>) => ({ name: 'Acme', policy: parseCompanyPolicy(o) });
const requiredCo = company({ secondFactor: 'required' });
const graceCo = company({ secondFactor: 'required', graceUntil: NOW + 7 * DAY });
const keysOnlyCo = company({ secondFactor: 'required', allowedMethods: ['webauthn'] });
const noRememberCo = company({ secondFactor: 'off', rememberDeviceDays: 0 });
const skip: RiskView = { decision: 'skip', reasons: ['known_device'] };
const ask: RiskView = { decision: 'ask', reasons: ['new_device'] };
const askStrong: RiskView = { decision: 'ask_phishing_resistant', reasons: ['new_country'] };
const deny: RiskView = { decision: 'deny', reasons: ['push_fraud_reported', 'new_country'] };

function input(behaviour: AppPolicy, methodTypes: string[], o: Partial<PolicyInput> = {}): PolicyInput {
  return { accountConsole: false, app: { behaviour, phishingResistantOnly: false }, company: undefined, person: { methodTypes, remindAfter: null }, rememberedDevice: false, risk: undefined, now: NOW, ...o };
}

/** What the gate asks after the password, in one word (and the enroll/deny details). */
function next(i: PolicyInput, acrs: string[] = []): string {
  const requirement = withRequest(signInPolicy(i), { acrs, reauthenticate: false });
  const d = decide({ requirement, evidence: { proofs: [pwd], hadMethods: i.person.methodTypes.length > 0 }, methodTypes: i.person.methodTypes, now: NOW });
  if (d.step === 'second_factor') return `second_factor:${d.choices.join(',')}`;
  if (d.step === 'enroll') return `enroll${d.optional ? ':optional' : ''}${d.phishingResistantOnly ? ':phishing_resistant' : ''}${d.allowed ? ':' + d.allowed.join(',') : ''}`;
  if (d.step === 'deny') return `deny:${d.code}`;
  return d.step;
}

test('application behaviour without a company policy', () => {
  const rows: Array<[string, PolicyInput, string]> = [
    ['Bypass never asks', input('bypass', ['totp']), 'satisfied'],
    ['Bypass never asks, not even a person without 2FA', input('bypass', []), 'satisfied'],
    ['Required asks a person with 2FA', input('required', ['totp']), 'second_factor:totp,recovery'],
    ['Required sends a person without 2FA to the wizard', input('required', []), 'enroll'],
    ['Required: a remembered device skips the prompt', input('required', ['totp'], { rememberedDevice: true }), 'satisfied'],
    ['Adaptive suggests 2FA to a person without it', input('adaptive', []), 'enroll:optional'],
    ['Adaptive, snoozed: nothing', input('adaptive', [], { person: { methodTypes: [], remindAfter: NOW + DAY } }), 'satisfied'],
    ['Adaptive, low risk: skips', input('adaptive', ['totp'], { risk: skip }), 'satisfied'],
    ['Adaptive, new device: asks', input('adaptive', ['totp'], { risk: ask }), 'second_factor:totp,recovery'],
    ['Adaptive, risk not assessed: asks (fails closed)', input('adaptive', ['totp']), 'second_factor:totp,recovery'],
    ['Adaptive, high risk with a key: only the key', input('adaptive', ['totp', 'webauthn'], { risk: askStrong }), 'second_factor:webauthn'],
    ['Adaptive, high risk without a key: asks what they have', input('adaptive', ['totp'], { risk: askStrong }), 'second_factor:totp,recovery'],
    ['Adaptive, worst risk: denied after the password', input('adaptive', ['totp'], { risk: deny }), 'deny:access_denied'],
    ['Adaptive, new device but remembered: skips', input('adaptive', ['totp'], { risk: ask, rememberedDevice: true }), 'satisfied'],
    ['phishing-resistant-only app: only keys', { ...input('required', ['totp', 'webauthn']), app: { behaviour: 'required', phishingResistantOnly: true } }, 'second_factor:webauthn'],
    ['phishing-resistant-only app, person with a code app: proves it, then adds a key', { ...input('required', ['totp']), app: { behaviour: 'required', phishingResistantOnly: true } }, 'second_factor:totp,recovery'],
  ];
  for (const [name, i, expected] of rows) assert.equal(next(i), expected, name);
});

test('company policy against application behaviour: the higher demand wins, Bypass wins at sign-in', () => {
  const rows: Array<[string, PolicyInput, string]> = [
    ['company required + Adaptive app, compliant, low risk: the app behaviour decides when to ask', input('adaptive', ['totp'], { company: requiredCo, risk: skip }), 'satisfied'],
    ['company required + Adaptive app, compliant, new device: asks', input('adaptive', ['totp'], { company: requiredCo, risk: ask }), 'second_factor:totp,recovery'],
    ['company required + Bypass app: Bypass wins', input('bypass', ['totp'], { company: requiredCo }), 'satisfied'],
    ['company required + Bypass app, no 2FA: Bypass wins', input('bypass', [], { company: requiredCo }), 'satisfied'],
    ['company required, no 2FA, after the grace date: mandatory wizard', input('adaptive', [], { company: requiredCo }), 'enroll'],
    ['company required, no 2FA, within the grace period: "Remind me later"', input('adaptive', [], { company: graceCo }), 'enroll:optional'],
    ['… snoozed within the grace period: nothing', input('adaptive', [], { company: graceCo, person: { methodTypes: [], remindAfter: NOW + DAY } }), 'satisfied'],
    ['… but a Required app does not wait for the grace date', input('required', [], { company: graceCo }), 'enroll'],
    ['company allows only keys: a key is asked', input('adaptive', ['totp', 'webauthn'], { company: keysOnlyCo }), 'second_factor:webauthn'],
    ['company allows only keys, person has only a code app: prove it, then the wizard', input('adaptive', ['totp'], { company: keysOnlyCo }), 'second_factor:totp,recovery'],
    ['company allows only keys, no 2FA: wizard with keys only', input('adaptive', [], { company: keysOnlyCo }), 'enroll:phishing_resistant:webauthn'],
    ['company turns remembered devices off', input('required', ['totp'], { company: noRememberCo, rememberedDevice: true }), 'second_factor:totp,recovery'],
    ['company 2FA off + Adaptive: the risk decides', input('adaptive', ['totp'], { company: company({}), risk: skip }), 'satisfied'],
  ];
  for (const [name, i, expected] of rows) assert.equal(next(i), expected, name);
});

test('a step-up the app asks for is honoured, Bypass or not, remembered device or not', () => {
  assert.equal(next(input('bypass', ['totp']), [ACR.multiFactor]), 'second_factor:totp,recovery');
  assert.equal(next(input('adaptive', ['totp'], { risk: skip, rememberedDevice: true }), [ACR.multiFactor]), 'second_factor:totp,recovery');
  assert.equal(next(input('required', ['totp'], { rememberedDevice: true }), [ACR.phishingResistant]), 'second_factor:totp,recovery', 'prove before enrolling a key');
  assert.equal(next(input('bypass', []), [ACR.multiFactor]), 'enroll');
});

test('the reasons say why, in names the audit log, the challenge page and the simulator share', () => {
  assert.deepEqual(signInPolicy(input('adaptive', ['totp'], { risk: ask })).reasons, ['app_policy_adaptive', 'risk_ask', 'risk_new_device']);
  assert.deepEqual(signInPolicy(input('adaptive', ['totp'], { company: requiredCo })).reasons, ['company_policy_required', 'app_policy_adaptive', 'risk_ask', 'risk_not_assessed']);
  assert.deepEqual(signInPolicy(input('adaptive', [], { company: requiredCo })).reasons, ['company_policy_required', 'no_second_factor']);
  assert.deepEqual(signInPolicy(input('bypass', ['totp'], { company: requiredCo })).reasons, ['app_policy_bypass']);
  assert.deepEqual(signInPolicy(input('adaptive', [], { company: graceCo })).reasons, ['company_policy_required', 'company_grace_period', 'no_second_factor']);
});

test('Account settings: Required for people with 2FA, and for a company past its grace date', () => {
  const console = (methodTypes: string[], o: Partial<PolicyInput> = {}) => signInPolicy({ ...input('adaptive', methodTypes, o), accountConsole: true }).secondFactor;
  assert.equal(console(['totp']), 'required');
  assert.equal(console(['totp'], { rememberedDevice: true }), 'required', 'a remembered device never counts there');
  assert.equal(console([]), 'none');
  assert.equal(console([], { company: requiredCo }), 'required');
  assert.equal(console([], { company: graceCo }), 'none');
});
