import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { addVirtualAuthenticator } from '../helpers/virtual-authenticator.ts';
import { browserApp, enterPassword, heading, scriptErrors, startAppServer, t, type BrowserApp } from './webauthn-support.ts';

// Issue 7, "A wizard that behaves like one" and "Phone-first set-up and codes that read right", on a
// large screen and a phone-sized one: a way out on every step, a step count that matches the steps,
// the authenticator-app step led by the QR code or by the link into the app, recovery codes one to a
// line, and a security key registered twice.

const PASSWORD = 'a long walk on the quiet beach';
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let gh: TestGatehouse;
let browser: TestBrowser;
let appServer: Awaited<ReturnType<typeof startAppServer>>;
let app: BrowserApp;

before(async () => {
  gh = await startTestGatehouse();
  browser = await launchBrowser();
  appServer = await startAppServer();
  app = await browserApp(gh, appServer.origin, 'required');
});
after(async () => {
  await browser?.close();
  await appServer?.close();
  await gh?.close();
});

function authenticatorApp(secret: string, atMs: number): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: atMs });
}

async function progress(page: Page): Promise<string | null> {
  const p = page.getByTestId('wizard-progress');
  return (await p.count()) ? ((await p.textContent()) ?? '').trim() : null;
}

async function top(l: Locator): Promise<number> {
  const box = await l.boundingBox();
  assert.ok(box, 'the element is laid out');
  return box.y;
}

/** The wizard's ways out on this page: Back and Cancel buttons, by the forms they post. */
async function exits(page: Page): Promise<{ back: boolean; cancel: string | null }> {
  const back = await page.locator('form.wizard-exit[action$="/back"] button').isVisible().catch(() => false);
  const cancelForm = page.locator('form.wizard-exit').filter({ hasText: t('common.cancel') });
  const cancel = (await cancelForm.count()) && (await cancelForm.locator('button').isVisible()) ? await cancelForm.getAttribute('action') : null;
  return { back, cancel };
}

