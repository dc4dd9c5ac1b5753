import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type * as client from 'openid-client';
import { UserAgent } from '../helpers/user-agent.ts';
import { FakeClock, passwordStep, submitCode, totpCode } from '../helpers/mfa.ts';
import { relyingParty, redeemCode } from '../helpers/oidc-client.ts';
import { ACR } from '../../src/oidc/acr.ts';
import type { TestGatehouse } from '../helpers/gatehouse.ts';
import { CALLBACKS, PASSWORD, isTotpChallenge, payrollAndDirectory, personWithTotp } from '../gate/support.ts';

// Adaptive (issue 9): a person with 2FA is asked from a browser that has not completed a two-factor
// sign-in of theirs, and not from one that has, at low risk. Someone holding only the password must
// never turn their browser into a known one: the device cookie a right password earns proves nothing.
const EXPENSE_CB = 'http://127.0.0.1:9/expense/cb';
const clock = new FakeClock();
let t: TestGatehouse;
let required: client.Configuration;
let expense: client.Configuration;
let person: { userId: string; secret: string };
const email = 'ada@example.com';

before(async () => {
  ({ t, required } = await payrollAndDirectory(clock));
  const e = await t.createApp({ name: 'Expense', redirectUris: [EXPENSE_CB], policy: 'adaptive' });
  expense = await relyingParty(t.issuer, e.clientId, e.clientSecret);
  person = await personWithTotp(t, required, CALLBACKS.required, email, clock);
});
after(() => t.close());

test('a password alone never makes a browser known: asked again and again, and told why', async () => {
  const attacker = new UserAgent();
  for (let attempt = 1; attempt <= 3; attempt++) {
    const { page, returned } = await passwordStep(attacker, expense, EXPENSE_CB, email, PASSWORD);
    assert.ok(!returned, `attempt ${attempt}: signed in with the password alone`);
    assert.ok(isTotpChallenge(page.body), `attempt ${attempt}: the second factor is asked`);
    assert.match(page.body, /We(’|'|&#39;)re asking because this is a new device\./);
    assert.ok([...attacker.cookies.values()].some((jar) => [...jar.keys()].some((k) => k.startsWith('gh_dev_'))), 'the browser holds a device cookie from the right password');
    attacker.endSession();
  }
  const known = await t.gh.deps.db.selectFrom('known_devices').select('user_id').where('user_id', '=', person.userId).execute();
  assert.equal(known.length, 1, 'only the owner’s enrolling browser is known');
});

test('a browser that completed a two-factor sign-in is known: Expense skips the second step there, never a step-up', async () => {
  const laptop = new UserAgent();
  const first = await passwordStep(laptop, expense, EXPENSE_CB, email, PASSWORD);
  assert.ok(isTotpChallenge(first.page.body), 'a new browser is asked');
  const done = await submitCode(laptop, EXPENSE_CB, totpCode(person.secret, clock.now()));
  clock.nextStep();
  assert.equal((await redeemCode(expense, first.auth, done.url)).claims()!.acr, ACR.multiFactor);

  laptop.endSession();
  const again = await passwordStep(laptop, expense, EXPENSE_CB, email, PASSWORD);
  assert.ok(again.returned, `the known browser signs in with the password at low risk: ${/id="why">([^<]*)/.exec(again.page.body)?.[1]}`);
  const tokens = await redeemCode(expense, again.auth, again.page.url);
  assert.equal(tokens.claims()!.acr, ACR.singleFactor, 'and the acr says what was proven');

  // Single sign-on to a Required app from that session still asks for the second factor.
  const payroll = await passwordStep(laptop, required, CALLBACKS.required, email, PASSWORD);
  assert.ok(!payroll.returned && isTotpChallenge(payroll.page.body), 'Payroll is Required: the password session is not enough');
  assert.match(payroll.page.body, /Payroll requires two-step verification\./);

  // A step-up is always honoured, known browser or not.
  laptop.endSession();
  const stepUp = await passwordStep(laptop, expense, EXPENSE_CB, email, PASSWORD, { acr_values: ACR.multiFactor });
  assert.ok(!stepUp.returned && isTotpChallenge(stepUp.page.body), 'the step-up asks for the second factor');
});

test('X-Forwarded-For from a client is ignored without configured proxies: the address stays the peer’s', async () => {
  const ua = new UserAgent();
  ua.headers['x-forwarded-for'] = 'not an address';
  const { page, returned } = await passwordStep(ua, expense, EXPENSE_CB, email, PASSWORD);
  assert.ok(!returned && isTotpChallenge(page.body));
  assert.doesNotMatch(page.body, /couldn(’|'|&#39;)t tell where this sign-in comes from/, 'a forged header is not even read');
});
