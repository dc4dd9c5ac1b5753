import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { addVirtualAuthenticator, type VirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { enrolled, seriousA11yViolations, phoneWithApiDouble } from './authenticator-pwa-support.ts';

// Issue 8, "Approving a sign-in", on the phone-sized web app: requests arrive over the wait endpoint
// (server-sent events read with fetch, or long-polling), the request screen says what asks and from
// where, the typed number and the screen lock go into an answer signed with the device key; Deny and
// "This wasn't me". How requests reach the app otherwise is in authenticator-pwa-delivery.test.ts.
const world = phoneWithApiDouble();

async function details(page: Page): Promise<Record<string, string>> {
  const pairs = await page.locator('dl.request-details').evaluate((dl) => Array.from(dl.querySelectorAll('dt'), (dt) => dt).map((dt) => [dt.textContent!, dt.nextElementSibling!.textContent!]));
  return Object.fromEntries(pairs);
}

test('the test request and a sign-in arrive by themselves; the typed number and the screen lock make a signed approval; a wrong number, Deny and "This wasn\'t me"', async () => {
  const page = await world.phone.context.newPage();
  const lock: VirtualAuthenticator = await addVirtualAuthenticator(page, 'passkey');
  const deviceId = await enrolled(page, world.api, 'ada@example.com');

  // The wizard's test request: the app opens it, and the live region says it came.
  const first = world.api.startChallenge(deviceId, { kind: 'enroll', app: 'Gatehouse' });
  await page.getByRole('heading', { level: 1, name: 'Approve the test request?' }).waitFor();
  await page.waitForFunction(() => document.getElementById('live')?.textContent === 'New request: Test request for ada@example.com');
  const d = await details(page);
  assert.deepEqual(Object.keys(d), ['App', 'Browser', 'Operating system', 'IP address', 'Time', 'Expires']);
  assert.equal(d['IP address'], '203.0.113.7');
  assert.match(d.Expires!, /^in \d+ s$/);
  const number = page.getByLabel('Type the number shown on the sign-in page');
  assert.equal(await number.getAttribute('inputmode'), 'numeric');
  assert.deepEqual(await seriousA11yViolations(page), []);

  // Approve without the number: said at the field, nothing sent.
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.locator('#number-error').waitFor();
  assert.equal(await page.locator('#number-error').textContent(), 'Type the number shown on the sign-in page');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'number');
  assert.equal(world.api.answers.size, 0);

  // The screen lock refused: nothing is sent.
  await lock.setUserVerified(false);
  await number.fill(first.number);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByText('Your screen lock was not confirmed, so nothing was sent. Try again.').waitFor();
  assert.equal(world.api.answers.size, 0);
  await lock.setUserVerified(true);
  await number.fill(first.number);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign-in approved' }).waitFor();
  assert.deepEqual(world.api.answers.get(first.id), { decision: 'approve', number: first.number, userVerified: true });

  // A sign-in to Payroll with what it is for.
  const payroll = world.api.startChallenge(deviceId, { app: 'Payroll', action: 'Change bank details' });
  await page.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor();
  assert.equal((await details(page)).Action, 'Change bank details');
  await number.fill(payroll.number === '99' ? '98' : String(Number(payroll.number) + 1));
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { level: 1, name: 'Not accepted' }).waitFor();
  assert.ok(world.api.refusals.some((r) => r.startsWith('answer_refused: number')), world.api.refusals.join('; '));

  const deny = world.api.startChallenge(deviceId);
  await page.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor();
  await page.getByRole('button', { name: 'Deny' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign-in denied' }).waitFor();
  assert.deepEqual(world.api.answers.get(deny.id), { decision: 'deny', number: undefined, userVerified: false });

  const fraud = world.api.startChallenge(deviceId);
  await page.getByRole('heading', { level: 1, name: 'Approve sign-in to Payroll?' }).waitFor();
  await page.getByRole('button', { name: "This wasn't me" }).click();
  await page.getByRole('heading', { level: 1, name: 'Thanks for telling us' }).waitFor();
  assert.deepEqual(world.api.answers.get(fraud.id), { decision: 'fraud', number: undefined, userVerified: false });
  assert.deepEqual(await seriousA11yViolations(page), []);
  await page.close();
});