for (const vp of VIEWPORTS) {
  test(`${vp.name} ${vp.width}×${vp.height}: a way out and an honest count on every step; the app step phone-first; recovery codes one to a line`, async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: vp.width, height: vp.height });
    const phone = vp.width < 640;
    const email = `wizard-${vp.name}@example.com`;
    await gh.createUser(email, PASSWORD);
    const auth = await app.start(page);
    await enterPassword(page, email, PASSWORD);

    // The why: not a step; Cancel back to the app.
    assert.equal(await heading(page), t('wizard.intro.title'));
    assert.equal(await progress(page), null, 'the intro is no step');
    assert.match((await exits(page)).cancel ?? '', /^\/interaction\/[^/]+\/abort$/);
    await page.getByRole('button', { name: t('wizard.intro.start') }).click();

    // Choose: step 1 of 3 (choose, set up, recovery codes), Cancel.
    assert.equal(await heading(page), t('wizard.choose.title'));
    assert.equal(await progress(page), t('wizard.progress', { n: 1, total: 3 }));
    assert.match((await exits(page)).cancel ?? '', /\/abort$/);
    await page.getByLabel(t('method.totp')).check();
    await page.getByRole('button', { name: t('common.continue'), exact: true }).click();

    // Set up: step 2 of 3, Back and Cancel. Back returns to the choice, which comes back here.
    assert.equal(await heading(page), t('wizard.totp.title'));
    assert.equal(await progress(page), t('wizard.progress', { n: 2, total: 3 }));
    assert.equal((await exits(page)).back, true);
    assert.match((await exits(page)).cancel ?? '', /\/abort$/);
    await page.locator('form.wizard-exit[action$="/back"] button').click();
    assert.equal(await heading(page), t('wizard.choose.title'));
    assert.equal(await progress(page), t('wizard.progress', { n: 1, total: 3 }));
    await page.getByLabel(t('method.totp')).check();
    await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
    assert.equal(await heading(page), t('wizard.totp.title'));

    // Phone first: the link into the app leads and the key is open; on a large screen the QR code leads.
    const open = page.getByRole('link', { name: t('wizard.totp.open_app') });
    const qr = page.getByRole('img', { name: t('wizard.totp.qr_alt') });
    const key = page.getByTestId('totp-secret');
    // The page's script opens the key on a phone at DOMContentLoaded, which may come after its heading.
    await page.waitForLoadState('domcontentloaded');
    assert.equal(await open.isVisible(), true);
    assert.equal(await qr.isVisible(), true);
    const firstAction = await page.locator('main a[href], main button, main summary, main input:not([type=hidden])').evaluateAll((els) => {
      const shown = els.filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => ({ y: e.getBoundingClientRect().top, text: (e.textContent ?? '').trim() }));
      shown.sort((a, b) => a.y - b.y);
      return shown[0]?.text;
    });
    if (phone) {
      assert.equal(firstAction, t('wizard.totp.open_app'), 'on a phone the first thing to tap is the link into the app');
      assert.ok((await top(open)) < (await top(qr)), 'the link above the QR code');
      assert.equal(await key.isVisible(), true, 'the key is shown with the page');
      assert.ok((await top(key)) < (await top(qr)), 'the key above the QR code');
      assert.equal(await page.getByRole('button', { name: t('wizard.totp.copy_key') }).isVisible(), true, 'a Copy key button');
    } else {
      assert.ok((await top(qr)) < (await top(open)), 'on a large screen the QR code leads');
      assert.ok((await top(qr)) < (await top(page.locator('details.totp-key summary'))), 'then "Can\'t scan?"');
      assert.equal(await key.isVisible(), false, 'the key waits behind "Can\'t scan?"');
      await page.getByText(t('wizard.totp.cant_scan')).click();
      assert.equal(await key.isVisible(), true);
    }
    const secret = ((await key.textContent()) ?? '').replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(new URL((await open.getAttribute('href'))!).searchParams.get('secret'), secret);

    // The key in groups of 4, and no group broken across two lines (each group's text has one line box).
    const groups = await key.evaluate((el) => {
      const node = el.firstChild as Text;
      const out: Array<{ group: string; lines: number }> = [];
      const re = /\S+/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from({ length: range.getClientRects().length }, (_, i) => Math.round(range.getClientRects()[i]!.top)));
        out.push({ group: m[0], lines: tops.size });
      }
      return out;
    });
    assert.equal(groups.length, 8);
    for (const g of groups) {
      assert.equal(g.group.length, 4, `groups of 4: ${g.group}`);
      assert.equal(g.lines, 1, `the group ${g.group} wraps`);
    }

    // A wrong code: what the person had open ("Can't scan?") is still open.
    const right = authenticatorApp(secret, Date.now());
    await page.getByLabel(t('wizard.totp.code_label')).fill(right === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: t('wizard.confirm.button') }).click();
    await page.locator('.error-summary').waitFor();
    assert.equal(await heading(page), t('wizard.totp.title'));
    assert.equal(await page.locator('details.totp-key').evaluate((d: HTMLDetailsElement) => d.open), true, '"Can\'t scan?" stays open');
    assert.equal(await key.isVisible(), true);
    if (phone) {
      // Closed by the person: a wrong code does not open it again.
      await page.locator('details.totp-key summary').click();
      assert.equal(await key.isVisible(), false);
      await page.getByLabel(t('wizard.totp.code_label')).fill(right === '000000' ? '111111' : '000000');
      await page.getByRole('button', { name: t('wizard.confirm.button') }).click();
      await page.locator('.error-summary').waitFor();
      assert.equal(await page.locator('details.totp-key').evaluate((d: HTMLDetailsElement) => d.open), false, 'closed stays closed');
    }
    await page.getByLabel(t('wizard.totp.code_label')).fill(authenticatorApp(secret, Date.now()));
    await page.getByRole('button', { name: t('wizard.confirm.button') }).click();

    // Recovery codes: step 3 of 3, Cancel; one code to a line, monospace, no box wraps or overlaps another.
    assert.equal(await heading(page), t('wizard.recovery.title'));
    assert.equal(await progress(page), t('wizard.progress', { n: 3, total: 3 }));
    assert.match((await exits(page)).cancel ?? '', /\/abort$/);
    const boxes = await page.locator('#recovery-codes code').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { text: e.textContent ?? '', lines: e.getClientRects().length, left: r.left, right: r.right, top: r.top, bottom: r.bottom, height: r.height, lineHeight: parseFloat(getComputedStyle(e).fontSize) * 1.8, font: getComputedStyle(e).fontFamily, inner: innerWidth };
      }),
    );
    assert.equal(boxes.length, 10);
    for (const b of boxes) {
      assert.equal(b.lines, 1, `${b.text} is on one line`);
      assert.ok(b.height <= b.lineHeight, `${b.text} is ${b.height}px tall: wrapped`);
      assert.ok(b.left >= 0 && b.right <= b.inner, `${b.text} fits the screen (${b.left}–${b.right} of ${b.inner})`);
      assert.match(b.font, /monospace/, `${b.text} in a monospace face (${b.font})`);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const c = boxes[j]!;
        const overlap = a.left < c.right && c.left < a.right && a.top < c.bottom && c.top < a.bottom;
        assert.ok(!overlap, `${a.text} overlaps ${c.text}`);
      }
    }
    // Each line holds one code: no two codes share a row within a column, and no column runs into the next.
    const columns = [...new Set(boxes.map((b) => Math.round(b.left)))];
    assert.equal(columns.length, phone ? 1 : 2, `${columns.length} column(s)`);
    if (columns.length === 2) {
      const leftEdge = Math.max(...boxes.filter((b) => Math.round(b.left) === columns[0]).map((b) => b.right));
      assert.ok(leftEdge < columns[1]!, 'the first column ends before the second begins');
    }
    for (const name of [t('wizard.recovery.copy'), t('wizard.recovery.print')]) assert.equal(await page.getByRole('button', { name }).isVisible(), true, name);
    const download = await page.getByRole('link', { name: t('wizard.recovery.download') }).getAttribute('href');
    assert.equal(decodeURIComponent(download!.split(',')[1]!), boxes.map((b) => b.text).join('\n') + '\n', 'the download: one code per line');
    await page.getByLabel(t('wizard.recovery.stored')).check();
    await page.getByRole('button', { name: t('common.continue'), exact: true }).click();

    // Done: the outcome, no count.
    assert.equal(await heading(page), t('wizard.done.title'));
    assert.equal(await progress(page), null);
    await page.locator('form[action$="/done"] button').click();
    await app.back(page, auth);
    await page.close();
  });
}

