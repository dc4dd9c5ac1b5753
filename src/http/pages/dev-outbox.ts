import { escapeHtml, html, raw, type SafeHtml } from '../html.ts';
import { layout } from './layout.ts';
import type { T } from '../../i18n/index.ts';

export interface OutboxMail {
  id: number;
  to: string;
  subject: string;
  text: string;
  createdAt: number;
}

/**
 * The body escaped first, then http(s) URLs turned into links. Escaping first means a link's text
 * and href are already HTML-safe (quotes became entities, so an href cannot be broken out of), and
 * only http(s) schemes are linked, so a mail cannot smuggle a `javascript:` link into the page.
 */
export function linkify(text: string): SafeHtml {
  return raw(escapeHtml(text).replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`));
}

export function outboxPage(t: T, mails: OutboxMail[], smtpConfigured: boolean): string {
  return layout({
    t,
    title: t('outbox.title'),
    wide: true,
    body: html`<h1>${t('outbox.title')}</h1>
<p class="sub">${t('outbox.intro')}</p>
${smtpConfigured ? html`<p class="notice">${t('outbox.smtp_note')}</p>` : ''}
${mails.length === 0 ? html`<p>${t('outbox.empty')}</p>` : ''}
${mails.map(
  (m) => html`<article class="mail" id="mail-${m.id}">
<h2>${m.subject}</h2>
<dl>
<dt>${t('outbox.to')}</dt><dd>${m.to}</dd>
<dt>${t('outbox.sent_at')}</dt><dd><time datetime="${new Date(m.createdAt).toISOString()}">${new Date(m.createdAt).toISOString()}</time></dd>
</dl>
<pre class="mail">${linkify(m.text)}</pre>
</article>`,
)}`,
  });
}
