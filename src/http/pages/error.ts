import { html } from '../html.ts';
import { layout } from './layout.ts';
import type { T } from '../../i18n/index.ts';

/** An error page: a human message and, when there is one, the machine code. Never a stack trace. */
export function errorPage(t: T, message: string, code?: string): string {
  return layout({
    t,
    title: t('error.title'),
    body: html`<h1>${t('error.title')}</h1>
<p>${message}</p>
${code ? html`<p class="muted">Error code: <code>${code}</code></p>` : ''}`,
  });
}
