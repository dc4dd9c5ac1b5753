/**
 * Where a command's result goes. In `--json` mode stdout carries exactly one JSON value (an object
 * or an array) and nothing else, so scripts can pipe it; notes for people go to stderr. Otherwise
 * the human rendering goes to stdout.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** The command's result: `data` as JSON in `--json` mode, `human` otherwise. */
  result(data: unknown, human: string | (() => string)): void {
    if (this.json) this.stdout.write(JSON.stringify(data) + '\n');
    else this.stdout.write(ensureNewline(typeof human === 'function' ? human() : human));
  }

  /** A line for the operator (progress, reminders): stdout for people, stderr in `--json` mode. */
  note(text: string): void {
    (this.json ? this.stderr : this.stdout).write(ensureNewline(text));
  }
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : s + '\n';
}

/** Renders rows as an aligned plain-text table; `columns` maps each key to its header. */
export function table<R extends object>(rows: R[], columns: Array<[keyof R & string, string]>, empty = '(none)'): string {
  if (rows.length === 0) return empty;
  const cells = [columns.map(([, header]) => header), ...rows.map((r) => columns.map(([key]) => String(r[key] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => [...line[i]!].length)));
  return cells
    .map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** Epoch milliseconds as an ISO 8601 instant, the one time format of the command line. */
export function isoTime(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
}
