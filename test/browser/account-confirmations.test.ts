import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { FakeClock, totpCode } from '../helpers/mfa.ts';
import { FRESH_PROOF_MS } from '../../src/flows/fresh-proof.ts';
import { listActiveMethods } from '../../src/methods/records.ts';
import { translator } from '../../src/i18n/index.ts';
import { PASSWORD, addTotpInSettings, listedMethods, personWithTotp } from '../account-security/support.ts';

// Issue 7: Remove → "Confirm it's you" → the confirmation of that removal → done, on a desktop and on a phone.
const t = translator();
const clock = new FakeClock();
let gh: TestGatehouse;
let browser: TestBrowser;

before(async () => {
  gh = await startTestGatehouse({}, { clock });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await gh?.close();
});

const heading = async (page: Page) => (await page.locator('h1').textContent())?.trim();

async function fitsTheScreen(page: Page): Promise<void> {
  const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
  assert.ok(scroll <= inner, `${page.url()} (${await heading(page)}) is ${scroll}px wide on a ${inner}px screen`);
}

for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
  test(`in Chromium at ${viewport.width}×${viewport.height}: Remove → "Confirm it's you" → its confirmation (Cancel changes nothing) → removed`, async () => {
    const { page, context, consoleErrors } = browser;
    await context.clearCookies();
    await page.setViewportSize(viewport);
    const email = `confirm-${viewport.width}@example.com`;
    // Two authenticator apps, set up over HTTP; the second is renamed "Work phone".
    const p = await personWithTotp(gh, clock, email);
    const second = await addTotpInSettings(p.ua, gh, clock, { expectCodes: false, proofSecret: p.secret });
    const phone = listedMethods(second.page.body)[1]!;
    await gh.gh.deps.db.updateTable('mfa_methods').set({ name: 'Work phone' }).where('id', '=', phone.id).execute();

    // Sign in to account settings: email, password, code.
    await page.goto(`${gh.issuer}/account`);
    await page.getByLabel(t('common.email')).fill(email);
    await page.getByRole('button', { name: t('common.continue') }).click();
    await page.getByLabel(t('common.password'), { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: t('common.continue') }).click();
    await page.getByLabel(t('mfa.totp.label')).fill(totpCode(p.secret, clock.now()));
    clock.nextStep();
    await page.getByRole('button', { name: t('mfa.verify') }).click();
    await page.waitForURL(`${gh.issuer}/account`);

    // The sign-in's code is more than 5 minutes old when the person decides to remove the phone.
    clock.advance(FRESH_PROOF_MS + 1000);
    await page.getByRole('link', { name: t('account.security_manage') }).click();
    await page.waitForURL(`${gh.issuer}/account/security`);
    await fitsTheScreen(page);
    await page.locator(`tr[data-method="${phone.id}"]`).getByRole('button', { name: t('security.remove') }).click();

    // "Confirm it's you".
    await page.waitForURL(/\/account\/security\/verify\?/);
    assert.equal(await heading(page), t('security.proof.title'));
    // It says what the proof is for.
    await page.getByText(t('security.proof.body_for', { purpose: t('security.proof.purpose.remove', { name: '“Work phone”' }) })).waitFor();
    await fitsTheScreen(page);
    await page.getByLabel(t('mfa.totp.label')).fill(totpCode(p.secret, clock.now()));
    clock.nextStep();
    await page.getByRole('button', { name: t('mfa.verify') }).click();

    // Carried on to the confirmation of this removal, not back to the settings.
    const confirmUrl = `${gh.issuer}/account/security/methods/${phone.id}/remove/confirm`;
    await page.waitForURL(confirmUrl);
    assert.equal(await heading(page), t('security.remove_confirm.title'));
    await page.getByText(t('security.remove_confirm.body', { name: '“Work phone”', type: t('method.totp') })).waitFor();
    await page.getByText(t('security.remove_confirm.side_effects')).waitFor();
    await fitsTheScreen(page);
    const removeButton = page.getByRole('button', { name: t('security.remove_confirm.button', { name: '“Work phone”' }) });
    const cancel = page.getByRole('link', { name: t('common.cancel') });
    assert.ok(await removeButton.isVisible());
    assert.ok(await cancel.isVisible());
    // Both within the first screen, side by side or stacked, neither cut off.
    for (const box of [await removeButton.boundingBox(), await cancel.boundingBox()]) {
      assert.ok(box && box.x >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height, JSON.stringify(box));
    }

    // Cancel: back to the settings, nothing removed.
    await cancel.click();
    await page.waitForURL(`${gh.issuer}/account/security`);
    assert.equal(await page.locator('tr[data-method]').count(), 2);
    assert.equal((await listActiveMethods(gh.gh.deps.db, p.user.id)).length, 2);

    // Again, and this time remove it: the proof is still fresh, so straight to the confirmation.
    await page.locator(`tr[data-method="${phone.id}"]`).getByRole('button', { name: t('security.remove') }).click();
    await page.waitForURL(confirmUrl);
    await removeButton.click();
    await page.waitForURL(/done=removed/);
    await page.getByRole('status').getByText(t('security.notice.removed')).waitFor();
    assert.equal(await page.locator('tr[data-method]').count(), 1);
    assert.deepEqual((await listActiveMethods(gh.gh.deps.db, p.user.id)).map((m) => m.name), ['Authenticator app']);
    await fitsTheScreen(page);

    assert.deepEqual(consoleErrors.filter((e) => !e.startsWith('Failed to load resource')), [], 'no CSP violations or script errors');
  });
}
