import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Reply, Stats } from './ipc.ts';

/** A server process under measurement, driven over IPC (see ipc.ts). */
export class Child {
  readonly #proc: ChildProcess;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 1;
  #exited: Promise<number | null>;

  private constructor(readonly name: string, proc: ChildProcess) {
    this.#proc = proc;
    proc.on('message', (msg: Reply) => {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(`${name}: ${msg.error}`));
    });
    this.#exited = new Promise((resolve) => proc.on('exit', (code) => {
      for (const p of this.#pending.values()) p.reject(new Error(`${name} exited (code ${code})`));
      this.#pending.clear();
      resolve(code);
    }));
  }

  /**
   * Starts `bench/servers/<entry>.ts` in its own Node process, through tsx like `npm start`.
   */
  static start(name: string, entry: string, opts: { env?: Record<string, string>; execArgv?: string[] } = {}): Child {
    const file = fileURLToPath(new URL(`../servers/${entry}.ts`, import.meta.url));
    const proc = fork(file, [], {
      execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // oidc-provider warns about Node 20 on every start; everything else is worth seeing.
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim() && !/Unsupported runtime|supported runtimes|oidc-provider WARNING|Node\.js LTS|^\s*$/i.test(line)) process.stderr.write(`[${name}] ${line}\n`);
      }
    };
    proc.stdout!.on('data', forward);
    proc.stderr!.on('data', forward);
    return new Child(name, proc);
  }

  get pid(): number {
    return this.#proc.pid!;
  }

  call<T = unknown>(type: string, args?: unknown): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#proc.send({ id, type, args });
    });
  }

  /** CPU time the process has used so far, milliseconds (user + system, all threads), and its counters. */
  async stats(): Promise<{ cpuMs: number; counters: Record<string, number> }> {
    const s = await this.call<Stats>('stats');
    return { cpuMs: (s.user + s.system) / 1000, counters: s.counters };
  }

  /** Asks the process to clean up and exit normally; kills it if it does not within 10 s. */
  async stop(): Promise<void> {
    if (this.#proc.exitCode !== null) return;
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 10_000);
    await this.call('stop').catch(() => {});
    await this.#exited;
    clearTimeout(timer);
  }
}
