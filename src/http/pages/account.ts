import { html, type SafeHtml } from '../html.ts';
import { csrfField, errorSummary, input, layout, type FieldError } from './layout.ts';
import type { MessageKey, T } from '../../i18n/index.ts';
import { describeUserAgent } from '../user-agent-label.ts';
import { localTime, LOCAL_TIME_SCRIPT } from './local-time.ts';

export interface AccountEvent {
  event: string;
  at: number;
  ip: string | null;
  userAgent: string | null;
  appName?: string;
  /** The audit event's details (which kind of method was added, say). */
  details?: Record<string, unknown>;
}

export interface AccountPageInput {
  t: T;
  csrf: string;
  email: string;
  name: string;
  /** The apps this browser's session is signed in to (the console itself left out). */
  apps: Array<{ clientId: string; name: string }>;
  events: AccountEvent[];
  /** Active 2FA methods: the section links to Account settings → Two-step verification. */
  secondFactorCount: number;
  /** A confirmation after a change (already translated). */
  notice?: string;
  errors?: FieldError[];
}

/** Account settings: profile, password, apps, sign-out and recent activity, one page that works without JavaScript. */
export function accountPage(p: AccountPageInput): string {
  const { t } = p;
  const errors = p.errors ?? [];
  const err = (f: string) => errors.find((e) => e.field === f)?.message;
  return layout({
    t,
    title: t('account.title'),
    wide: true,
    scripts: ['focus.js', LOCAL_TIME_SCRIPT],
    body: html`<h1>${t('account.title')}</h1>
<p class="sub">${t('account.signed_in_as', { email: p.email })}</p>
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
${errorSummary(t, errors)}

<section aria-labelledby="profile-heading">
<h2 id="profile-heading">${t('account.profile')}</h2>
<form method="post" action="/account/profile" novalidate>
${csrfField(p.csrf)}
<p><span class="muted">${t('common.email')}</span><br><strong>${p.email}</strong></p>
${input({ id: 'name', label: t('common.name'), value: p.name, autocomplete: 'name', error: err('name') })}
<div class="actions"><button type="submit">${t('common.save')}</button></div>
</form>
</section>

<section aria-labelledby="security-heading">
<h2 id="security-heading">${t('account.security_section')}</h2>
<p>${p.secondFactorCount === 1 ? t('account.security_on_one') : p.secondFactorCount > 1 ? t('account.security_on', { n: p.secondFactorCount }) : t('account.security_off')}</p>
<p><a class="button secondary" href="/account/security">${p.secondFactorCount > 0 ? t('account.security_manage') : t('security.enable')}</a></p>
</section>

<section aria-labelledby="password-heading">
<h2 id="password-heading">${t('account.password')}</h2>
<form method="post" action="/account/password" novalidate>
${csrfField(p.csrf)}
<input type="email" name="username" value="${p.email}" autocomplete="username" hidden>
${input({ id: 'current_password', label: t('account.current_password'), type: 'password', autocomplete: 'current-password', error: err('current_password'), required: true })}
${input({ id: 'new_password', label: t('account.new_password'), type: 'password', autocomplete: 'new-password', hint: t('signup.password_hint'), error: err('new_password'), required: true })}
${input({ id: 'confirm_password', label: t('account.repeat_password'), type: 'password', autocomplete: 'new-password', error: err('confirm_password'), required: true })}
<p class="hint">${t('account.change_password_hint')}</p>
<div class="actions"><button type="submit">${t('account.change_password')}</button></div>
</form>
</section>

<section aria-labelledby="apps-heading">
<h2 id="apps-heading">${t('account.apps')}</h2>
${p.apps.length === 0 ? html`<p>${t('account.no_apps')}</p>` : html`<ul class="plain">${p.apps.map((a, i) => appItem(p, a, i))}</ul>`}
</section>

<section aria-labelledby="signout-heading">
<h2 id="signout-heading">${t('account.sign_out')}</h2>
<form method="post" action="/account/sign-out">
${csrfField(p.csrf)}
<p class="hint" id="sign-out-hint">${t('account.sign_out_hint')}</p>
<button type="submit" class="secondary" aria-describedby="sign-out-hint">${t('account.sign_out')}</button>
</form>
<form method="post" action="/account/sign-out-everywhere">
${csrfField(p.csrf)}
<p class="hint" id="sign-out-everywhere-hint">${t('account.sign_out_everywhere_hint')}</p>
<button type="submit" class="danger" aria-describedby="sign-out-everywhere-hint">${t('account.sign_out_everywhere')}</button>
</form>
</section>

<section aria-labelledby="activity-heading">
<h2 id="activity-heading">${t('account.activity')}</h2>
${p.events.length === 0 ? html`<p>${t('account.activity_empty')}</p>` : html`<ul class="plain" id="activity">${p.events.map((e) => eventItem(t, e))}</ul>`}
</section>`,
  });
}

