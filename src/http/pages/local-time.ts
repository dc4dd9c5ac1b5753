import { html, type SafeHtml } from '../html.ts';
import type { T } from '../../i18n/index.ts';

/** The script that rewrites every {@link localTime} to the reader's own time zone. */
export const LOCAL_TIME_SCRIPT = 'local-time.js';

/**
 * A moment as `<time>`: the server writes UTC ("2026-11-30 14:02 UTC"), which stays when scripts
 * are off; static/local-time.js rewrites it in the browser's time zone ("today 15:02"), the only
 * place that knows it. The words for "today" and "yesterday" travel with the element, translated.
 */
export function localTime(t: T, ms: number): SafeHtml {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" data-local-time data-today="${t('time.today')}" data-yesterday="${t('time.yesterday')}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}
