import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
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

test('trusted networks: block edges, host bits in the block, IPv6 with an IPv4 tail, mapped forms both ways — as node:net BlockList decides', () => {
  const cidrs = ['192.168.1.77/24', '2001:db8::/32', '::ffff:172.16.0.0/108', 'fe80::1:2/64', '0.0.0.0/32'];
  const inside = networkMatcher(cidrs);
  const reference = new BlockList();
  for (const c of cidrs) reference.addSubnet(c.split('/')[0]!, Number(c.split('/')[1]), isIP(c.split('/')[0]!) === 4 ? 'ipv4' : 'ipv6');
  const cases: Array<[string, boolean]> = [
    ['192.168.1.0', true],
    ['192.168.1.255', true],
    ['192.168.0.255', false],
    ['192.168.2.0', false],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', true],
    ['2001:db9::', false],
    ['2001:db7:ffff::', false],
    ['172.16.5.5', true],
    ['::ffff:172.16.5.5', true],
    ['::ffff:ac10:505', true],
    ['172.32.0.1', false],
    ['fe80::ffff:ffff:ffff:ffff', true],
    ['fe80:0:0:1::', false],
    ['::ffff:c0a8:101', true],
    ['::c0a8:101', false],
    ['0.0.0.0', true],
    ['0.0.0.1', false],
  ];
  for (const [address, expected] of cases) {
    assert.equal(inside(address), expected, address);
    const plain = address.replace(/^::ffff:(?=\d+\.)/, '');
    assert.equal(reference.check(plain, isIP(plain) === 4 ? 'ipv4' : 'ipv6'), expected, `BlockList: ${address}`);
  }
});

test('trusted networks agree with node:net BlockList on 3,000 random lists of IPv4, IPv6 and IPv4-mapped blocks', () => {
  // A seeded generator, so that a disagreement is reproducible: blocks of every prefix length, and for each
  // list a random IPv4 and IPv6 address and each block's own written address (inside, or on its edge).
  let seed = 42;
  const rnd = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * n);
  const v4 = () => [rnd(256), rnd(256), rnd(256), rnd(256)].join('.');
  const v6 = () => {
    const g = Array.from({ length: 8 }, () => (rnd(3) === 0 ? '0' : rnd(65536).toString(16)));
    const form = rnd(3);
    if (form === 0) return g.join(':');
    if (form === 1) return `::ffff:${v4()}`;
    const a = rnd(8);
    const short = `${g.slice(0, a).join(':')}::${g.slice(a + 1 + rnd(8 - a)).join(':')}`;
    return isIP(short) ? short : g.join(':');
  };
  let disagreements = 0;
  let inside = 0;
  for (let k = 0; k < 3000; k++) {
    const cidrs = Array.from({ length: 1 + rnd(3) }, () => (rnd(2) ? `${v4()}/${rnd(33)}` : `${v6()}/${rnd(129)}`));
    const matcher = networkMatcher(cidrs);
    const reference = new BlockList();
    for (const c of cidrs) reference.addSubnet(c.split('/')[0]!, Number(c.split('/')[1]), isIP(c.split('/')[0]!) === 4 ? 'ipv4' : 'ipv6');
    for (const address of [v4(), v6(), ...cidrs.map((c) => c.split('/')[0]!)]) {
      const plain = address.replace(/^::ffff:(?=\d+\.)/, '');
      const expected = reference.check(plain, isIP(plain) === 4 ? 'ipv4' : 'ipv6');
      if (matcher(address) !== expected) disagreements++;
      if (expected) inside++;
    }
  }
  assert.equal(disagreements, 0);
  assert.ok(inside > 3000, 'the sample holds addresses inside as well as outside');
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