function appItem(p: AccountPageInput, app: { clientId: string; name: string }, i: number): SafeHtml {
  return html`<li>
<form method="post" action="/account/apps/sign-out" class="actions">
${csrfField(p.csrf)}
<input type="hidden" name="client_id" value="${app.clientId}">
<strong id="app-${i}">${app.name}</strong>
<button type="submit" class="secondary" aria-describedby="app-${i}">${p.t('account.sign_out_app')}</button>
</form>
</li>`;
}

/**
 * Audit events a person reads in their activity, and the sentence for each; the others (the gate's
 * policy decisions, the notices sent to apps) are Gatehouse's bookkeeping and are not listed.
 */
const EVENT_SENTENCES: Record<string, MessageKey> = {
  'login.password.succeeded': 'account.event.password_accepted',
  'login.password.failed': 'account.event.password_failed',
  'login.password.throttled': 'account.event.throttled',
  'password.changed': 'account.event.password_changed',
  'password.change_failed': 'account.event.password_change_failed',
  'account.profile_updated': 'account.event.profile_updated',
  'session.signed_out': 'account.event.signed_out',
  'session.signed_out_of_app': 'account.event.signed_out_of_app',
  'session.signed_out_everywhere': 'account.event.signed_out_everywhere',
  'session.backchannel_logout.failed': 'account.event.app_not_notified',
  'email.verified': 'account.event.email_verified',
  'signup.created': 'account.event.account_created',
  'login.succeeded': 'account.event.signed_in',
  'login.passkey.succeeded': 'account.event.passkey_sign_in',
  'login.passkey.failed': 'account.event.passkey_failed',
  'mfa.succeeded': 'account.event.mfa_succeeded',
  'mfa.failed': 'account.event.mfa_failed',
  'mfa.throttled': 'account.event.mfa_throttled',
  'mfa.locked': 'account.event.mfa_locked',
  'mfa.unlocked': 'account.event.mfa_unlocked',
  'mfa.method.added': 'account.event.mfa_added',
  'mfa.method.removed': 'account.event.mfa_removed',
  'mfa.method.renamed': 'account.event.mfa_renamed',
  'mfa.method.default_changed': 'account.event.mfa_default',
  'mfa.enrollment.failed': 'account.event.mfa_enrollment_failed',
  'mfa.enrollment.postponed': 'account.event.mfa_postponed',
  'mfa.recovery_code.used': 'account.event.recovery_used',
  'mfa.recovery_codes.generated': 'account.event.recovery_generated',
  'mfa.recovery_codes.regenerated': 'account.event.recovery_generated',
  'mfa.reset': 'account.event.mfa_reset',
  'mfa.device.remembered': 'account.event.device_remembered',
  'mfa.device.forgotten': 'account.event.device_forgotten',
  'mfa.webauthn.cloned_suspected': 'account.event.key_cloned',
  'push.fraud_reported': 'account.event.push_fraud',
  'mfa.fresh_proof': 'account.event.fresh_proof',
};

