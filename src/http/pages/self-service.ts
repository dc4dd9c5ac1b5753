import { html, type SafeHtml } from '../html.ts';
import { csrfField, errorSummary, input, layout, type FieldError } from './layout.ts';
import type { T } from '../../i18n/index.ts';

/**
 * Pages of self sign-up, email verification and password reset. They work without JavaScript;
 * focus.js only moves focus to the error summary. `interaction` is the sign-in the person came
 * from: hidden fields carry it so that they can return to it at the end.
 */

/** Where "sign in" leads: back to the sign-in in progress, else to account settings (which starts one). */
export function signInUrl(interaction?: string): string {
  return interaction ? `/interaction/${interaction}` : '/account';
}

function errorFor(errors: FieldError[], field: string): string | undefined {
  return errors.find((e) => e.field === field)?.message;
}

function interactionField(interaction?: string): SafeHtml | string {
  return interaction ? html`<input type="hidden" name="interaction" value="${interaction}">` : '';
}

function page(t: T, title: string, body: SafeHtml, scripts: string[] = []): string {
  return layout({ t, title, body, scripts: ['focus.js', ...scripts] });
}

/** Marks a password field for static/show-password.js, which adds the show/hide button. */
function showPassword(t: T): SafeHtml {
  return html` data-show-label="${t('selfservice.show_password')}" data-hide-label="${t('selfservice.hide_password')}"`;
}

function signInLink(t: T, interaction: string | undefined, key: 'selfservice.sign_in' | 'selfservice.continue_sign_in' = 'selfservice.sign_in'): SafeHtml {
  return html`<p class="actions"><a class="button" href="${signInUrl(interaction)}">${t(key)}</a></p>`;
}

export interface SignupPageInput {
  t: T;
  csrf: string;
  name?: string;
  email?: string;
  errors?: FieldError[];
  interaction?: string;
}

export function signupPage(p: SignupPageInput): string {
  const { t } = p;
  const errors = p.errors ?? [];
  const firstError = errors[0]?.field;
  return page(
    t,
    t('signup.title'),
    html`<h1>${t('signup.title')}</h1>
${errorSummary(t, errors)}
<form method="post" action="/signup" novalidate>
${csrfField(p.csrf)}
${interactionField(p.interaction)}
${input({ id: 'name', label: t('signup.name_label'), value: p.name, autocomplete: 'name', error: errorFor(errors, 'name'), autofocus: !firstError })}
${input({ id: 'email', label: t('common.email'), type: 'email', value: p.email, autocomplete: 'username', error: errorFor(errors, 'email'), required: true })}
${input({ id: 'password', label: t('common.password'), type: 'password', autocomplete: 'new-password', hint: t('signup.password_hint'), error: errorFor(errors, 'password'), required: true, extra: showPassword(t) })}
<div class="actions"><button type="submit">${t('signup.submit')}</button></div>
</form>
<div class="links"><p>${t('signup.have_account')} <a href="${signInUrl(p.interaction)}">${t('selfservice.sign_in')}</a></p></div>`,
    ['show-password.js'],
  );
}

export function signupDisabledPage(t: T, interaction?: string): string {
  return page(t, t('signup.title'), html`<h1>${t('signup.title')}</h1>
<p>${t('signup.disabled')}</p>
${signInLink(t, interaction)}`);
}

/** The one answer to every accepted sign-up, whether or not the address already had an account. */
export function signupSentPage(t: T, email: string, verification: boolean, interaction?: string): string {
  if (!verification) {
    return page(t, t('signup.ready_title'), html`<h1>${t('signup.ready_title')}</h1>
<p>${t('signup.ready_body', { email })}</p>
${signInLink(t, interaction, interaction ? 'selfservice.continue_sign_in' : 'selfservice.sign_in')}`);
  }
  return page(t, t('signup.check_email'), html`<h1>${t('signup.check_email')}</h1>
<p class="notice" role="status">${t('signup.check_email_body', { email })}</p>`);
}

/** GET of a verification link: a button, because mail scanners follow links and must not verify anything. */
/**
 * Verification asks for the password chosen at sign-up: a link clicked by someone who did not
 * sign up (account pre-hijacking: an attacker registers the victim's address with a password of
 * their own) then verifies nothing.
 */
