import { html } from '../html.ts';
import { csrfField, layout } from './layout.ts';
import type { T } from '../../i18n/index.ts';

export interface ConfirmPageInput {
  t: T;
  csrf: string;
  /** The question, as the heading ("Remove this method?"). */
  title: string;
  /** The consequences in plain words, one paragraph each (already translated; escaped here). */
  consequences: string[];
  /** The route that does it: the form posts `confirm=1` there, with the CSRF token. */
  action: string;
  /** The button that does it, naming the action ("Remove Work phone"). */
  button: string;
  /** Cancel goes back here with a plain link: nothing is posted, nothing changes. */
  cancelHref: string;
}

/**
 * "Are you sure?" before a change that cannot be undone (issue 7): the heading asks, the page says
 * what will happen, and only the form's POST — CSRF and fresh-proof checks included — does it.
 * Shown by a GET, which changes nothing.
 */
export function confirmPage(p: ConfirmPageInput): string {
  const { t } = p;
  return layout({
    t,
    title: p.title,
    body: html`<h1>${p.title}</h1>
${p.consequences.map((c) => html`<p>${c}</p>`)}
<form method="post" action="${p.action}">${csrfField(p.csrf)}<input type="hidden" name="confirm" value="1">
<div class="actions"><button type="submit" class="danger">${p.button}</button> <a class="button secondary" href="${p.cancelHref}">${t('common.cancel')}</a></div></form>`,
  });
}