/** The audit events the activity list shows (the query asks for these only, so the limit counts shown lines). */
export const ACTIVITY_EVENTS: readonly string[] = Object.keys(EVENT_SENTENCES);

/**
 * Events about one method name it ("You added a security key", "A wrong recovery code was entered")
 * rather than say "a two-step verification method": by the kind the event records (added: passkey or
 * security key), else its type, else the way used (a challenge). Older events that name neither keep
 * the general sentence.
 */
const BY_METHOD: Record<string, Record<string, MessageKey>> = {
  'mfa.method.added': {
    push: 'account.event.mfa_added_push',
    totp: 'account.event.mfa_added_totp',
    passkey: 'account.event.mfa_added_passkey',
    'security-key': 'account.event.mfa_added_security_key',
    webauthn: 'account.event.mfa_added_webauthn',
  },
  'mfa.method.removed': { push: 'account.event.mfa_removed_push', totp: 'account.event.mfa_removed_totp', webauthn: 'account.event.mfa_removed_webauthn' },
  'mfa.method.renamed': { totp: 'account.event.mfa_renamed_totp', webauthn: 'account.event.mfa_renamed_webauthn' },
  'mfa.method.default_changed': { totp: 'account.event.mfa_default_totp', webauthn: 'account.event.mfa_default_webauthn' },
  'mfa.enrollment.failed': { totp: 'account.event.mfa_enrollment_failed_totp', webauthn: 'account.event.mfa_enrollment_failed_webauthn' },
  'mfa.succeeded': { totp: 'account.event.mfa_succeeded_totp', webauthn: 'account.event.mfa_succeeded_webauthn', recovery: 'account.event.mfa_succeeded_recovery' },
  'mfa.failed': { totp: 'account.event.mfa_failed_totp', webauthn: 'account.event.mfa_failed_webauthn', recovery: 'account.event.mfa_failed_recovery' },
};

/** What happened, as a sentence the person reads ("You added a security key"); never an event name. */
export function activitySentence(t: T, e: Pick<AccountEvent, 'event' | 'details'>): string {
  const byMethod = Object.hasOwn(BY_METHOD, e.event) ? BY_METHOD[e.event]! : undefined;
  if (byMethod) {
    for (const field of ['kind', 'type', 'method'] as const) {
      const v = String(e.details?.[field] ?? '');
      if (Object.hasOwn(byMethod, v)) return t(byMethod[v]!);
    }
  }
  const key = Object.hasOwn(EVENT_SENTENCES, e.event) ? EVENT_SENTENCES[e.event] : undefined;
  return key ? t(key) : t('account.event.other');
}

/** "You added a security key — Chrome on Linux, today 14:02 (Payroll)"; the time is rewritten to the reader's zone. */
function eventItem(t: T, e: AccountEvent): SafeHtml {
  const device = e.userAgent ? describeUserAgent(t, e.userAgent) : undefined;
  return html`<li class="field">
<strong>${activitySentence(t, e)}</strong> — ${device ? `${device}, ` : ''}${localTime(t, e.at)}${e.appName ? html` <span class="muted">(${e.appName})</span>` : ''}${e.ip ? html`<br><span class="muted">${t('account.event.ip', { ip: e.ip })}</span>` : ''}
</li>`;
}

/** After "Sign out" or "Sign out everywhere": what happened, and the way back in. */
export function accountSignedOutPage(t: T, body: string): string {
  return layout({
    t,
    title: t('logout.done_title'),
    body: html`<h1>${t('logout.done_title')}</h1>
<p>${body}</p>
<p><a class="button" href="/account">${t('account.sign_in_again')}</a></p>`,
  });
}

/** The console's sign-in came back cancelled, expired or from another tab. */
export function accountSignInFailedPage(t: T): string {
  return layout({
    t,
    title: t('error.title'),
    body: html`<h1>${t('error.title')}</h1>
<p>${t('account.signin_failed')}</p>
<p><a class="button" href="/account">${t('account.sign_in_again')}</a></p>`,
  });
}
