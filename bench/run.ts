/**
 * `npm run bench`: measures Gatehouse against its physical limit and a bare oidc-provider, and
 * prints one markdown table. The servers run in processes of their own so their CPU is read apart
 * from this load generator's; the sides of each scenario alternate round by round and the table
 * shows medians. Benchmarks are not tests: it exits 0 whatever the numbers (1 only if it could not run).
 *
 * Environment:
 *   DATABASE_URL=postgres://…  Gatehouse on PostgreSQL (a fresh schema, dropped afterwards); default SQLite file
 *   BENCH_VUS=16               concurrent virtual users
 *   BENCH_SECONDS=3            length of a round
 *   BENCH_ROUNDS=5             recorded rounds per side (plus one warm-up)
 *   BENCH_SCENARIOS=a,b        only these scenario ids
 *   BENCH_PUSH_PENDING=10000   push requests pending at once during the wake-latency measurement
 *   BENCH_PUSH_STREAMS=200     browsers waiting with an open event stream among them (the timed sample)
 *   BENCH_PROFILE=1            profile Gatehouse's main thread during each scenario and print where the time goes (with the anatomies)
 *   BENCH_ANATOMY=1            the step-by-step anatomies alone, without the profiler's overhead in their CPU
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Child } from './lib/child.ts';
import { markdownTable } from './lib/table.ts';
import { summarizeProfile } from './lib/profile.ts';
import { BENCH_PASSWORD, BENCH_REDIRECT_URI, type PasswordFixture } from './lib/fixtures.ts';
import type { BenchContext, BenchOptions, Row, Scenario } from './lib/scenario.ts';
import type { JWK } from 'jose';
import type { Started } from './servers/gatehouse.ts';
import { passwordSignIn } from './scenarios/password-sign-in.ts';
import { refreshRotation } from './scenarios/refresh-rotation.ts';
import { totpSignIn } from './scenarios/totp-sign-in.ts';
import { passkeySignIn } from './scenarios/passkey-sign-in.ts';
import { pushSignIn } from './scenarios/push-sign-in.ts';
import { pushWake } from './scenarios/push-wake.ts';
import { policyDecision } from './scenarios/policy-decision.ts';
import { stepUp } from './scenarios/step-up.ts';

const SCENARIOS: Scenario[] = [passwordSignIn, refreshRotation, totpSignIn, passkeySignIn, pushSignIn, pushWake, policyDecision, stepUp];
/** Accounts seeded for password sign-in: more than virtual users, so none is shared at once. */
const USERS = 64;

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

async function main(): Promise<number> {
  const options: BenchOptions = {
    vus: intEnv('BENCH_VUS', 16, 1, 256),
    seconds: intEnv('BENCH_SECONDS', 3, 1, 60),
    rounds: intEnv('BENCH_ROUNDS', 5, 1, 50),
    profile: process.env.BENCH_PROFILE === '1',
    anatomy: process.env.BENCH_PROFILE === '1' || process.env.BENCH_ANATOMY === '1',
    pushPending: intEnv('BENCH_PUSH_PENDING', 10_000, 0, 100_000),
    pushStreams: intEnv('BENCH_PUSH_STREAMS', 200, 1, 5_000),
  };
  const only = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim()).filter(Boolean);
  const scenarios = only ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
  if (scenarios.length === 0) throw new Error(`BENCH_SCENARIOS matched none of: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'gatehouse-bench-prof-')) : undefined;
  const log = (line: string) => process.stderr.write(`  ${line}\n`);
  const started = performance.now();

  // --expose-gc: the memory probes force a collection before each reading.
  const gatehouseChild = Child.start('gatehouse', 'gatehouse', { execArgv: ['--expose-gc'] });
  const argon2 = Child.start('argon2', 'argon2');
  let referenceChild: Child | undefined;
  let es256Child: Child | undefined;
  try {
    const gatehouse = await gatehouseChild.call<Started>('start');
    log(`Gatehouse at ${gatehouse.issuer} on ${gatehouse.database} (pid ${gatehouseChild.pid})`);
    const sections: string[] = [];
    let fixture: Promise<PasswordFixture> | undefined;
    let reference: Promise<{ child: Child; issuer: string }> | undefined;
    const ctx: BenchContext = {
      options,
      gatehouse: { child: gatehouseChild, issuer: gatehouse.issuer, started: gatehouse },
      argon2,
      es256: () => (es256Child ??= Child.start('es256', 'es256')),
      log,
      report: (section) => sections.push(section),
      passwordFixture: () =>
        (fixture ??= gatehouseChild.call<PasswordFixture>('seed', { module: 'password-users', args: { count: USERS, password: BENCH_PASSWORD, redirectUri: BENCH_REDIRECT_URI } })),
      reference: () =>
        (reference ??= (async () => {
          const f = await ctx.passwordFixture();
          const keys = await gatehouseChild.call<JWK[]>('signingKeys');
          referenceChild = Child.start('reference', 'reference');
          const { issuer } = await referenceChild.call<{ issuer: string }>('start', {
            keys, clientId: f.clientId, clientSecret: f.clientSecret, redirectUri: BENCH_REDIRECT_URI, emails: f.emails, password: BENCH_PASSWORD,
          });
          log(`bare oidc-provider at ${issuer} (pid ${referenceChild.pid})`);
          return { child: referenceChild, issuer };
        })()),
    };

    const rows: Row[] = [];
    for (const s of scenarios) {
      log(`${s.title}: ${options.rounds} rounds × ${options.seconds} s per side, ${options.vus} virtual users`);
      if (profileDir) await gatehouseChild.call('profileStart');
      rows.push(...(await s.run(ctx)));
      if (profileDir) {
        const file = await gatehouseChild.call<string>('profileStop', { file: join(profileDir, `${s.id}.cpuprofile`) });
        sections.push(summarizeProfile(file, s.title));
      }
    }

    const cpu = cpus();
    console.log(`\n## Gatehouse benchmark\n`);
    console.log(markdownTable(rows));
    console.log(
      `\nMedians of ${options.rounds} alternating rounds of ${options.seconds} s per side (after a warm-up round), ${options.vus} virtual users; ` +
        `Gatehouse on ${gatehouse.database}. Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, Node ${process.version}; ` +
        `the load generator shares these cores with the server under test. Server CPU is the server process's own (all threads), read over IPC` +
        `${gatehouse.database.startsWith('PostgreSQL') ? ' (PostgreSQL\'s own CPU is not included)' : ''}. ` +
        `Run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    );
    if (sections.length) console.log(`\n## Where Gatehouse's time goes (BENCH_PROFILE=1)\n\n${sections.join('\n\n')}`);
  } finally {
    await Promise.all([gatehouseChild.stop(), argon2.stop(), referenceChild?.stop(), es256Child?.stop()]);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('bench: could not run:', err);
    process.exit(1);
  },
);
