import type { Child } from './child.ts';
import { median } from './rounds.ts';
import { percentile } from './percentile.ts';
import type { Trace } from './oidc.ts';

/** The server CPU that reading its CPU costs (an IPC round trip), to subtract from each reading. */
async function readingCost(server: Child): Promise<number> {
  const probe: number[] = [];
  for (let i = 0; i < 20; i++) {
    const a = await server.stats();
    probe.push((await server.stats()).cpuMs - a.cpuMs);
  }
  return median(probe);
}

const ordinal = (n: number) => `${n}${n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;

/**
 * The anatomy of one operation: run it `times` times, one at a time, reading the server's CPU and
 * counters between its steps, so each step's server work is known exactly (no other request is in
 * flight). The cost of a reading itself (an IPC round trip) is measured and subtracted.
 * Returns a markdown table: step, server CPU (median), store statements (mean) and their kinds.
 */
export async function anatomy(server: Child, times: number, op: (trace: Trace) => Promise<void>): Promise<string> {
  const readingMs = await readingCost(server);

  const steps = new Map<string, { cpu: number[]; counters: Map<string, number> }>();
  for (let i = 0; i < times; i++) {
    let current: string | undefined;
    // A step met again in the same operation (the interaction's pages) is a row of its own, by its order.
    const seen = new Map<string, number>();
    let last = await server.stats();
    await op(async (label) => {
      const nth = (seen.get(label) ?? 0) + 1;
      seen.set(label, nth);
      if (nth > 1) label = `${label}, ${ordinal(nth)}`;
      const now = await server.stats();
      if (current) {
        const step = steps.get(current) ?? { cpu: [] as number[], counters: new Map<string, number>() };
        step.cpu.push(Math.max(0, now.cpuMs - last.cpuMs - readingMs));
        for (const [k, v] of Object.entries(now.counters)) {
          const d = v - (last.counters[k] ?? 0);
          if (d) step.counters.set(k, (step.counters.get(k) ?? 0) + d);
        }
        steps.set(current, step);
      }
      current = label === 'end' ? undefined : label;
      last = await server.stats();
    });
  }

  let total = 0;
  const lines = [...steps].map(([label, s]) => {
    const cpu = median(s.cpu);
    const n = s.cpu.length;
    total += (cpu * n) / times;
    const all = ((s.counters.get('queries') ?? 0) / n).toFixed(1);
    const kinds = [...s.counters].filter(([k]) => k !== 'queries').sort((a, b) => b[1] - a[1]).map(([k, v]) => `${(v / n).toFixed(1).replace(/\.0$/, '')}× ${k}`).join(', ');
    return `| ${label} (×${(n / times).toFixed(0)}) | ${cpu.toFixed(2)} ms | ${all} | ${kinds} |`;
  });
  return [
    '| step (times per operation) | server CPU per request (median) | store statements | statements by kind |',
    '|---|---|---|---|',
    ...lines,
    `| **total** | **${total.toFixed(2)} ms** | | |`,
  ].join('\n');
}

/**
 * The server CPU of whole operations run one at a time, each kind in turn (`times` of each), with the
 * cost of a reading (an IPC round trip) measured and subtracted: per kind, the median. Steadier than
 * a difference of two throughput rounds, whose totals move with the load generator and argon2id.
 */
export async function serverCpuOneAtATime<K extends string>(server: Child, times: number, ops: Record<K, () => Promise<void>>): Promise<{ medians: Record<K, number>; samples: Record<K, number[]> }> {
  const readingMs = await readingCost(server);
  const kinds = Object.keys(ops) as K[];
  const cpu = Object.fromEntries(kinds.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < times; i++) {
    for (const k of kinds) {
      const before = await server.stats();
      await ops[k]();
      cpu[k].push(Math.max(0, (await server.stats()).cpuMs - before.cpuMs - readingMs));
    }
  }
  return { medians: Object.fromEntries(kinds.map((k) => [k, median(cpu[k])])) as Record<K, number>, samples: cpu };
}

/**
 * The spread of `a − b` over the pairs run in turn (the i-th of each): its quartiles. Says how far a
 * difference of two medians can be trusted on a machine whose timing moves.
 */
export function pairedQuartiles(a: number[], b: number[]): { q1: number; q3: number } {
  const d = a.map((x, i) => x - b[i]!);
  return { q1: percentile(d, 0.25), q3: percentile(d, 0.75) };
}

/**
 * Where an operation's event-loop time goes, request by request: `op` runs `times` times one at a
 * time while the server records each request's start and finish with its event loop's busy time
 * (the `boundaries` of servers/gatehouse.ts). The intervals between consecutive boundaries add up to
 * all of the operation's main-thread work — argon2id's pool threads excluded, a held request's work
 * before and after its wait included (readings over IPC cannot split that: the held request runs
 * while the reading is taken). Returns a markdown table of the intervals (median of each) and
 * their total; `kinds` are several operations shown side by side, each in turn.
 */
export async function loopAnatomy<K extends string>(server: Child, times: number, kinds: Record<K, () => Promise<void>>): Promise<string> {
  const names = Object.keys(kinds) as K[];
  const rows = Object.fromEntries(names.map((k) => [k, new Map<string, number[]>()])) as Record<K, Map<string, number[]>>;
  const totals = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < times; i++) {
    for (const k of names) {
      await server.call('boundaries', { start: true });
      await kinds[k]();
      // A held request's finish can come just after the generator saw its answer.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const marks = await server.call<[string, number][]>('boundaries');
      let total = 0;
      for (let j = 1; j < marks.length; j++) {
        const key = `${marks[j - 1]![0]} → ${marks[j]![0]}`;
        const ms = marks[j]![1] - marks[j - 1]![1];
        total += ms;
        const list = rows[k].get(`${String(j).padStart(2, '0')}|${key}`) ?? [];
        list.push(ms);
        rows[k].set(`${String(j).padStart(2, '0')}|${key}`, list);
      }
      totals[k].push(total);
    }
  }
  return names
    .map((k) => {
      const lines = [...rows[k]].map(([key, ms]) => `| ${key.split('|')[1]} | ${median(ms).toFixed(3)} ms |`);
      return [`**${k}** (event-loop time, median of ${times}; total ${median(totals[k]).toFixed(2)} ms)`, '', '| interval | event loop |', '|---|---|', ...lines].join('\n');
    })
    .join('\n\n');
}
