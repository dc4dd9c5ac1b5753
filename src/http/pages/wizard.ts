import { html, jsonData, type SafeHtml } from '../html.ts';
import { csrfField, errorSummary, input, layout, type FieldError } from './layout.ts';
import type { T } from '../../i18n/index.ts';
import { METHOD_NAME_MAX, quoted } from '../../security/untrusted-text.ts';

/**
 * The enrollment wizard. Its pages are: the why (intro, or the app's suggestion), then the steps the
 * person works through — choose, set up (with its confirming code or touch), and the recovery codes
 * when this is their first method — then done. Only the steps are counted: a pitch and an outcome
 * are not steps, so "Step 2 of 2" is the last thing asked of someone adding a method.
 */
export interface WizardPageBase {
  t: T;
  /** Base path of the wizard's forms, e.g. /interaction/<uid>/enroll or /account/security/enroll */
  base: string;
  csrf: string;
  errors?: FieldError[];
  /** Where this page is in the steps the person goes through; no count shown without it. */
  progress?: { n: number; total: number };
  /** The way out of the wizard (POST): the host's own (the sign-in's abort) or the wizard's /cancel. */
  cancelAction?: string;
}

function stepper(t: T, progress: WizardPageBase['progress']): SafeHtml {
  return progress ? html`<p class="muted" data-testid="wizard-progress">${t('wizard.progress', progress)}</p>` : html``;
}

function page(p: WizardPageBase, title: string, body: SafeHtml, scripts: string[] = []): string {
  return layout({
    t: p.t,
    title,
    scripts: ['focus.js', ...scripts],
    body: html`${stepper(p.t, p.progress)}<h1>${title}</h1>${errorSummary(p.t, p.errors ?? [])}${body}`,
  });
}

/** "Cancel": leaves the wizard (in a sign-in, back to the app, which is told why; in settings, back to them). */
function cancelForm(p: WizardPageBase): SafeHtml {
  return p.cancelAction ? html`<form method="post" action="${p.cancelAction}" class="wizard-exit">${csrfField(p.csrf)}<button type="submit" class="secondary">${p.t('common.cancel')}</button></form>` : html``;
}

/** Back to the previous step and Cancel, side by side. */
function exits(p: WizardPageBase, back?: string): SafeHtml {
  const backForm = back ? html`<form method="post" action="${back}" class="wizard-exit">${csrfField(p.csrf)}<button type="submit" class="secondary">${p.t('common.back')}</button></form>` : html``;
  return html`<div class="actions wizard-exits">${backForm}${cancelForm(p)}</div>`;
}

export function introPage(p: WizardPageBase & { mode: 'required' | 'suggested' | 'self' | 'stronger'; appName?: string; reminderDays: number }): string {
  const { t } = p;
  const app = p.appName ?? '';
  const lead =
    p.mode === 'required' ? t('wizard.intro.required', { app })
    : p.mode === 'stronger' ? t('wizard.intro.stronger', { app })
    : p.mode === 'suggested' && app ? t('wizard.intro.suggested', { app })
    : t('wizard.intro.body');
  const later = p.reminderDays === 1 ? t('wizard.later.tomorrow') : t('wizard.later.days', { n: p.reminderDays });
  return page(
    { ...p, progress: undefined },
    t('wizard.intro.title'),
    html`<p>${lead}</p>
<p>${t('wizard.intro.analogy')}</p>
<p>${t('wizard.intro.everywhere')}</p>
<form method="post" action="${p.base}/start">${csrfField(p.csrf)}
<div class="actions"><button type="submit" autofocus>${t('wizard.intro.start')}</button></div></form>
${p.mode === 'suggested' ? html`<form method="post" action="${p.base}/later">${csrfField(p.csrf)}<div class="actions"><button type="submit" class="secondary">${later}</button></div></form>` : exits(p)}`,
  );
}

