import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startContractServer, type ContractServer } from './contract-server.ts';
import { authenticatorCli, type AuthenticatorCli } from './cli.ts';

let api: ContractServer;
let a: AuthenticatorCli;
let ada: string;

before(async () => {
  [api, a] = await Promise.all([startContractServer(), authenticatorCli()]);
  ada = (await a.json(['enroll', api.link('ada@example.com', { name: 'Ada' })])).deviceId;
});
after(async () => {
  await a.cleanup();
  await api.close();
});

test('approve shows the request before asking, and a wrong number is answer_refused', async () => {
  const ch = api.startChallenge('ada@example.com', { app: 'Payroll', action: 'Change bank details' });
  const wrong = String(((Number(ch.number) - 9) % 90) + 10);
  const refused = await a.fails(['approve', '--code', wrong], 1, 'answer_refused');
  assert.match(refused.message, /number was wrong/);
  assert.deepEqual(api.answers.at(-1), { cid: ch.id, decision: 'approve', number: wrong, outcome: 'refused' });
  // The wrong number ended that request (as the server does): nothing is waiting any more.
  await a.fails(['approve', '--code', ch.number], 1, 'no_pending_request');
  assert.equal(api.answers.length, 1);

  const next = api.startChallenge('ada@example.com', { app: 'Payroll', action: 'Change bank details' });
  const r = await a.run(['approve', '--code', next.number]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Sign-in to Payroll: Change bank details/);
  assert.match(r.stdout, /Browser: +Chrome on Linux/);
  assert.match(r.stdout, /IP: +203\.0\.113\.7/);
  assert.match(r.stdout, /Time: +\d{4}-\d\d-\d\dT[\d:.]+Z \(expires in \d+ s\)/);
  assert.match(r.stdout, /Approved the sign-in to Payroll\./);
  assert.equal(api.answers.at(-1)?.outcome, 'approved');
  // Answered once: a second approval finds nothing.
  await a.fails(['approve', '--code', next.number], 1, 'no_pending_request');
});

test('deny and deny --fraud: denied and reported, each for the request named by --challenge', async () => {
  const ch = api.startChallenge('ada@example.com');
  await a.fails(['deny', '--challenge', 'not-this-one'], 1, 'no_pending_request');
  assert.equal((await a.json(['deny', '--challenge', ch.id])).status, 'denied');
  const ch2 = api.startChallenge('ada@example.com');
  const reported = await a.json(['deny', '--fraud']);
  assert.equal(reported.status, 'reported');
  assert.equal(reported.request.id, ch2.id);
  assert.deepEqual(api.answers.slice(-2).map((x) => x.decision), ['deny', 'fraud']);
  const human = await a.run(['deny']);
  assert.equal(human.code, 1);
  assert.match(human.stderr, /^gatehouse: no sign-in request is waiting/);
});
