import { html, type SafeHtml } from '../html.ts';
import { csrfField, input, layout } from './layout.ts';
import type { T } from '../../i18n/index.ts';

/** What the challenge page shows for push: the number to type (or why no request was sent) and the code fallback. */
export interface PushChallengeView {
  /** The two-digit number, when a request is waiting for this sign-in. */
  number?: string;
  /** Same-origin event stream that says when this sign-in's request was answered. */
  waitUrl?: string;
  /** Why no request was sent (busy, paused, throttled), in plain words. */
  unavailable?: string;
  /** A message about the last request (ended, not yet approved). */
  notice?: string;
}

/**
 * The push part of the second-factor page: "Approve the sign-in on your phone" with the number, a
 * Continue button that works without script (static/push-wait.js sends it at once and it is answered
 * when the phone answers: `data-push-hold`; `data-push-wait` is the event stream of a browser without `fetch`),
 * and "Didn't get a notification?" with the app's code.
 */
export function pushChallengeBody(t: T, p: { action: string; csrf: string; view: PushChallengeView; codeError?: string; remember: SafeHtml }): SafeHtml {
  const v = p.view;
  const approve = v.number
    ? html`<p>${t('mfa.push.instructions')}</p>
<p class="push-number" aria-label="${t('mfa.push.number_label')}" data-testid="push-number">${v.number}</p>
<form method="post" action="${p.action}" data-push-wait="${v.waitUrl ?? ''}" data-push-hold>${csrfField(p.csrf)}
<input type="hidden" name="method" value="push">
${p.remember}
<p class="muted" role="status" aria-live="polite" data-push-status>${v.notice ?? t('mfa.push.waiting')}</p>
<div class="actions"><button type="submit">${t('mfa.push.continue')}</button></div>
</form>`
    : html`<p class="notice warn" role="status">${v.unavailable ?? ''}</p>`;
  // "Remember this device" goes with the approval form; with no request there, with the code form.
  const rememberWithCode = v.number ? html`` : p.remember;
  return html`${approve}
<details class="links"${!v.number || p.codeError ? html` open` : ''}><summary>${t('mfa.push.no_notification')}</summary>
<form method="post" action="${p.action}" novalidate>${csrfField(p.csrf)}
<input type="hidden" name="method" value="push">
<p>${t('mfa.push.code_instead')}</p>
${input({ id: 'code', label: t('mfa.push.code_label'), autocomplete: 'one-time-code', error: p.codeError, required: true, extra: html` inputmode="numeric" pattern="[0-9 ]*" maxlength="7"` })}
${rememberWithCode}
<div class="actions"><button type="submit" class="secondary">${t('mfa.verify')}</button></div>
</form></details>`;
}

/** Deny ends the attempt: a page that says so, a way to start again, and the way back to the app (told it was denied). */
export function pushDeniedPage(t: T, p: { csrf: string; uid?: string }): string {
  return layout({
    t,
    title: t('mfa.push.denied.title'),
    body: html`<h1>${t('mfa.push.denied.title')}</h1>
<p role="alert">${t('mfa.push.denied.body')}</p>
${p.uid ? html`<form method="post" action="/interaction/${p.uid}/restart">${csrfField(p.csrf)}<div class="actions"><button type="submit">${t('mfa.push.denied.restart')}</button></div></form>
<form method="post" action="/interaction/${p.uid}/abort" class="links">${csrfField(p.csrf)}<button type="submit" class="secondary">${t('mfa.push.denied.return')}</button></form>` : ''}`,
  });
}

export interface PushSetupInput {
  t: T;
  base: string;
  csrf: string;
  /** Before the device registered: the link (as text and QR code). */
  link?: { url: string; qr: string };
  /** After: the test request's number. */
  number?: string;
  notice?: string;
  waitUrl: string;
}

/** The wizard's push step: the link as QR code and text, then the test request's number; Continue confirms. */
export function pushSetupBody(p: PushSetupInput): SafeHtml {
  const { t } = p;
  const top = p.link
    ? html`<p>${t('wizard.push.step1')}</p>
<p><img src="${p.link.qr}" width="220" height="220" alt="${t('wizard.push.qr_alt')}"></p>
<p>${t('wizard.push.link_label')}</p>
<p class="secret-line"><code class="secret" data-testid="push-link">${p.link.url}</code> <button type="button" class="secondary small" data-copy="push-link-text" data-copied="${t('wizard.recovery.copied')}" hidden>${t('wizard.push.copy_link')}</button></p>
<input type="hidden" id="push-link-text" value="${p.link.url}">
<p class="muted">${t('wizard.push.terminal')}</p>
<p class="muted" role="status" aria-live="polite" data-push-status>${p.notice ?? t('wizard.push.waiting_device')}</p>`
    : html`<h2>${t('wizard.push.test_title')}</h2>
<p>${t('wizard.push.test_body')}</p>
<p class="push-number" aria-label="${t('mfa.push.number_label')}" data-testid="push-number">${p.number ?? ''}</p>
<p class="muted" role="status" aria-live="polite" data-push-status>${p.notice ?? t('mfa.push.waiting')}</p>`;
  return html`${top}
<form method="post" action="${p.base}/confirm" data-push-wait="${p.waitUrl}">${csrfField(p.csrf)}
<div class="actions"><button type="submit">${t('wizard.push.check')}</button></div></form>`;
}
