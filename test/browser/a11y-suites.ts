import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGatehouse, type TestGatehouse } from '../helpers/gatehouse.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { scriptErrors, startAppServer } from './webauthn-support.ts';
import { assertFocusRings, assertNoSeriousAxeViolations, installAxe } from './a11y-support.ts';
import { startTourDemo, tour, type TourPart, type Visit } from './page-tour.ts';

/**
 * The two walks of every page of issue 7, one file per half of the walk and viewport: a walk of every
 * page with its checks takes over a minute on a busy machine, and each file has the runner's two minutes.
 */
type Viewport = { width: number; height: number };

function walkSuite(part: TourPart, viewport: Viewport, label: string, setUp: (browser: TestBrowser, gh: TestGatehouse) => Promise<void>, visitFor: (where: (name: string) => string, seen: Set<string>) => Visit, afterWalk: (seen: Set<string>, browser: TestBrowser) => void) {
  let gh: TestGatehouse;
  let browser: TestBrowser;
  let appServer: Awaited<ReturnType<typeof startAppServer>>;
  let demo: Awaited<ReturnType<typeof startTourDemo>>;
  before(async () => {
    // The walk includes the email code of a first enrollment from a new browser (decision 0014).
    gh = await startTestGatehouse({ GATEHOUSE_ENROLLMENT_EMAIL_CODE: '1' });
    browser = await launchBrowser({ viewport });
    await setUp(browser, gh);
    appServer = await startAppServer();
    if (part === 'settings') demo = await startTourDemo(gh);
  });
  after(async () => {
    await browser?.close();
    await demo?.demo.close();
    await appServer?.close();
    await gh?.close();
  });
  test(`${part === 'sign-in' ? 'self-service, sign-in and wizard' : 'challenge, account settings, error pages and demo apps'} at ${viewport.width}×${viewport.height}: ${label}`, async () => {
    const seen = new Set<string>();
    const where = (name: string) => `${name} at ${viewport.width}×${viewport.height}`;
    await tour(
      { part, gh, page: browser.page, appOrigin: appServer.origin, email: `walk-${viewport.width}@example.com`, password: 'a long walk on the quiet beach', demoDirectory: demo?.directory },
      visitFor(where, seen),
    );
    afterWalk(seen, browser);
  });
}

/**
 * Accessibility beyond axe: on every page, Tab from the top through every element the keyboard
 * reaches (the skip link first; the error summary when it takes focus) and measure its focus ring
 * from the computed styles against the background it sits on: at least 3:1 (WCAG 2.2 SC 1.4.11, 2.4.13).
 */
export function focusRingSuite(part: TourPart, viewport: Viewport): void {
  walkSuite(
    part,
    viewport,
    'every focusable element on every page shows a focus ring of at least 3:1',
    async () => {},
    (where, seen) => async (page, name) => {
      for (const k of await assertFocusRings(page, where(name))) seen.add(k);
    },
    (seen) => {
      const kinds = [...seen];
      for (const [kind, pattern, parts] of [
        ['the skip link', /^a\.skip$/, 'both'],
        ['a link', /^a$/, 'both'],
        ['a link styled as a button', /^a\.button/, 'both'],
        ['a button', /^button/, 'both'],
        ['a text field', /^input\[type=(text|email|password)\]/, 'both'],
        ['a checkbox', /^input\[type=checkbox\]/, 'sign-in'],
        ['a radio button', /^input\[type=radio\]/, 'sign-in'],
        ['a <summary>', /^summary$/, 'both'],
        ['the error summary', /^div\.error-summary$/, 'both'],
      ] as const) {
        if (parts !== 'both' && parts !== part) continue;
        assert.ok(kinds.some((k) => pattern.test(k)), `${kind} was focused and measured on some page (seen: ${kinds.join(', ')})`);
      }
    },
  );
}

/** axe-core on every page a person can reach: no serious or critical violation. */
export function axeSuite(part: TourPart, viewport: Viewport): void {
  walkSuite(
    part,
    viewport,
    'no serious or critical axe-core violation on any page',
    (browser, gh) => installAxe(browser.context, new URL(gh.issuer).origin),
    (where, seen) => async (page, name) => {
      await assertNoSeriousAxeViolations(page, where(name));
      seen.add(name);
    },
    (seen, browser) => {
      assert.ok(seen.size >= (part === 'sign-in' ? 18 : 12), `walked ${seen.size} pages`);
      assert.deepEqual(scriptErrors(browser.consoleErrors), [], 'no CSP violations or script errors');
    },
  );
}
