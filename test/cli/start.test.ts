import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { cliEnv, stackFrames } from './harness.ts';
import { DEMO_USER } from '../../src/demo/index.ts';
import { freePortRun } from '../helpers/ports.ts';

/** Collects a child's output and resolves once stdout matches `ready`. */
function waitForOutput(child: ChildProcess, ready: RegExp, timeoutMs = 60_000) {
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => (out.stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out.stderr += c.toString('utf8')));
  const readyPromise = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${ready} within ${timeoutMs} ms; stderr: ${out.stderr}`)), timeoutMs);
    const check = () => {
      if (ready.test(out.stdout)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready; stderr: ${out.stderr}`));
    });
  });
  return { out, ready: readyPromise };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = await exited;
  return code as number | null;
}

test('start --json prints one JSON object when it serves, and exits 0 on SIGTERM', async () => {
  const cli = await cliEnv();
  try {
    const child = cli.spawn(['start', '--json']);
    const { out, ready } = waitForOutput(child, /\n$/);
    await ready;
    const started = JSON.parse(out.stdout);
    assert.deepEqual(started, { url: `http://localhost:${cli.env.PORT}`, demo: null });
    const discovery = (await (await fetch(`${started.url}/.well-known/openid-configuration`)).json()) as { issuer: string };
    assert.equal(discovery.issuer, started.url);
    assert.equal(await stop(child, 'SIGTERM'), 0);
    assert.equal(out.stdout.trim().split('\n').length, 1, 'nothing else on stdout');
  } finally {
    await cli.cleanup();
  }
});

test('start in demo mode prints the demo apps and credentials, and exits 0 on SIGINT', async () => {
  // The demo apps listen on PORT+1..3: all four must be free.
  const cli = await cliEnv({ GATEHOUSE_DEMO: '1', PORT: String(await freePortRun(4)) });
  try {
    const child = cli.spawn(['start']);
    const { out, ready } = waitForOutput(child, /Ctrl-C/);
    await ready;
    assert.match(out.stdout, new RegExp(`Gatehouse is running at http://localhost:${cli.env.PORT}`));
    for (const name of ['Expense', 'Payroll', 'Directory']) assert.match(out.stdout, new RegExp(`${name}\\s+http://localhost:\\d+`));
    assert.ok(out.stdout.includes(`Demo user: ${DEMO_USER.email} / ${DEMO_USER.password}`));
    const expense = /Expense\s+(http:\/\/localhost:\d+)/.exec(out.stdout)![1]!;
    assert.equal((await fetch(expense)).status, 200, 'the demo app serves');
    assert.equal(await stop(child, 'SIGINT'), 0);
  } finally {
    await cli.cleanup();
  }
});

test('start refuses a production misconfiguration with exit 2 and the reason', async () => {
  const cli = await cliEnv();
  try {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ NODE_ENV: 'production', GATEHOUSE_SECRET_KEY: '' }, /GATEHOUSE_SECRET_KEY is required in production/],
      [{ NODE_ENV: 'production', GATEHOUSE_DEMO: '1' }, /GATEHOUSE_DEMO must be off in production/],
      [{ NODE_ENV: 'production', GATEHOUSE_ISSUER: 'http://idp.example.com' }, /GATEHOUSE_ISSUER must be https in production/],
      // Without a relay, mail (reset links included) would go to the development outbox and stdout.
      [{ NODE_ENV: 'production', GATEHOUSE_SMTP_URL: '' }, /GATEHOUSE_SMTP_URL is required in production/],
    ];
    for (const [env, reason] of cases) {
      const r = await cli.run(['start'], { env });
      assert.equal(r.code, 2, `${JSON.stringify(env)}: ${r.stderr}`);
      assert.match(r.stderr, reason);
      assert.match(r.stderr, /^gatehouse: configuration error: /m);
      assert.deepEqual(stackFrames(r.stderr), []);
      assert.equal(r.stdout, '');
    }
    assert.ok(!existsSync(join(cli.env.GATEHOUSE_DATA_DIR!, 'secret.key')), 'no development key was generated');
  } finally {
    await cli.cleanup();
  }
});
