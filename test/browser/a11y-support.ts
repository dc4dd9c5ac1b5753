import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';

/**
 * Accessibility checks shared by the browser suites of issue 7: the focus ring's contrast measured
 * from the page's own computed styles (WCAG 2.2 SC 1.4.11 / 2.4.13), and axe-core run inside the page.
 */

export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

type Rgba = [number, number, number, number];

/** `rgb(…)`/`rgba(…)` as Chromium's getComputedStyle writes them; anything else (a keyword left over) is undefined. */
export function parseColor(css: string): Rgba | undefined {
  const m = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(css.trim());
  if (!m) return undefined;
  const alpha = m[4] === undefined ? 1 : m[4].endsWith('%') ? Number(m[4].slice(0, -1)) / 100 : Number(m[4]);
  return [Number(m[1]), Number(m[2]), Number(m[3]), alpha];
}

/** WCAG 2.x relative luminance of an opaque sRGB colour. */
export function luminance([r, g, b]: Rgba): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio, (L1 + 0.05) / (L2 + 0.05), of two opaque colours. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `top` painted over the opaque `bottom`. */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i]! * a + bottom[i]! * (1 - a)).concat(1) as Rgba;
}

/** What the page reports about its focused element: the ring's colour and the backgrounds behind it. */
export interface FocusedReport {
  /** The element's place in the document, to tell when Tab came round to the first one again. */
  index: number;
  /** "a.button", "input[type=checkbox]", "summary", "div.error-summary", "a.skip"… */
  kind: string;
  name: string;
  /** outline colour (when an outline of at least 2px is drawn) and box-shadow colours. */
  rings: string[];
  /** Background colours from the element (or its parent, for a ring outside the element) up to the root, until an opaque one. */
  backgrounds: string[];
  visible: boolean;
}

/** Runs in the page: describes document.activeElement. */
function describeFocused(): FocusedReport | null {
  const el = document.activeElement as HTMLElement | null;
  if (!el || el === document.body || el === document.documentElement) return null;
  const cs = getComputedStyle(el);
  const rings: string[] = [];
  if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) rings.push(cs.outlineColor);
  if (cs.boxShadow && cs.boxShadow !== 'none') {
    for (const c of cs.boxShadow.match(/rgba?\([^)]*\)/g) ?? []) rings.push(c);
  }
  // A ring drawn outside the element (outline-offset ≥ 0, or a spread box-shadow) is seen against what is
  // behind the element: start from the parent. A ring drawn inside is seen against the element itself.
  const inside = cs.outlineStyle !== 'none' && parseFloat(cs.outlineOffset) < 0;
  const backgrounds: string[] = [];
  for (let n: Element | null = inside ? el : el.parentElement; n; n = n.parentElement) {
    const bg = getComputedStyle(n).backgroundColor;
    const alpha = /rgba\([^)]*[,/]\s*([\d.]+)\)/.exec(bg);
    if (alpha && Number(alpha[1]) === 0) continue;
    backgrounds.push(bg);
    if (!alpha || Number(alpha[1]) === 1) break;
  }
  const type = el instanceof HTMLInputElement ? `[type=${el.type}]` : '';
  const cls = el.classList.length ? '.' + Array.from(el.classList).join('.') : '';
  const box = el.getBoundingClientRect();
  return {
    index: Array.from(document.querySelectorAll('*')).indexOf(el),
    kind: `${el.tagName.toLowerCase()}${type}${cls}`,
    name: (el.getAttribute('aria-label') ?? el.textContent ?? (el as HTMLInputElement).name ?? '').trim().replace(/\s+/g, ' ').slice(0, 60),
    rings,
    backgrounds,
    visible: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0,
  };
}

