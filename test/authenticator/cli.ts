import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { cliEnv, stackFrames, type CliEnv, type CliResult } from '../cli/harness.ts';

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

export async function authenticatorCli(): Promise<AuthenticatorCli> {
  const cli = await cliEnv();
  const home = join(mkdtempSync(join(tmpdir(), 'gh-authcli-')), 'home');
  const run = (args: string[], env?: Record<string, string>) => cli.run(['authenticator', ...args, '--home', home], { env });
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
