import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

/**
 * The IPC protocol between the benchmark runner and its server processes. The runner sends
 * `{ id, type, args }`; the child answers `{ id, ok, value }` or `{ id, ok: false, error }`.
 * Every child answers `stats` with its own `process.cpuUsage()`, which counts all its threads
 * (the argon2 work runs on libuv's pool), so server CPU is read apart from the load generator's;
 * `profileStart`/`profileStop` take a CPU profile of its main thread (one per scenario).
 */
export interface Request {
  id: number;
  type: string;
  args?: unknown;
}

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export type Handlers = Record<string, (args: any) => unknown>;

/** What `stats` answers: CPU microseconds and the child's own counters (for example store queries). */
export interface Stats {
  user: number;
  system: number;
  counters: Record<string, number>;
}

export interface ServeOptions {
  onStop?: () => Promise<void>;
  counters?: () => Record<string, number>;
}

/** Child side: answers the runner's requests with `handlers` (plus `stats`, the profiler and `stop`). */
export function serve(handlers: Handlers, opts: ServeOptions = {}): void {
  if (!process.send) throw new Error('a benchmark server runs as a child of bench/run.ts (it needs an IPC channel)');
  let inspector: Session | undefined;
  const all: Handlers = {
    stats: (): Stats => ({ ...process.cpuUsage(), counters: opts.counters?.() ?? {} }),
    async profileStart() {
      inspector = new Session();
      inspector.connect();
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.start');
    },
    async profileStop({ file }: { file: string }) {
      if (!inspector) throw new Error('profiler not started');
      const { profile } = await inspector.post('Profiler.stop');
      inspector.disconnect();
      inspector = undefined;
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
    ...handlers,
    stop: async () => {
      await opts.onStop?.();
      setImmediate(() => process.exit(0));
    },
  };
  process.on('message', async (msg: Request) => {
    let reply: Reply;
    try {
      const handler = all[msg.type];
      if (!handler) throw new Error(`unknown request "${msg.type}"`);
      reply = { id: msg.id, ok: true, value: await handler(msg.args) };
    } catch (err) {
      reply = { id: msg.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    process.send!(reply);
  });
}
