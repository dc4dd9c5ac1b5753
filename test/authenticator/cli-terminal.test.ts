import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startContractServer, type ContractServer } from './contract-server.ts';

/**
 * The prompts on a real terminal: util-linux `script` gives the command a pty, and each answer is
 * typed the moment its prompt shows (the fastest a person could), so a passphrase read with echo on
 * would appear in the output.
 */
const BIN = resolve(import.meta.dirname, '../../bin/gatehouse.js');
const hasScript = spawnSync('script', ['--version']).status === 0;
let api: ContractServer;
before(async () => {
  api = await startContractServer();
});
after(async () => {
  await api.close();
});

function onPty(args: string[], answers: Array<[RegExp, string]>): Promise<string> {
  const env = { ...process.env };
  delete env.GATEHOUSE_AUTHENTICATOR_PASSPHRASE;
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((done) => {
    const p = spawn('script', ['-qec', cmd, '/dev/null'], { env });
    let out = '';
    let i = 0;
    p.stdout.on('data', (d) => {
      out += String(d);
      const next = answers[i];
      if (next && next[0].test(out)) {
        i++;
        p.stdin.write(next[1] + '\r');
      }
    });
    p.on('close', () => done(out));
  });
}

test('on a terminal: the passphrase is asked with echo off, the request is shown before the number is asked', { skip: !hasScript && 'util-linux script is not installed' }, async () => {
  const home = join(mkdtempSync(join(tmpdir(), 'gh-authtty-')), 'home');
  const pass = 'open sesame 7431';
  const enrolled = await onPty(['authenticator', 'enroll', api.link('ada@example.com'), '--home', home], [[/empty for none\): $/, pass], [/again: $/, pass]]);
  assert.match(enrolled, /Enrolled "Terminal on .+" for ada@example\.com/);
  assert.ok(!enrolled.includes(pass), `the passphrase was echoed:\n${enrolled}`);

  const ch = api.startChallenge('ada@example.com', { app: 'Payroll', action: 'Change bank details' });
  const approved = await onPty(['authenticator', 'approve', '--home', home], [[/Passphrase for ada@example\.com at .*: $/, pass], [/number shown in the browser: /, ch.number]]);
  assert.ok(!approved.includes(pass), 'the passphrase was echoed');
  const shownAt = approved.indexOf('Sign-in to Payroll: Change bank details');
  assert.ok(shownAt !== -1 && shownAt < approved.indexOf('Type the number'), `the request comes before the question:\n${approved}`);
  assert.match(approved, /Approved the sign-in to Payroll\./);
  assert.deepEqual(api.answers.at(-1), { cid: ch.id, decision: 'approve', number: ch.number, outcome: 'approved' });
});
