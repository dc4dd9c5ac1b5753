import type { SideSummary } from './rounds.ts';
import type { Row } from './scenario.ts';

/** How many statements Gatehouse sent to its store per operation (the bare provider keeps everything in memory). */
export function storeRow(what: string, g: SideSummary): Row {
  return {
    measurement: `Store statements per ${what} (Gatehouse)`,
    value: (g.countersPerOp.queries ?? NaN).toFixed(1),
    reference: 'bare oidc-provider: in memory',
    ratio: '',
    target: 'context',
    result: 'info' as const,
  };
}

/** A row per side that had failures: a benchmark that fails requests measures nothing. */
export function errorRows(what: string, sides: Record<string, SideSummary>): Row[] {
  return Object.entries(sides)
    .filter(([, s]) => s.errors > 0)
    .map(([name, s]) => ({
      measurement: `Failed ${what}s (${name})`,
      value: `${s.errors} of ${s.ops + s.errors}`,
      reference: (s.firstError ?? '').replace(/\s+/g, ' ').replace(/\|/g, '/').slice(0, 120),
      ratio: '',
      target: '0',
      result: 'FAIL' as const,
    }));
}
