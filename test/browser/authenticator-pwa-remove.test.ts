import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enrolled, phoneWithApiDouble } from './authenticator-pwa-support.ts';

// The web app's "Remove this account" asks Gatehouse to revoke the device (DELETE /devices/self) and
// keeps the account when Gatehouse refuses; a clock that is off is told as such. (A file of its own:
// browser suites share a per-file time limit on a loaded machine.)
const world = phoneWithApiDouble();

test('a device a policy keeps is not removed: the account stays and says why', async () => {
  const page = await world.phone.context.newPage();
  const deviceId = await enrolled(page, world.api, 'kept@example.com');
  world.api.keepDevice(deviceId);
  await page.getByRole('button', { name: 'Show my accounts' }).click();
  const row = page.locator('li.account').filter({ has: page.getByRole('heading', { name: /^kept@example\.com/ }) });
  await row.getByText('Remove this account').click();
  await row.getByRole('button', { name: 'Remove kept@example.com' }).click();
  await row.getByText('Gatehouse keeps this device: it is the last way to verify your sign-ins that your organization allows.').waitFor();
  assert.ok(world.api.devices.has(deviceId), 'still enrolled');
  assert.deepEqual(world.api.selfRemoved, []);
  assert.equal(await row.getByRole('button', { name: 'Remove from this device only' }).count(), 0, 'no way around the policy from here');
  assert.equal(await page.getByRole('heading', { level: 2, name: /^kept@example\.com/ }).count(), 1);
  await page.close();
});

test("a clock that is off is told as such on the account, and the note goes once the clock is right", async () => {
  const page = await world.phone.context.newPage();
  await enrolled(page, world.api, 'clock@example.com');
  await page.getByRole('button', { name: 'Show my accounts' }).click();
  const row = page.locator('li.account').filter({ has: page.getByRole('heading', { name: /^clock@example\.com/ }) });
  await row.waitFor();
  world.api.clockOffsetMs = -10 * 60_000;
  try {
    // The open stream is not asked again until it ends: end it, as a world.phone going to sleep would.
    world.api.streaming = false;
    world.api.streaming = true;
    await row.getByText("This device's clock is 10 minutes fast, so Gatehouse refuses its requests.").waitFor({ timeout: 20_000 });
    assert.ok(world.api.refusals.includes('clock_skew'));
    assert.equal(await row.getByText('no longer accepts this device').count(), 0, 'not mistaken for a removed device');
  } finally {
    world.api.clockOffsetMs = 0;
  }
  await row.getByText("This device's clock is").waitFor({ state: 'detached', timeout: 20_000 });
  await page.close();
});