export function choosePage(p: WizardPageBase & { kinds: readonly string[] }): string {
  const { t } = p;
  const option = (value: string, label: string | SafeHtml, description: string, checked = false) =>
    html`<div class="field check"><input type="radio" id="m-${value}" name="method" value="${value}"${checked ? html` checked` : ''}> <label class="inline" for="m-${value}">${label}</label><p class="hint">${description}</p></div>`;
  return page(
    p,
    t('wizard.choose.title'),
    html`<form method="post" action="${p.base}/choose">${csrfField(p.csrf)}
<fieldset><legend>${t('wizard.choose.legend')}</legend>
${p.kinds.includes('push') ? option('push', html`${t('method.push')} <span class="badge">${t('method.recommended')}</span>`, t('method.push.description'), p.kinds[0] === 'push') : ''}
${p.kinds.includes('totp') ? option('totp', t('method.totp'), t('method.totp.description'), p.kinds[0] === 'totp') : ''}
${p.kinds.includes('passkey') ? option('passkey', t('wizard.choose.passkey'), t('wizard.choose.passkey_description'), p.kinds[0] === 'passkey') : ''}
${p.kinds.includes('security-key') ? option('security-key', t('wizard.choose.security_key'), t('wizard.choose.security_key_description')) : ''}
</fieldset>
<div class="actions"><button type="submit">${t('common.continue')}</button></div></form>
${exits(p)}`,
  );
}

/** Before a first method from a risky sign-in: the code sent to the person's email (src/flows/enrollment-email-code.ts). */
export function emailCodePage(p: WizardPageBase & { email: string; why?: string; notice?: string }): string {
  const { t } = p;
  return page(
    p,
    t('wizard.email.title'),
    html`${p.why ? html`<p id="why">${p.why}</p>` : ''}<p>${t('wizard.email.lead', { email: p.email })}</p>
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
<form method="post" action="${p.base}/email" novalidate>${csrfField(p.csrf)}
${input({ id: 'code', label: t('wizard.email.code_label'), hint: t('wizard.email.code_hint'), autocomplete: 'one-time-code', error: p.errors?.[0]?.message, required: true, autofocus: true, extra: html` inputmode="numeric" pattern="[0-9 ]*" maxlength="7"` })}
<div class="actions"><button type="submit">${t('common.continue')}</button></div></form>
<form method="post" action="${p.base}/email/resend">${csrfField(p.csrf)}<div class="actions"><button type="submit" class="secondary">${t('wizard.email.resend')}</button></div></form>
${exits(p, `${p.base}/back`)}`,
  );
}

/**
 * The authenticator-app step, phone first: on a small screen the otpauth:// link and the key lead
 * (the person usually reads this page on the phone that holds the app, and cannot scan its own
 * screen); on a large screen the QR code leads. The order is the stylesheet's (media queries), the
 * key is one copy in the page either way.
 */
export function totpSetupPage(p: WizardPageBase & { qr: string; manualKey: string; uri: string; /** Whether the person had the key open when they sent a wrong code; undefined before that. */ keyOpen?: boolean }): string {
  const { t } = p;
  return page(
    p,
    t('wizard.totp.title'),
    html`<p>${t('wizard.totp.step1')}</p>
<div class="totp-setup">
<p class="totp-open"><a class="button" href="${p.uri}">${t('wizard.totp.open_app')}</a></p>
<div class="totp-qr"><p>${t('wizard.totp.step2')}</p><p><img src="${p.qr}" width="220" height="220" alt="${t('wizard.totp.qr_alt')}"></p></div>
<details class="totp-key" data-keep-open="key_open"${p.keyOpen ? html` open` : ''}><summary>${t('wizard.totp.cant_scan')}</summary>
<p>${t('wizard.totp.manual')}</p>
<p class="secret-line"><code class="secret" data-testid="totp-secret">${p.manualKey}</code> <button type="button" class="secondary small" data-copy="totp-key-text" data-copied="${t('wizard.recovery.copied')}" hidden>${t('wizard.totp.copy_key')}</button></p>
<input type="hidden" id="totp-key-text" value="${p.manualKey.replace(/ /g, '')}">
<p class="muted">${t('wizard.totp.manual_params')}</p>
</details>
</div>
<form method="post" action="${p.base}/confirm" novalidate>${csrfField(p.csrf)}
<input type="hidden" name="key_open" value="${p.keyOpen === undefined ? '' : p.keyOpen ? '1' : '0'}">
<h2>${t('wizard.confirm.title')}</h2>
${input({ id: 'code', label: t('wizard.totp.code_label'), hint: t('wizard.totp.code_hint'), autocomplete: 'one-time-code', error: p.errors?.[0]?.message, required: true, extra: html` inputmode="numeric" pattern="[0-9 ]*" maxlength="7"` })}
<div class="actions"><button type="submit">${t('wizard.confirm.button')}</button></div></form>
${exits(p, `${p.base}/back`)}`,
    ['recovery-codes.js', 'totp-setup.js'],
  );
}

