import type { Row } from './scenario.ts';

/** The result table in markdown, columns padded so it also reads well in a terminal. */
export function markdownTable(rows: Row[]): string {
  const head = ['measurement', 'value', 'physical limit / reference', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [r.measurement, r.value, r.reference, r.ratio, r.target, r.result]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
