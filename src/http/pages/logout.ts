import { html, raw } from '../html.ts';
import { layout } from './layout.ts';
import type { T } from '../../i18n/index.ts';

/**
 * RP-initiated logout confirmation. `form` is oidc-provider's hidden form (action + xsrf token);
 * the buttons submit it through the `form` attribute, so no script is needed.
 */
export function logoutPage(t: T, form: string): string {
  return layout({
    t,
    title: t('logout.title'),
    body: html`<h1>${t('logout.title')}</h1>
<p>${t('logout.confirm')}</p>
${raw(form)}
<div class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>${t('logout.yes')}</button>
<button type="submit" form="op.logoutForm" class="secondary">${t('logout.no')}</button>
</div>`,
  });
}

export function loggedOutPage(t: T): string {
  return layout({
    t,
    title: t('logout.done_title'),
    body: html`<h1>${t('logout.done_title')}</h1><p>${t('logout.done_body')}</p>`,
  });
}
