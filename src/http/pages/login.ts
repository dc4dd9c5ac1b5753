import { html, jsonData } from '../html.ts';
import { csrfField, errorSummary, input, layout, type FieldError } from './layout.ts';
import type { T } from '../../i18n/index.ts';

export interface LoginPageInput {
  t: T;
  uid: string;
  csrf: string;
  appName: string;
  email?: string;
  errors?: FieldError[];
  signupEnabled: boolean;
  /** WebAuthn request options for "Sign in with a passkey" (email page only). */
  passkeyOptions?: unknown;
  /**
   * The browser's session names the person (a re-authentication): "Not you?" could only bring this
   * page back, so the page says how to use another account instead (password page only).
   */
  sessionPerson?: boolean;
}

function appLine(t: T, appName: string) {
  return html`<p class="sub">${t('login.to_app', { app: appName })}</p>`;
}


export function emailPage(p: LoginPageInput): string {
  const { t } = p;
  const err = p.errors?.find((e) => e.field === 'email')?.message;
  return layout({
    t,
    title: t('login.title'),
    scripts: ['focus.js', 'vendor/simplewebauthn-browser.js', 'webauthn.js'],
    // Also drawn in a form's answer (a wrong address, a passkey refused): the page names where it lives (decision 0024).
    pageUrl: `/interaction/${p.uid}`,
    body: html`<h1>${t('login.title')}</h1>
${appLine(t, p.appName)}
${errorSummary(t, p.errors ?? [])}
<form method="post" action="/interaction/${p.uid}/email" novalidate>
${csrfField(p.csrf)}
${input({ id: 'email', label: t('common.email'), type: 'email', value: p.email, autocomplete: 'username webauthn', hint: t('login.email_hint'), error: err, autofocus: !err, required: true })}
<div class="actions"><button type="submit">${t('common.continue')}</button></div>
</form>
${p.passkeyOptions ? html`<p class="divider">${t('passkey.or')}</p>
${jsonData('passkey-options', p.passkeyOptions)}
<form method="post" action="/interaction/${p.uid}/passkey" data-webauthn="passkey" data-options="passkey-options" data-autofill data-failed="${t('passkey.failed')}" data-unsupported="${t('mfa.webauthn.unsupported')}">
${csrfField(p.csrf)}
<input type="hidden" name="credential" value="">
<p role="alert" class="error"></p>
<div class="actions"><button type="submit" class="secondary">${t('passkey.button')}</button></div>
</form>` : ''}
<div class="links">
<p><a href="/reset">${t('login.forgot')}</a></p>
${p.signupEnabled ? html`<p>${t('login.signup_prompt')} <a href="/signup?interaction=${p.uid}">${t('login.signup_link')}</a></p>` : ''}
</div>
${abortForm(p)}`,
  });
}

export function passwordPage(p: LoginPageInput): string {
  const { t } = p;
  const err = p.errors?.find((e) => e.field === 'password')?.message;
  return layout({
    t,
    title: t('login.password_title'),
    scripts: ['focus.js'],
    // The email's answer, and a wrong password's (decision 0024): the page names where it lives.
    pageUrl: `/interaction/${p.uid}`,
    body: html`<h1>${t('login.password_title')}</h1>
${appLine(t, p.appName)}
${errorSummary(t, p.errors ?? [])}
<form method="post" action="/interaction/${p.uid}/password" novalidate>
${csrfField(p.csrf)}
<p><strong>${p.email ?? ''}</strong></p>
<input type="hidden" name="for" value="${p.email ?? ''}">
<input type="email" name="username" value="${p.email ?? ''}" autocomplete="username" hidden>
${input({ id: 'password', label: t('common.password'), type: 'password', autocomplete: 'current-password', error: err, autofocus: !err, required: true })}
<div class="actions"><button type="submit">${t('common.continue')}</button></div>
</form>
${
  p.sessionPerson
    ? html`<p class="links">${t('login.session_person')} <a href="/reset">${t('login.forgot')}</a></p>`
    : html`<form method="post" action="/interaction/${p.uid}/restart" class="links">
${csrfField(p.csrf)}
<p><button type="submit" class="secondary">${t('login.not_you')}</button> <a href="/reset">${t('login.forgot')}</a></p>
</form>`
}
${abortForm(p)}`,
  });
}

function abortForm(p: LoginPageInput) {
  return html`<form method="post" action="/interaction/${p.uid}/abort" class="links">${csrfField(p.csrf)}<button type="submit" class="secondary">${p.t('login.abort')}</button></form>`;
}

export interface ConsentPageInput {
  t: T;
  uid: string;
  csrf: string;
  appName: string;
  scopes: string[];
}

export function consentPage(p: ConsentPageInput): string {
  const { t } = p;
  const known = new Set(['openid', 'email', 'profile', 'offline_access']);
  return layout({
    t,
    title: t('consent.title'),
    body: html`<h1>${t('consent.title')}</h1>
<p>${t('consent.intro', { app: p.appName })}</p>
<ul>${p.scopes.map((s) => html`<li>${known.has(s) ? t(`consent.scope.${s}` as any) : s}</li>`)}</ul>
<form method="post" action="/interaction/${p.uid}/consent">
${csrfField(p.csrf)}
<div class="actions">
<button type="submit" name="decision" value="allow">${t('consent.allow')}</button>
<button type="submit" name="decision" value="deny" class="secondary">${t('consent.deny')}</button>
</div>
</form>`,
  });
}