export function verifyConfirmPage(t: T, csrf: string, token: string, interaction?: string, email?: string, error?: string): string {
  return page(t, t('verify.confirm_title'), html`<h1>${t('verify.confirm_title')}</h1>
<p>${t('verify.confirm_body')}</p>
${errorSummary(t, error ? [{ field: 'password', message: error }] : [])}
<form method="post" action="/verify-email" novalidate>
${csrfField(csrf)}
<input type="hidden" name="token" value="${token}">
${interactionField(interaction)}
${email ? html`<input type="email" name="username" value="${email}" autocomplete="username" hidden>` : ''}
${input({ id: 'password', label: t('verify.password_label'), hint: t('verify.password_hint'), type: 'password', autocomplete: 'current-password', error, required: true })}
<div class="actions"><button type="submit">${t('verify.confirm_submit')}</button></div>
</form>`);
}

export function verifiedPage(t: T, interaction?: string): string {
  return page(t, t('verify.title'), html`<h1>${t('verify.title')}</h1>
<p class="notice" role="status">${t('verify.body')}</p>
${signInLink(t, interaction, interaction ? 'selfservice.continue_sign_in' : 'selfservice.sign_in')}`);
}

/** A verification or reset link that is unknown, expired or used. */
export function invalidLinkPage(t: T, kind: 'verify' | 'reset'): string {
  return page(t, t('verify.invalid_title'), html`<h1>${t('verify.invalid_title')}</h1>
<p>${t('verify.invalid')}</p>
${kind === 'reset' ? html`<p class="actions"><a class="button" href="/reset">${t('reset.request_new')}</a></p>` : signInLink(t, undefined)}`);
}

export interface ResetRequestPageInput {
  t: T;
  csrf: string;
  email?: string;
  errors?: FieldError[];
  interaction?: string;
}

export function resetRequestPage(p: ResetRequestPageInput): string {
  const { t } = p;
  const errors = p.errors ?? [];
  return page(t, t('reset.title'), html`<h1>${t('reset.title')}</h1>
${errorSummary(t, errors)}
<p>${t('reset.intro')}</p>
<form method="post" action="/reset" novalidate>
${csrfField(p.csrf)}
${interactionField(p.interaction)}
${input({ id: 'email', label: t('common.email'), type: 'email', value: p.email, autocomplete: 'username', error: errorFor(errors, 'email'), autofocus: errors.length === 0, required: true })}
<div class="actions"><button type="submit">${t('reset.submit')}</button></div>
</form>
<div class="links"><p><a href="${signInUrl(p.interaction)}">${t('common.back')}</a></p></div>`);
}

/** The one answer to every accepted reset request, known address or not. */
export function resetSentPage(t: T, email: string): string {
  return page(t, t('reset.sent_title'), html`<h1>${t('reset.sent_title')}</h1>
<p class="notice" role="status">${t('reset.sent_body', { email })}</p>`);
}

export interface ResetConfirmPageInput {
  t: T;
  csrf: string;
  token: string;
  email: string;
  errors?: FieldError[];
  interaction?: string;
}

export function resetConfirmPage(p: ResetConfirmPageInput): string {
  const { t } = p;
  const errors = p.errors ?? [];
  return page(t, t('reset.choose_title'), html`<h1>${t('reset.choose_title')}</h1>
${errorSummary(t, errors)}
<form method="post" action="/reset/confirm" novalidate>
${csrfField(p.csrf)}
<input type="hidden" name="token" value="${p.token}">
${interactionField(p.interaction)}
<p><strong>${p.email}</strong></p>
<input type="email" name="username" value="${p.email}" autocomplete="username" hidden>
${input({ id: 'password', label: t('reset.new_password'), type: 'password', autocomplete: 'new-password', hint: t('signup.password_hint'), error: errorFor(errors, 'password'), autofocus: errors.length === 0, required: true, extra: showPassword(t) })}
${input({ id: 'password_confirm', label: t('reset.confirm_password'), type: 'password', autocomplete: 'new-password', error: errorFor(errors, 'password_confirm'), required: true, extra: showPassword(t) })}
<div class="actions"><button type="submit">${t('reset.choose_submit')}</button></div>
</form>`, ['show-password.js']);
}

export function resetDonePage(t: T, interaction?: string): string {
  return page(t, t('reset.done_title'), html`<h1>${t('reset.done_title')}</h1>
<p class="notice" role="status">${t('reset.done_body')}</p>
${signInLink(t, interaction)}`);
}