/** The Gatehouse Authenticator step: the link, then the test request (src/http/pages/push.ts draws both). */
export function pushSetupPage(p: WizardPageBase & { setup: SafeHtml }): string {
  return page({ ...p, errors: [] }, p.t('wizard.push.title'), html`${p.setup}
${exits(p, `${p.base}/back`)}`, ['push-wait.js']);
}

export function webauthnSetupPage(p: WizardPageBase & { options: unknown; kind: 'passkey' | 'security-key'; defaultName: string }): string {
  const { t } = p;
  return page(
    p,
    p.kind === 'passkey' ? t('wizard.webauthn.passkey_title') : t('wizard.webauthn.key_title'),
    html`<p>${p.kind === 'passkey' ? t('wizard.webauthn.passkey_body') : t('wizard.webauthn.key_body')}</p>
${jsonData('webauthn-options', p.options)}
<form method="post" action="${p.base}/confirm" data-webauthn="register" data-failed="${t('wizard.webauthn.failed')}" data-already-registered="${t('wizard.webauthn.already_registered')}" data-unsupported="${t('mfa.webauthn.unsupported')}">${csrfField(p.csrf)}
<input type="hidden" name="credential" value="">
${input({ id: 'name', label: t('wizard.webauthn.name_label'), hint: t('wizard.webauthn.name_hint'), value: p.defaultName, autocomplete: 'off', extra: html` maxlength="${METHOD_NAME_MAX}"` })}
<p class="error" id="webauthn-error" role="alert" aria-live="assertive">${p.errors?.[0]?.message ?? ''}</p>
<div class="actions"><button type="submit">${t('wizard.webauthn.button')}</button></div></form>
${exits(p, `${p.base}/back`)}`,
    ['vendor/simplewebauthn-browser.js', 'webauthn.js'],
  );
}

/** The recovery codes: the wizard's last step, or on their own when regenerated from settings (no count, no Cancel). */
export function recoveryCodesPage(p: WizardPageBase & { codes: string[]; submitLabel?: string }): string {
  const { t } = p;
  const text = p.codes.join('\n');
  return page(
    p,
    t('wizard.recovery.title'),
    html`<p>${t('wizard.recovery.body')}</p>
<ol class="codes" id="recovery-codes">${p.codes.map((c) => html`<li><code>${c}</code></li>`)}</ol>
<div class="actions">
<button type="button" class="secondary" data-copy="recovery-codes-text" data-copied="${t('wizard.recovery.copied')}" hidden>${t('wizard.recovery.copy')}</button>
<a class="button secondary" download="gatehouse-recovery-codes.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(text + '\n')}">${t('wizard.recovery.download')}</a>
<button type="button" class="secondary" data-print hidden>${t('wizard.recovery.print')}</button>
</div>
<textarea id="recovery-codes-text" hidden readonly>${text}</textarea>
<form method="post" action="${p.base}/recovery" novalidate>${csrfField(p.csrf)}
<div class="field check${p.errors?.length ? ' has-error' : ''}">
${p.errors?.length ? html`<p class="error" id="stored-error">${p.errors[0]!.message}</p>` : ''}
<input type="checkbox" id="stored" name="stored" value="1" required${p.errors?.length ? html` aria-describedby="stored-error" aria-invalid="true"` : ''}> <label class="inline" for="stored">${t('wizard.recovery.stored')}</label></div>
<div class="actions"><button type="submit">${p.submitLabel ?? t('common.continue')}</button></div></form>
${p.cancelAction ? exits(p) : ''}`,
    ['recovery-codes.js'],
  );
}

/**
 * The outcome: "Two-step verification is on" for a first method; for one added to others, what was
 * added ("Security key added") — their two-step verification was on already.
 */
export function donePage(p: WizardPageBase & { methodName: string; continueLabel: string; added?: 'push' | 'totp' | 'passkey' | 'security-key' }): string {
  const { t } = p;
  const title = p.added === 'push' ? t('wizard.done.added_push') : p.added === 'totp' ? t('wizard.done.added_totp') : p.added === 'passkey' ? t('wizard.done.added_passkey') : p.added === 'security-key' ? t('wizard.done.added_key') : t('wizard.done.title');
  return page(
    { ...p, progress: undefined },
    title,
    html`<p class="notice">${t('wizard.done.body', { name: quoted(p.methodName) })}</p>
<p>${p.added ? t('wizard.done.added_everywhere') : t('wizard.done.everywhere')}</p>
<form method="post" action="${p.base}/done">${csrfField(p.csrf)}
<div class="actions"><button type="submit" autofocus>${p.continueLabel}</button></div></form>`,
  );
}
