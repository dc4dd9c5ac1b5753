import type { Child } from './child.ts';
import type { PasswordFixture } from './fixtures.ts';
import type { Started } from '../servers/gatehouse.ts';

/** One line of the result table. */
export interface Row {
  measurement: string;
  value: string;
  /** The physical limit or the reference it is compared with. */
  reference: string;
  ratio: string;
  target: string;
  result: 'pass' | 'FAIL' | 'info';
}

export interface BenchOptions {
  /** Concurrent virtual users of the load generator. @default 16 */
  vus: number;
  /** Length of one round, seconds. @default 3 */
  seconds: number;
  /** Recorded rounds per side (after one warm-up round). @default 5 */
  rounds: number;
  /** Diagnose where Gatehouse's time goes: a CPU profile of each scenario (it slows the server down while it runs). @default false */
  profile: boolean;
  /**
   * Per-step anatomies of one sign-in (server CPU and statements per request). Asked alone (BENCH_ANATOMY=1)
   * they run without the profiler, whose sampling would otherwise be in every request's CPU.
   * @default false
   */
  anatomy: boolean;
  /** Push requests pending at once while the wake latency is measured. @default 10000 */
  pushPending: number;
  /** Browsers waiting on a push request with an open event stream (the sample timed). @default 200 */
  pushStreams: number;
}

/** What a scenario is given: the processes under measurement, started once and shared. */
export interface BenchContext {
  options: BenchOptions;
  /** `started` tells a scenario how to start a second instance on the same store (PostgreSQL). */
  gatehouse: { child: Child; issuer: string; started: Started };
  /** The raw argon2id verify loop (see servers/argon2.ts). */
  argon2: Child;
  /** The raw ES256 verify loop (see servers/es256.ts), started on first use. */
  es256(): Child;
  /** The app and users seeded in Gatehouse for password sign-in (seeded once, on first use). */
  passwordFixture(): Promise<PasswordFixture>;
  /** The bare oidc-provider with Gatehouse's key, app and users (started once, on first use). */
  reference(): Promise<{ child: Child; issuer: string }>;
  log(line: string): void;
  /** Adds a markdown section printed after the table (diagnostics). */
  report(section: string): void;
}

/** One file per scenario in bench/scenarios/, listed in bench/run.ts. */
export interface Scenario {
  id: string;
  title: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

export const fmt = {
  rate: (n: number) => `${n.toFixed(n < 100 ? 1 : 0)}/s`,
  ms: (n: number) => `${n.toFixed(2)} ms`,
  ratio: (n: number) => n.toFixed(2),
};

export function verdict(ok: boolean): 'pass' | 'FAIL' {
  return ok ? 'pass' : 'FAIL';
}