test('Cancel in the sign-in\'s wizard goes back to the app, which is told why', async () => {
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  await gh.createUser('wizard-cancel@example.com', PASSWORD);
  await app.start(page);
  await enterPassword(page, 'wizard-cancel@example.com', PASSWORD);
  await page.getByRole('button', { name: t('wizard.intro.start') }).click();
  await page.getByLabel(t('method.totp')).check();
  await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
  assert.equal(await heading(page), t('wizard.totp.title'));
  await page.locator('form.wizard-exit').filter({ hasText: t('common.cancel') }).locator('button').click();
  await page.waitForURL((u) => u.href.startsWith(app.redirectUri));
  assert.equal(new URL(page.url()).searchParams.get('error'), 'access_denied');
  await page.close();
});

for (const vp of VIEWPORTS) {
  test(`${vp.name}: in settings, "Add a method" goes straight to choosing; the same key twice is refused in words; Cancel returns to the settings`, async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: vp.width, height: vp.height });
    const before = browser.consoleErrors.length;
    await addVirtualAuthenticator(page, 'security-key');
    const email = `twice-${vp.name}@example.com`;
    const { id } = await gh.createUser(email, PASSWORD);

    await page.goto(`${gh.issuer}/account`);
    await enterPassword(page, email, PASSWORD);
    await page.waitForURL(`${gh.issuer}/account`);
    await page.goto(`${gh.issuer}/account/security`);
    await page.getByRole('button', { name: t('security.enable') }).click();
    await page.getByLabel(t('common.password'), { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: t('common.continue'), exact: true }).click();

    // The first method: the why, then three steps; Cancel on each (back to the settings).
    assert.equal(await heading(page), t('wizard.intro.title'));
    assert.equal((await exits(page)).cancel, '/account/security/enroll/cancel');
    await page.getByRole('button', { name: t('wizard.intro.start') }).click();
    assert.equal(await progress(page), t('wizard.progress', { n: 1, total: 3 }));
    await page.getByLabel(t('wizard.choose.security_key')).check();
    await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
    assert.equal(await heading(page), t('wizard.webauthn.key_title'));
    assert.equal(await progress(page), t('wizard.progress', { n: 2, total: 3 }));
    assert.deepEqual(await exits(page), { back: true, cancel: '/account/security/enroll/cancel' });
    await page.locator('form[data-webauthn=register] button[type=submit]').click();
    await page.getByRole('heading', { name: t('wizard.recovery.title') }).waitFor();
    assert.equal(await progress(page), t('wizard.progress', { n: 3, total: 3 }));
    await page.getByLabel(t('wizard.recovery.stored')).check();
    await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
    assert.equal(await heading(page), t('wizard.done.title'));
    await page.getByRole('button', { name: t('wizard.done.back_to_settings') }).click();
    await page.waitForURL(/\/account\/security\?done=added/);

    // "Add a method": Confirm it's you with the key, then straight to choosing — two steps this time.
    await page.getByRole('button', { name: t('security.add') }).click();
    if ((await heading(page)) !== t('wizard.choose.title')) await page.getByRole('button', { name: t('mfa.webauthn.button') }).click();
    await page.getByRole('heading', { name: t('wizard.choose.title') }).waitFor();
    assert.equal(await progress(page), t('wizard.progress', { n: 1, total: 2 }));
    assert.equal((await exits(page)).cancel, '/account/security/enroll/cancel');
    await page.getByLabel(t('wizard.choose.security_key')).check();
    await page.getByRole('button', { name: t('common.continue'), exact: true }).click();
    assert.equal(await progress(page), t('wizard.progress', { n: 2, total: 2 }));

    // The same key again: the browser refuses it (excludeCredentials), and the page says why.
    await page.locator('form[data-webauthn=register] button[type=submit]').click();
    await page.locator('#webauthn-error').getByText(t('wizard.webauthn.already_registered')).waitFor();
    assert.equal(await heading(page), t('wizard.webauthn.key_title'));

    // Cancel: back to the settings, the half-begun key dropped.
    await page.locator('form.wizard-exit').filter({ hasText: t('common.cancel') }).locator('button').click();
    await page.waitForURL(`${gh.issuer}/account/security`);
    const rows = await gh.gh.deps.db.selectFrom('mfa_methods').select(['status']).where('user_id', '=', id).execute();
    assert.deepEqual(rows.map((r) => r.status), ['active'], 'one key, nothing pending');
    assert.deepEqual(scriptErrors(browser.consoleErrors.slice(before)), [], 'no CSP violations or script errors');
    await page.close();
  });
}
