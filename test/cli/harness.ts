import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { startGatehouse, type Gatehouse } from '../../src/app.ts';
import { isPostgresUrl } from '../../src/store/db.ts';
import { freePort } from '../helpers/ports.ts';

const BIN = resolve(import.meta.dirname, '../../bin/gatehouse.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * One installation as an operator sees it: a data directory, a secret key, a port and a
 * database (an SQLite file there, or a fresh PostgreSQL schema when DATABASE_URL is postgres —
 * selected with the connection string's `options=-c search_path=…`, the way an operator would).
 * `run` executes the real `gatehouse` command in a child process with that environment;
 * `startServer` starts Gatehouse in-process on the same configuration.
 */
export interface CliEnv {
  env: Record<string, string>;
  /** Runs a command: the real binary, or its `main` in this process for an env made with `inProcess` (input given on stdin always takes the binary). */
  run(args: string[], opts?: { env?: Record<string, string>; input?: string }): Promise<CliResult>;
  /** Runs the real `gatehouse` binary in a child process, whatever `run` does. */
  binary(args: string[], opts?: { env?: Record<string, string>; input?: string }): Promise<CliResult>;
  /** Runs with `--json`, asserts success and parses stdout (which must be exactly one JSON value). */
  json<T = any>(args: string[], opts?: { env?: Record<string, string> }): Promise<T>;
  spawn(args: string[], opts?: { env?: Record<string, string> }): ChildProcess;
  startServer(): Promise<Gatehouse>;
  cleanup(): Promise<void>;
}

/** The parent's environment without anything that would pick another database or mode. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('GATEHOUSE_') || k.startsWith('NODE_TEST') || ['DATABASE_URL', 'NODE_ENV', 'PORT', 'NODE_OPTIONS'].includes(k)) continue;
    env[k] = v;
  }
  return env;
}

/**
 * `inProcess`: `run` calls the command line's `main` in this process ({@link runInProcess}) — for
 * suites of many commands, each of which would start Node and tsx again (2–3 s on a loaded machine);
 * such a suite runs some of its commands through `binary` too.
 */
export async function cliEnv(extra: Record<string, string> = {}, options: { inProcess?: boolean } = {}): Promise<CliEnv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  const env: Record<string, string> = {
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'),
    GATEHOUSE_DEMO: '0',
    PORT: String(await freePort()),
    ...extra,
  };
  const pgUrl = process.env.DATABASE_URL && isPostgresUrl(process.env.DATABASE_URL) ? process.env.DATABASE_URL : undefined;
  let schema: string | undefined;
  if (pgUrl) {
    schema = `cli_${randomBytes(6).toString('hex')}`;
    await pgQuery(pgUrl, `create schema ${schema}`);
    env.DATABASE_URL = `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }

  const childEnv = (more: Record<string, string> = {}) => ({ ...baseEnv(), ...env, ...more });
  const self: CliEnv = {
    env,
    run(args, opts = {}) {
      return options.inProcess && opts.input === undefined ? runInProcess(self, args, opts.env) : self.binary(args, opts);
    },
    binary(args, opts = {}) {
      return new Promise((done) => {
        const child = execFile(process.execPath, [BIN, ...args], { env: childEnv(opts.env), timeout: 60_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          done({ code, stdout, stderr });
        });
        child.stdin!.end(opts.input ?? '');
      });
    },
    async json(args, opts) {
      const r = await self.run([...args, '--json'], opts);
      assert.equal(r.code, 0, `gatehouse ${args.join(' ')} failed: ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    spawn(args, opts = {}) {
      return spawn(process.execPath, [BIN, ...args], { env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    },
    startServer: () => startGatehouse(loadConfig(env)),
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      if (pgUrl && schema) await pgQuery(pgUrl, `drop schema ${schema} cascade`);
    },
  };
  return self;
}

async function pgQuery(url: string, query: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(query);
  } finally {
    await c.end();
  }
}

/** Lines of stderr that look like a JavaScript stack frame: an expected error must have none. */
export function stackFrames(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^\s+at .+[(:]\d+/.test(l) || /\.ts:\d+:\d+/.test(l));
}

/**
 * Runs `gatehouse <args>` in this process through the command line's own `main` — the same parsing,
 * store and output as the binary, without starting Node and tsx again (seconds per command on a
 * loaded machine). For suites that run many commands; each suite still runs the real binary too.
 */
export async function runInProcess(cli: Pick<CliEnv, 'env'>, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.ts');
  const { Writable } = await import('node:stream');
  const sink = () => {
    const chunks: string[] = [];
    return { stream: new Writable({ write: (c, _e, done) => (chunks.push(String(c)), done()) }), text: () => chunks.join('') };
  };
  const [stdout, stderr] = [sink(), sink()];
  const saved = { ...process.env };
  // What the binary's environment would leave out (baseEnv), so that only the installation's own settings apply.
  for (const k of Object.keys(process.env)) if (k.startsWith('GATEHOUSE_') || ['DATABASE_URL', 'NODE_ENV', 'PORT'].includes(k)) delete process.env[k];
  Object.assign(process.env, cli.env, env);
  try {
    const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}
