import { mkdtempSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { cliEnv, stackFrames, type CliEnv, type CliResult } from '../cli/harness.ts';
import { startContractServer, type ContractServer } from './contract-server.ts';

/**
 * The terminal authenticator as a person runs it: the real `gatehouse` process, with its state in
 * a fresh `--home` (0700 is created inside a private temp folder).
 */
export interface AuthenticatorCli {
  home: string;
  cli: CliEnv;
  run(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /** `--json`, must succeed, stdout parsed. */
  json<T = any>(args: string[], env?: Record<string, string>): Promise<T>;
  /** Must fail with exit `exit` and the JSON error `code`; no stack trace, nothing on stdout. */
  fails(args: string[], exit: number, code: string, env?: Record<string, string>): Promise<{ code: string; message: string }>;
  cleanup(): Promise<void>;
}

/**
 * `process: true` runs each command as its own `gatehouse` process (the binary, its exit code, what a
 * shell sees). Otherwise the same `main()` the binary calls runs in this process with its own stdout
 * and stderr: a spawn costs seconds on a loaded machine (tsx compiles the CLI each time), and the
 * runner gives a file 120 s.
 */
export async function authenticatorCli(o: { process?: boolean } = {}): Promise<AuthenticatorCli> {
  const cli = await cliEnv();
  const home = join(mkdtempSync(join(tmpdir(), 'gh-authcli-')), 'home');
  const run = (args: string[], env?: Record<string, string>) =>
    o.process ? cli.run(['authenticator', ...args, '--home', home], { env }) : runInProcess(['authenticator', ...args, '--home', home], env);
  return {
    home,
    cli,
    run,
    async json(args, env) {
      const r = await run([...args, '--json'], env);
      assert.equal(r.code, 0, `authenticator ${args.join(' ')} failed: ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    async fails(args, exit, code, env) {
      const r = await run([...args, '--json'], env);
      assert.equal(r.code, exit, `authenticator ${args.join(' ')}: exit ${r.code}, stderr: ${r.stderr}`);
      assert.equal(r.stdout, '', 'errors never go to stdout');
      assert.deepEqual(stackFrames(r.stderr), [], 'no stack trace');
      const error = JSON.parse(r.stderr.trim().split('\n').at(-1)!).error;
      assert.equal(error.code, code, r.stderr);
      return error;
    },
    cleanup: () => cli.cleanup(),
  };
}

export const mode = (p: string) => statSync(p).mode & 0o777;

/** The environment the command sees: only what the test gives (the parent's passphrase never leaks in). */
const OWN_ENV = ['GATEHOUSE_AUTHENTICATOR_PASSPHRASE', 'GATEHOUSE_AUTHENTICATOR_HOME'];

async function runInProcess(argv: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.ts');
  const saved = Object.fromEntries(OWN_ENV.map((k) => [k, process.env[k]]));
  for (const k of OWN_ENV) {
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') => new Writable({ write: (chunk, _enc, done) => ((out[key] += String(chunk)), done()) });
  try {
    const code = await main(argv, { stdout: sink('stdout'), stderr: sink('stderr') });
    return { code, ...out };
  } finally {
    for (const k of OWN_ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

/** Two servers speaking the contract, and one terminal authenticator holding Ada on the first and Zed on the second. */
export async function adaAndZed(): Promise<{ api: ContractServer; other: ContractServer; a: AuthenticatorCli; ada: string; zed: string; close(): Promise<void> }> {
  const [api, other, a] = await Promise.all([startContractServer(), startContractServer(), authenticatorCli()]);
  const ada = (await a.json(['enroll', api.link('ada@example.com', { name: 'Ada' })])).deviceId as string;
  const zed = (await a.json(['enroll', other.link('zed@example.org')])).deviceId as string;
  return {
    api,
    other,
    a,
    ada,
    zed,
    async close() {
      await a.cleanup();
      await Promise.all([api.close(), other.close()]);
    },
  };
}