/** The contrast of the focused element's ring against the background it sits on; throws when it has no ring. */
export async function focusedRing(page: Page): Promise<(FocusedReport & { ratio: number }) | null> {
  const r = await page.evaluate(describeFocused);
  if (!r) return null;
  // The canvas behind everything is white in Chromium's default (light) scheme.
  let bg: Rgba = [255, 255, 255, 1];
  for (const c of [...r.backgrounds].reverse()) bg = over(parseColor(c) ?? [255, 255, 255, 1], bg);
  const ratios = r.rings.map((c) => {
    const ring = parseColor(c);
    return ring ? contrastRatio(over(ring, bg), bg) : 0;
  });
  return { ...r, ratio: ratios.length ? Math.max(...ratios) : 0 };
}

/**
 * Tabs through the whole page from the top (the skip link first) and asserts that every element that
 * takes focus draws a ring of at least 3:1 against its background. Checks the element that has focus
 * when the page loads too (the error summary, which static/focus.js focuses). Returns the kinds seen.
 */
export async function assertFocusRings(page: Page, where: string, maxTabs = 60): Promise<Set<string>> {
  const kinds = new Set<string>();
  const failures: string[] = [];
  const check = (r: (FocusedReport & { ratio: number }) | null) => {
    if (!r) return;
    kinds.add(r.kind);
    if (!(r.ratio >= 3)) failures.push(`${r.kind} “${r.name}”: ring ${r.rings.join(' ') || 'none'} on ${r.backgrounds.join(' over ') || 'the canvas'} is ${r.ratio.toFixed(2)}:1`);
  };
  check(await focusedRing(page));
  // Start from the top of the document, as a keyboard user arriving on the page does.
  // (Blurring is not enough: Chromium's sequential focus navigation would go on from where focus was.)
  await page.evaluate(() => {
    document.body.setAttribute('tabindex', '-1');
    document.body.focus();
  });
  let first: number | undefined;
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab');
    if (i === 0) await page.evaluate(() => document.body.removeAttribute('tabindex'));
    const r = await focusedRing(page);
    if (!r || r.index === first) break;
    first ??= r.index;
    check(r);
  }
  assert.deepEqual(failures, [], `${where}: every focus ring at least 3:1`);
  return kinds;
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

const AXE_PATH = '/__test-axe-core.js';
/** Origins where the test serves axe-core as a same-origin script (see {@link installAxe}). */
const axeOrigins = new WeakMap<BrowserContext, Set<string>>();

/**
 * Serves axe-core at a same-origin path of `origin` (the browser answers it, Gatehouse never sees the
 * request), so that a script tag loads it under the pages' own CSP (script-src 'self') and the browser
 * keeps it compiled between pages: several times faster than evaluating its 550 kB source on each page.
 */
export async function installAxe(context: BrowserContext, origin: string): Promise<void> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const body = axeSource;
  await context.route(`${origin}${AXE_PATH}`, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body, headers: { 'cache-control': 'max-age=3600' } }));
  const set = axeOrigins.get(context) ?? new Set<string>();
  set.add(origin);
  axeOrigins.set(context, set);
}

/** Runs axe-core (its full rule set, WCAG 2.x A/AA and best practices) in the page; returns the violations. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) {
    if (axeOrigins.get(page.context())?.has(new URL(page.url()).origin)) {
      await page.evaluate(
        (src) =>
          new Promise<void>((resolve, reject) => {
            const s = document.createElement('script');
            s.src = src;
            s.onload = () => resolve();
            s.onerror = () => reject(new Error(`could not load ${src}`));
            document.head.append(s);
          }),
        AXE_PATH,
      );
    } else {
      // Another origin (the demo apps allow no script at all): through DevTools, which no CSP stops.
      axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
      await page.evaluate(axeSource);
    }
  }
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

/** No serious or critical axe-core violation on the page. */
export async function assertNoSeriousAxeViolations(page: Page, where: string): Promise<AxeViolation[]> {
  const violations = await runAxe(page);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    serious.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`),
    [],
    `${where} (${page.url()}): no serious or critical axe-core violation`,
  );
  return violations;
}
