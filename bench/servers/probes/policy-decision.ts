import { createApp } from '../../../src/store/clients.ts';
import { createUser } from '../../../src/store/users.ts';
import { audit } from '../../../src/store/audit.ts';
import { createOrganization } from '../../../src/store/organizations.ts';
import { claimDomain, markVerified } from '../../../src/store/org-domains.ts';
import { saveCompanyPolicy } from '../../../src/policy/company-of.ts';
import { DEFAULT_COMPANY_POLICY } from '../../../src/policy/company-policy.ts';
import { recordKnownDevice } from '../../../src/store/known-devices.ts';
import { recordSignIn } from '../../../src/policy/risk/history.ts';
import { assessRisk } from '../../../src/policy/risk/assess.ts';
import { signInRequirementFor } from '../../../src/policy/requirement-for.ts';
import { percentile } from '../../lib/percentile.ts';
import type { Probe } from '../gatehouse.ts';

/** Timings of one kind of decision: wall time per call (p50, p99) and this process's CPU per call. */
export interface DecisionTiming {
  p50: number;
  p99: number;
  cpuMs: number;
  n: number;
  /** The last decision's outcome and reasons, to show what was decided. */
  last: string;
}

/** Runs `fn` `n` times one at a time (after `warm` unrecorded calls), as a sign-in asks for one decision. */
async function time(n: number, warm: number, fn: (i: number) => Promise<string>): Promise<DecisionTiming> {
  const times: number[] = [];
  let last = '';
  let cpu = process.cpuUsage();
  for (let i = 0; i < warm + n; i++) {
    if (i === warm) cpu = process.cpuUsage();
    const t = performance.now();
    last = await fn(i);
    if (i >= warm) times.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), cpuMs: (used.user + used.system) / 1000 / n, n, last };
}

/**
 * The policy decision of a sign-in, in the Gatehouse process, on its store (issue 9: p99 < 0.2 ms,
 * checks included). `signInRequirementFor` is what the interaction runs once the password is right:
 * the app's row (cached), the company lookup (a verified domain, a policy with a trusted network),
 * the remembered-device and reminder reads, and for an Adaptive app the named risk checks with their
 * store queries (a person with TOTP, a month of sign-in history, a day of failures in the audit log;
 * half the calls from a browser the person used before). Formerly bench/risk-assess.ts, whose
 * `assessRisk`-alone timing is kept beside it.
 */
export type DecisionKind = 'adaptive' | 'required' | 'risk';

type Fixture = Awaited<ReturnType<typeof setUp>>;
let fixture: Promise<Fixture> | undefined;

/** The apps, the company and the person, made once per process (each kind is timed in a call of its own). */
async function setUp(gh: Parameters<Probe>[0]) {
  const { db, box, clock, random } = gh.deps;
  const now = clock.now();
  const adaptive = await createApp(db, box, clock, random, { name: 'Bench policy (Adaptive)', redirectUris: ['http://127.0.0.1:9/cb'], firstParty: true, policy: 'adaptive' });
  const required = await createApp(db, box, clock, random, { name: 'Bench policy (Required)', redirectUris: ['http://127.0.0.1:9/cb'], firstParty: true, policy: 'required' });
  const org = await createOrganization(db, clock, random, 'Bench policy company');
  await claimDomain(db, clock, random, org.id, 'policy-bench.example');
  await markVerified(db, clock, org.id, 'policy-bench.example', 'admin');
  await saveCompanyPolicy(db, org.id, { ...DEFAULT_COMPANY_POLICY, trustedNetworks: ['10.0.0.0/8'] });
  const user = await createUser(db, clock, random, { email: 'ada@policy-bench.example', name: 'Ada', passwordHash: null, emailVerified: true });
  const deps = gh.deps;
  for (let i = 0; i < 30; i++) await recordSignIn(deps, { userId: user.id, ip: i % 2 ? '8.8.8.8' : '133.242.0.3', deviceKnown: true, now: now - (30 - i) * 3600_000 });
  for (let i = 0; i < 40; i++) {
    await audit(db, { now: () => now - i * 30 * 60_000 }, { event: ['login.password.failed', 'mfa.failed', 'push.denied', 'login.password.succeeded'][i % 4]!, userId: user.id });
  }
  await recordKnownDevice(db, clock, user.id, 'bench-known-browser');
  return { adaptive: adaptive.clientId, required: required.clientId, user };
}

const ips = ['8.8.8.8', '193.0.6.139', '2001:67c:2e8:22::c100:68b', '133.242.0.3'];

/**
 * Calls of every kind made once per process before any is timed, so that no kind pays for the
 * process's warm-up (compiling, the GeoIP tables' first use, collecting the fixture's garbage) —
 * the first kind timed used to show a p99 ten times the same kind's timed again right after.
 */
const PROCESS_WARM_UP = 2000;
let warmed: Promise<void> | undefined;

const probe: Probe = async (gh, { n, kind }: { n: number; kind: DecisionKind | 'warm-up' }): Promise<DecisionTiming | undefined> => {
  const { adaptive, required, user } = await (fixture ??= setUp(gh));
  const deps = gh.deps;
  const { clock } = deps;
  const decide = (clientId: string) => async (i: number) => {
    const r = await signInRequirementFor(deps, {
      user,
      clientId,
      methodTypes: ['totp'],
      deviceToken: undefined,
      ip: ips[i % ips.length],
      deviceKnown: { nonce: i % 2 === 0 ? 'bench-known-browser' : undefined, validAfter: user.sessions_valid_after },
      request: { acrs: [], reauthenticate: false },
    });
    return `${r.secondFactor} (${r.reasons.join(', ')})`;
  };
  const risk = async (i: number) => {
    const r = await assessRisk({ deps, userId: user.id, ip: ips[i % ips.length], deviceKnown: i % 2 === 0, trustedNetworks: ['10.0.0.0/8'], now: clock.now() });
    return `${r.decision} (${r.signals.map((s) => s.reason).join(', ')})`;
  };
  const kinds = { adaptive: decide(adaptive), required: decide(required), risk };
  if (kind === 'warm-up') {
    await (warmed ??= (async () => {
      for (const fn of Object.values(kinds)) for (let i = 0; i < PROCESS_WARM_UP; i++) await fn(i);
    })());
    return undefined;
  }
  return time(n, Math.min(500, n), kinds[kind]);
};
export default probe;
