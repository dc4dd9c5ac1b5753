import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cliEnv, runInProcess, type CliEnv } from '../cli/harness.ts';
import { withStore } from '../../src/cli/store.ts';
import { loadConfig } from '../../src/config.ts';
import { activateMethod, insertPendingMethod } from '../../src/methods/records.ts';
import { findUserByEmail } from '../../src/store/users.ts';
import { ACR } from '../../src/oidc/acr.ts';

// The policy simulator answers with the same requirement function and gate as a real sign-in
// (src/policy/simulate.ts); the sign-in side of each row is driven over HTTP in the policy suites.
let cli: CliEnv;
const run = (args: string[]) => runInProcess(cli, args);
async function json(args: string[]) {
  const r = await run([...args, '--json']);
  assert.equal(r.code, 0, `gatehouse ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const sim = (email: string, app: string, more: string[] = []) => json(['policy', 'simulate', '--email', email, '--app', app, '--ip', '203.0.113.9', ...more]);

before(async () => {
  cli = await cliEnv();
  for (const [name, policy] of [['Directory', 'bypass'], ['Expense', 'adaptive'], ['Payroll', 'required']]) {
    await json(['app', 'create', '--name', name!, '--redirect-uri', `https://${name!.toLowerCase()}.example/cb`, '--policy', policy!]);
  }
  await json(['user', 'create', '--email', 'ada@acme.test', '--password', 'correct horse battery staple']);
  await json(['user', 'create', '--email', 'bob@acme.test', '--password', 'correct horse battery staple']);
  // Ada has an authenticator app.
  await withStore(async (deps) => {
    const ada = (await findUserByEmail(deps.db, 'ada@acme.test'))!;
    const id = await insertPendingMethod(deps.db, deps.clock, deps.random, { userId: ada.id, type: 'totp', name: 'Phone' });
    await activateMethod(deps.db, deps.clock, ada.id, id, { counter: 0 });
  }, loadConfig(cli.env));
});
after(() => cli.cleanup());

test('each application behaviour, for a person with 2FA and one without', async () => {
  assert.equal((await sim('ada@acme.test', 'Directory')).step, 'satisfied');
  assert.deepEqual((await sim('ada@acme.test', 'Directory')).reasons, ['app_policy_bypass', 'no_second_factor_needed']);
  const payroll = await sim('ada@acme.test', 'Payroll');
  assert.deepEqual([payroll.step, payroll.choices], ['second_factor', ['totp', 'recovery']]);
  assert.ok(payroll.reasons.includes('app_policy_required'));
  const newDevice = await sim('ada@acme.test', 'Expense');
  assert.equal(newDevice.step, 'second_factor');
  assert.ok(newDevice.reasons.includes('risk_new_device'), newDevice.reasons.join());
  assert.equal((await sim('ada@acme.test', 'Expense', ['--device', 'known'])).step, 'satisfied', 'Expense skips a known browser');
  assert.equal((await sim('ada@acme.test', 'Expense', ['--device', 'known', '--acr-values', ACR.multiFactor])).step, 'second_factor', 'a step-up is always honoured');
  assert.equal((await sim('bob@acme.test', 'Expense')).step, 'enroll');
  const bob = await sim('bob@acme.test', 'Payroll');
  assert.equal(bob.step, 'enroll');
  // Decision 0014: his first method from a new browser also needs the code sent to his email.
  assert.deepEqual(bob.emailCode, { needed: true, reasons: ['new_device'] });
  assert.equal(payroll.emailCode, undefined, 'not asked of someone who is not enrolling');
});

test('a remembered device: Required signs in after the password, as a sign-in with the cookie does (test/mfa/challenge.test.ts); a step-up still asks', async () => {
  const remembered = await sim('ada@acme.test', 'Payroll', ['--device', 'remembered']);
  assert.equal(remembered.step, 'satisfied');
  assert.ok(remembered.reasons.includes('remembered_device'), remembered.reasons.join());
  assert.equal((await sim('ada@acme.test', 'Payroll', ['--device', 'known'])).step, 'second_factor', 'known is not remembered');
  assert.equal((await sim('ada@acme.test', 'Payroll', ['--device', 'remembered', '--acr-values', ACR.multiFactor])).step, 'second_factor', 'a remembered device never satisfies a step-up');
  assert.equal((await sim('bob@acme.test', 'Payroll', ['--device', 'remembered'])).step, 'enroll', 'nothing to remember without a method');
  const text = await run(['policy', 'simulate', '--email', 'ada@acme.test', '--app', 'Payroll', '--ip', '203.0.113.9', '--device', 'remembered']);
  assert.match(text.stdout, /\(remembered device\)/);
  assert.notEqual((await run(['policy', 'simulate', '--email', 'ada@acme.test', '--app', 'Payroll', '--ip', '203.0.113.9', '--device', 'forgotten'])).code, 0);
});

test('a company policy reaches people only through a verified domain', async () => {
  await json(['org', 'create', '--name', 'Acme']);
  await json(['org', 'policy', 'set', '--org', 'Acme', '--2fa', 'required', '--methods', 'webauthn']);
  await json(['org', 'domain', 'add', '--org', 'Acme', '--domain', 'acme.test']);
  assert.equal((await sim('ada@acme.test', 'Expense', ['--device', 'known'])).step, 'satisfied', 'an unverified claim changes nothing');
  await json(['org', 'domain', 'verify', '--org', 'Acme', '--domain', 'acme.test', '--admin']);
  const ada = await sim('ada@acme.test', 'Expense', ['--device', 'known']);
  assert.deepEqual([ada.step, ada.choices], ['second_factor', ['totp', 'recovery']], 'not compliant: proves her app, then must add a key');
  assert.ok(ada.reasons.includes('company_policy_required'));
  assert.equal((await sim('ada@acme.test', 'Directory')).step, 'satisfied', 'Bypass wins at sign-in');
});

test('app policy set changes the behaviour and the phishing-resistant option', async () => {
  const r = await json(['app', 'policy', 'set', '--app', 'Directory', '--behaviour', 'required', '--phishing-resistant-only', 'on']);
  assert.deepEqual([r.behaviour, r.phishingResistantOnly], ['required', true]);
  const bad = await run(['app', 'policy', 'set', '--app', 'Directory', '--behaviour', 'sometimes', '--json']);
  assert.equal(JSON.parse(bad.stderr).error.code, 'invalid_value');
  const none = await run(['policy', 'simulate', '--email', 'nobody@acme.test', '--app', 'Directory', '--ip', '203.0.113.9', '--json']);
  assert.equal(JSON.parse(none.stderr).error.code, 'not_found');
});
