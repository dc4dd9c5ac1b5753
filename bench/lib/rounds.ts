import type { Child } from './child.ts';

/** One round on one side: completed operations, failures, wall time, and CPU on each side of the wire. */
export interface RoundResult {
  ops: number;
  errors: number;
  /** Wall time from the first operation started to the last one finished. */
  seconds: number;
  /** CPU the server process used in that time, all threads. */
  serverCpuMs: number;
  /** CPU the load generator (this process) used in that time. */
  generatorCpuMs: number;
  /** Growth of the server's own counters in that time (see ServeOptions.counters). */
  serverCounters?: Record<string, number>;
  firstError?: string;
}

/**
 * Runs `vus` virtual users, each doing `op` back to back, for `seconds`. Operations started
 * before the deadline are allowed to finish and are counted; the wall time and CPU readings span
 * exactly that, so throughput and CPU per operation describe the same work.
 */
export async function runLoad(server: Child, vus: number, seconds: number, op: (vu: number) => Promise<void>): Promise<RoundResult> {
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  const before = await server.stats();
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: vus }, async (_, vu) => {
    while (performance.now() < deadline) {
      try {
        await op(vu);
        ops++;
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
        // A failing server must not turn the loop into a busy spin.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(gen0);
  const after = await server.stats();
  const serverCounters = Object.fromEntries(Object.entries(after.counters).map(([k, v]) => [k, v - (before.counters[k] ?? 0)]));
  return { ops, errors, seconds: elapsed, serverCpuMs: after.cpuMs - before.cpuMs, generatorCpuMs: (gen.user + gen.system) / 1000, serverCounters, firstError };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Medians over a side's rounds. */
export interface SideSummary {
  perSecond: number;
  serverCpuMsPerOp: number;
  generatorCpuMsPerOp: number;
  /** Server CPU as cores busy (CPU time / wall time). */
  serverCores: number;
  /** Medians of the server's counters per operation (for example store queries per sign-in). */
  countersPerOp: Record<string, number>;
  ops: number;
  errors: number;
  firstError?: string;
  rounds: number[];
}

export function summarize(rounds: RoundResult[]): SideSummary {
  const ok = rounds.filter((r) => r.ops > 0);
  return {
    perSecond: median(rounds.map((r) => r.ops / r.seconds)),
    serverCpuMsPerOp: median(ok.map((r) => r.serverCpuMs / r.ops)),
    generatorCpuMsPerOp: median(ok.map((r) => r.generatorCpuMs / r.ops)),
    serverCores: median(rounds.map((r) => r.serverCpuMs / 1000 / r.seconds)),
    countersPerOp: Object.fromEntries(
      Object.keys(ok[0]?.serverCounters ?? {}).map((k) => [k, median(ok.map((r) => (r.serverCounters?.[k] ?? 0) / r.ops))]),
    ),
    ops: rounds.reduce((n, r) => n + r.ops, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    firstError: rounds.find((r) => r.firstError)?.firstError,
    rounds: rounds.map((r) => r.ops / r.seconds),
  };
}

/**
 * Runs every side once per round, in turn (A, B, A, B, …), after one unrecorded warm-up round
 * each, so that drift on a shared machine (other load, thermal, JIT) falls on all sides alike.
 */
export async function alternate<K extends string>(
  sides: Record<K, () => Promise<RoundResult>>,
  rounds: number,
  log: (line: string) => void,
): Promise<Record<K, SideSummary>> {
  const names = Object.keys(sides) as K[];
  const results = Object.fromEntries(names.map((n) => [n, [] as RoundResult[]])) as Record<K, RoundResult[]>;
  for (let round = 0; round <= rounds; round++) {
    for (const name of names) {
      const r = await sides[name]();
      const line = `${round === 0 ? 'warm-up' : `round ${round}`} ${name}: ${(r.ops / r.seconds).toFixed(1)}/s, server ${(r.serverCpuMs / Math.max(r.ops, 1)).toFixed(2)} ms CPU/op${r.errors ? `, ${r.errors} errors (${r.firstError})` : ''}`;
      log(line);
      if (round > 0) results[name].push(r);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(results[n])])) as Record<K, SideSummary>;
}
