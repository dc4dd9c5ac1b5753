import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { UserAgent } from '../helpers/user-agent.ts';
import { authorize, relyingParty } from '../helpers/oidc-client.ts';
import { FakeClock, enrollTotp, finish, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { ACR } from '../../src/oidc/acr.ts';
import { ACTION_MAX } from '../../src/oidc/step-up-action.ts';

const PASSWORD = 'correct horse battery staple';
const clock = new FakeClock();
let t: TestGatehouse;
let payroll: client.Configuration;
let directory: client.Configuration;
const cb = { payroll: 'http://127.0.0.1:9/payroll/cb', directory: 'http://127.0.0.1:9/directory/cb' };

before(async () => {
  t = await startTestGatehouse({}, { clock });
  const p = await t.createApp({ name: 'Payroll', redirectUris: [cb.payroll], policy: 'required' });
  const d = await t.createApp({ name: 'Directory', redirectUris: [cb.directory], policy: 'bypass' });
  payroll = await relyingParty(t.issuer, p.clientId, p.clientSecret);
  directory = await relyingParty(t.issuer, d.clientId, d.clientSecret);
});
after(async () => {
  await t.close();
});

/** A person with an authenticator app, signed in to Directory (Bypass) with the password alone. */
async function signedInWithPassword(email: string) {
  await t.createUser(email, PASSWORD);
  const { secret } = await enrollTotp(new UserAgent(), payroll, cb.payroll, email, PASSWORD, clock);
  clock.nextStep();
  const ua = new UserAgent();
  const first = await passwordStep(ua, directory, cb.directory, email, PASSWORD);
  assert.ok(first.returned, 'Directory signs in with the password alone');
  assert.equal((await finish(directory, first.auth, first.page.url)).claims.acr, ACR.singleFactor);
  return { ua, secret };
}

const subtitle = (body: string) => /<p class="sub" id="purpose">([^<]*)<\/p>/.exec(body)?.[1];

test('a step-up says what it is for, in the app\'s words, and asks only for the second factor', async () => {
  const { ua, secret } = await signedInWithPassword('ada@example.com');
  const stepUp = await authorize(ua, directory, cb.directory, { acr_values: ACR.multiFactor, gatehouse_action: 'change bank details' });
  assert.ok(!stepUp.returned);
  assert.equal(subtitle(stepUp.page.body), 'Directory asks you to confirm it is you to change bank details');
  assert.match(stepUp.page.body, /Code from your authenticator app/);
  assert.ok(!stepUp.page.body.includes('name="password"'), 'the password of this session still counts');

  clock.nextStep();
  const done = await submitCode(ua, cb.directory, totpCode(secret, clock.now()));
  assert.ok(done.url.startsWith(cb.directory), `returned to ${done.url}`);
  assert.equal((await finish(directory, stepUp.auth, done.url)).claims.acr, ACR.multiFactor);
});

test('the action is data: markup is shown as text, controls are flattened, a long text is cut', async () => {
  const { ua } = await signedInWithPassword('grace@example.com');
  const markup = await authorize(ua, directory, cb.directory, { acr_values: ACR.multiFactor, gatehouse_action: '<script>alert(1)</script>\n<b>pay</b>' });
  assert.ok(!markup.page.body.includes('<script>alert'), 'no markup from the app reaches the page');
  assert.ok(!markup.page.body.includes('<b>pay'));
  assert.equal(subtitle(markup.page.body), 'Directory asks you to confirm it is you to &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;pay&lt;/b&gt;');

  const long = 'x'.repeat(500);
  const bounded = await authorize(ua, directory, cb.directory, { acr_values: ACR.multiFactor, gatehouse_action: long });
  const shown = subtitle(bounded.page.body)!;
  assert.equal(shown, `Directory asks you to confirm it is you to ${'x'.repeat(ACTION_MAX)}`);
  assert.ok(!bounded.page.body.includes('x'.repeat(ACTION_MAX + 1)), 'nowhere on the page in full');
});

test('without the parameter (or with only blanks) the page keeps its generic wording', async () => {
  const { ua } = await signedInWithPassword('hopper@example.com');
  const plain = await authorize(ua, directory, cb.directory, { acr_values: ACR.multiFactor });
  assert.equal(subtitle(plain.page.body), 'Directory asks you to confirm it is you');
  const blank = await authorize(ua, directory, cb.directory, { acr_values: ACR.multiFactor, gatehouse_action: ' \u202e\n ' });
  assert.equal(subtitle(blank.page.body), 'Directory asks you to confirm it is you');
});

test('at a first sign-in that asks for the second factor, the action is shown too', async () => {
  const email = 'lovelace@example.com';
  await t.createUser(email, PASSWORD);
  await enrollTotp(new UserAgent(), payroll, cb.payroll, email, PASSWORD, clock);
  clock.nextStep();
  const { page } = await passwordStep(new UserAgent(), payroll, cb.payroll, email, PASSWORD, { gatehouse_action: 'approve the March payroll' });
  assert.equal(subtitle(page.body), 'Payroll asks you to confirm it is you to approve the March payroll');
});
