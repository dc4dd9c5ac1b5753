import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { FakeClock, totpCode } from '../helpers/mfa.ts';
import { translator } from '../../src/i18n/index.ts';
import { audit } from '../../src/store/audit.ts';
import { PASSWORD, personWithTotp } from '../account-security/support.ts';

// Issue 7, "Pages that say why": the activity's times in the person's own time zone, and the methods
// list labelling its dates on a phone.
const t = translator();
const clock = new FakeClock();
const ZONE = 'Asia/Kolkata'; // UTC+05:30: a half hour no UTC time could be mistaken for
let gh: TestGatehouse;
let browser: TestBrowser;

before(async () => {
  gh = await startTestGatehouse({}, { clock });
  browser = await launchBrowser({ viewport: { width: 390, height: 844 } });
});
after(async () => {
  await browser?.close();
  await gh?.close();
});

const inZone = (ms: number, o: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en', { timeZone: ZONE, ...o }).format(ms);
const dayInZone = (ms: number) => inZone(ms, { year: 'numeric', month: '2-digit', day: '2-digit' });
const hhmm = (ms: number) => inZone(ms, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

test(`in Chromium (time zone ${ZONE}, 390×844): activity times are local with "today"/"yesterday", and the methods list labels its dates`, async () => {
  const { page, context, consoleErrors } = browser;
  const email = 'local-time@example.com';
  const p = await personWithTotp(gh, clock, email);
  clock.nextStep();
  // Events of yesterday and of last week, as the flows write them (at the time they happened).
  const now = clock.now();
  const yesterday = now - 24 * 3600_000;
  const lastWeek = now - 7 * 24 * 3600_000;
  await audit(gh.gh.deps.db, { now: () => lastWeek }, { event: 'password.changed', userId: p.user.id });
  await audit(gh.gh.deps.db, { now: () => yesterday }, { event: 'mfa.recovery_codes.regenerated', userId: p.user.id });

  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setTimezoneOverride', { timezoneId: ZONE });
  await page.goto(`${gh.issuer}/account`);
  await page.getByLabel(t('common.email')).fill(email);
  await page.getByRole('button', { name: t('common.continue') }).click();
  await page.getByLabel(t('common.password'), { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: t('common.continue') }).click();
  await page.getByLabel(t('mfa.totp.label')).fill(totpCode(p.secret, clock.now()));
  clock.nextStep();
  await page.getByRole('button', { name: t('mfa.verify') }).click();
  await page.waitForURL(`${gh.issuer}/account`);
  assert.equal(await page.evaluate(() => new Date().getTimezoneOffset()), -330, 'the page runs at UTC+05:30');

  const times = await page.locator('#activity time').evaluateAll((els) => els.map((e) => ({ iso: e.getAttribute('datetime')!, text: e.textContent!, title: (e as HTMLElement).title })));
  assert.ok(times.length >= 3, JSON.stringify(times));
  const today = dayInZone(Date.now());
  for (const { iso, text, title } of times) {
    const at = Date.parse(iso);
    assert.equal(title, `${iso.slice(0, 16).replace('T', ' ')} UTC`, 'the UTC time stays as the tooltip');
    assert.ok(!text.includes('UTC'), text);
    const daysAgo = Math.round((Date.parse(today) - Date.parse(dayInZone(at))) / 86_400_000);
    if (daysAgo === 0) assert.equal(text, `today ${hhmm(at)}`);
    else if (daysAgo === 1) assert.equal(text, `yesterday ${hhmm(at)}`);
    else assert.ok(text.endsWith(`, ${hhmm(at)}`) && text.includes(inZone(at, { year: 'numeric' })), `${text} for ${iso}`);
  }
  // Newest first: the oldest line with a sentence is the one written in the past above.
  const line = async (sentence: string) => (await page.locator('#activity li', { hasText: sentence }).last().innerText())?.replace(/\s+/g, ' ').trim();
  assert.match((await line(t('account.event.recovery_generated')))!, /^You created new recovery codes — yesterday \d\d:\d\d$/);
  assert.match((await line(t('account.event.mfa_added_totp')))!, /^You added an authenticator app — node, today \d\d:\d\d IP address/);
  assert.match((await line(t('account.event.password_changed')))!, /^You changed your password — \w{3} \d{1,2}, \d{4}, \d\d:\d\d$|^You changed your password — \d{1,2} \w{3} \d{4}, \d\d:\d\d$/);

  // The methods list on a phone: the table is stacked and each date says what it is.
  await page.getByRole('link', { name: t('account.security_manage') }).click();
  await page.waitForURL(`${gh.issuer}/account/security`);
  const cells = await page.locator('table.methods td[data-label]').evaluateAll((els) =>
    els.map((e) => ({ label: e.getAttribute('data-label'), before: getComputedStyle(e, '::before').content, display: getComputedStyle(e).display, text: e.textContent })),
  );
  assert.deepEqual(cells.map((c) => c.label), [t('security.col.added'), t('security.col.last_used')]);
  for (const c of cells) {
    assert.equal(c.display, 'block', 'stacked');
    assert.equal(c.before, `"${c.label}: "`, 'the label is drawn before the date');
    assert.match(c.text!, /^today \d\d:\d\d$/, 'and the date is local');
  }
  assert.equal(await page.locator('table.methods thead').evaluate((e) => getComputedStyle(e).display), 'none', 'the column headings are hidden on a phone');
  // On a large screen the headings come back and the labels go.
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.equal(await page.locator('table.methods td[data-label]').first().evaluate((e) => getComputedStyle(e, '::before').content), 'none');
  assert.notEqual(await page.locator('table.methods thead').evaluate((e) => getComputedStyle(e).display), 'none');
  assert.deepEqual(consoleErrors, [], 'no CSP violation, no script error');
});
