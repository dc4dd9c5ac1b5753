import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COMPANY_POLICY, networkMatcher, parseCompanyPolicy, PolicyError, phishingResistantOnly, inGracePeriod } from '../../src/policy/company-policy.ts';
import { canonicalDomain, emailDomain } from '../../src/policy/domain-name.ts';
import { readStoredPolicy } from '../../src/policy/company-of.ts';

test('a policy is read field by field, defaults filling the rest, anything else refused naming the field', () => {
  assert.deepEqual(parseCompanyPolicy({}), DEFAULT_COMPANY_POLICY);
  assert.equal(DEFAULT_COMPANY_POLICY.rememberDeviceDays, 30);
  const p = parseCompanyPolicy({ secondFactor: 'required', allowedMethods: ['webauthn', 'webauthn'], trustedNetworks: [' 10.0.0.0/8 '] });
  assert.deepEqual(p.allowedMethods, ['webauthn']);
  assert.deepEqual(p.trustedNetworks, ['10.0.0.0/8']);
  assert.ok(phishingResistantOnly(p));
  assert.ok(!phishingResistantOnly(DEFAULT_COMPANY_POLICY));
  for (const [input, field] of [
    [{ secondFactor: 'maybe' }, 'secondFactor'],
    [{ graceUntil: 'tomorrow' }, 'graceUntil'],
    [{ graceUntil: -5 }, 'graceUntil'],
    [{ allowedMethods: [] }, 'allowedMethods'],
    [{ allowedMethods: ['sms'] }, 'allowedMethods'],
    [{ trustedNetworks: ['10.0.0.0/33'] }, 'trustedNetworks'],
    [{ trustedNetworks: ['10.0.0.0'] }, 'trustedNetworks'],
    [{ trustedNetworks: ['example.com/8'] }, 'trustedNetworks'],
    [{ rememberDeviceDays: 1.5 }, 'rememberDeviceDays'],
    [{ rememberDeviceDays: 366 }, 'rememberDeviceDays'],
    [{ newDeviceEmail: 'yes' }, 'newDeviceEmail'],
    [{ allowAll: true }, 'allowAll'],
  ] as const) {
    assert.throws(() => parseCompanyPolicy(input), (e: unknown) => e instanceof PolicyError && e.field === field, JSON.stringify(input));
  }
  assert.throws(() => parseCompanyPolicy(null), PolicyError);
  assert.throws(() => parseCompanyPolicy([]), PolicyError);
});

test('a stored policy that no longer parses is read as the strict one, never as none', () => {
  assert.equal(readStoredPolicy('{"secondFactor":"sometimes"}').secondFactor, 'required');
  assert.equal(readStoredPolicy('not json').secondFactor, 'required');
  assert.equal(readStoredPolicy('{}').secondFactor, 'off');
});

test('trusted networks match IPv4, IPv6 and IPv4-mapped addresses; an unparsable address is never inside', () => {
  const inside = networkMatcher(['10.0.0.0/8', '2001:db8::/32', '192.168.1.7/32']);
  assert.ok(inside('10.1.2.3'));
  assert.ok(inside('::ffff:10.1.2.3'));
  assert.ok(inside('2001:db8::1'));
  assert.ok(inside('192.168.1.7'));
  assert.ok(!inside('192.168.1.8'));
  assert.ok(!inside('11.0.0.1'));
  assert.ok(!inside('not-an-ip'));
  assert.ok(!inside(undefined));
  assert.ok(!inside(''));
});

test('the grace period ends at its date', () => {
  const p = parseCompanyPolicy({ secondFactor: 'required', graceUntil: 1_000 });
  assert.ok(inGracePeriod(p, 999));
  assert.ok(!inGracePeriod(p, 1_000));
  assert.ok(!inGracePeriod(DEFAULT_COMPANY_POLICY, 0));
});

test('domains are canonical: IDNA, lower case, at least two labels, no IP literal', () => {
  assert.equal(canonicalDomain('Example.COM.'), 'example.com');
  assert.equal(canonicalDomain('bücher.example'), 'xn--bcher-kva.example');
  for (const bad of ['localhost', '10.0.0.1', 'exa mple.com', '-x.example', 'x..example', '', 'a'.repeat(64) + '.example']) {
    assert.equal(canonicalDomain(bad), undefined, bad);
  }
  assert.equal(emailDomain('ada@Acme.Test'), 'acme.test');
  assert.equal(emailDomain('no-at-sign'), undefined);
});
