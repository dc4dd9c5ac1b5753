import { html, jsonData, type SafeHtml } from '../html.ts';
import { csrfField, errorSummary, input, layout, type FieldError } from './layout.ts';
import type { T } from '../../i18n/index.ts';
import { METHOD_NAME_MAX, quoted } from '../../security/untrusted-text.ts';

/** The enrollment wizard: 1 why, 2 choose, 3 set up, 4 confirm, 5 recovery codes, 6 done. */
export interface WizardPageBase {
  t: T;
  /** Base path of the wizard's forms, e.g. /interaction/<uid>/enroll or /account/security/enroll */
  base: string;
  csrf: string;
  errors?: FieldError[];
}

function stepper(t: T, n: number): SafeHtml {
  return html`<p class="muted" aria-label="${t('wizard.progress', { n, total: 6 })}">${t('wizard.progress', { n, total: 6 })}</p>`;
}

function page(p: WizardPageBase, n: number, title: string, body: SafeHtml, scripts: string[] = []): string {
  return layout({
    t: p.t,
    title,
    scripts: ['focus.js', ...scripts],
    body: html`${stepper(p.t, n)}<h1>${title}</h1>${errorSummary(p.t, p.errors ?? [])}${body}`,
  });
}

/** "Cancel" where the host has a way out (the sign-in's wizard: back to the app, which is told why). */
function cancelForm(p: WizardPageBase & { cancelAction?: string }): SafeHtml {
  return p.cancelAction ? html`<form method="post" action="${p.cancelAction}">${csrfField(p.csrf)}<div class="actions"><button type="submit" class="secondary">${p.t('common.cancel')}</button></div></form>` : html``;
}

export function introPage(p: WizardPageBase & { mode: 'required' | 'suggested' | 'self' | 'stronger'; appName?: string; cancelAction?: string }): string {
  const { t } = p;
  const lead = p.mode === 'required' ? t('wizard.intro.required', { app: p.appName ?? '' }) : p.mode === 'stronger' ? t('wizard.intro.stronger', { app: p.appName ?? '' }) : t('wizard.intro.body');
  return page(
    p,
    1,
    t('wizard.intro.title'),
    html`<p>${lead}</p>
<p>${t('wizard.intro.analogy')}</p>
<p>${t('wizard.intro.everywhere')}</p>
<form method="post" action="${p.base}/start">${csrfField(p.csrf)}
<div class="actions"><button type="submit" autofocus>${t('wizard.intro.start')}</button></div></form>
${p.mode === 'suggested' ? html`<form method="post" action="${p.base}/later">${csrfField(p.csrf)}<div class="actions"><button type="submit" class="secondary">${t('wizard.later')}</button></div></form>` : cancelForm(p)}`,
  );
}

export function choosePage(p: WizardPageBase & { kinds: readonly string[]; cancelAction?: string }): string {
  const { t } = p;
  const option = (value: string, label: string, description: string, checked = false) =>
    html`<div class="field check"><input type="radio" id="m-${value}" name="method" value="${value}"${checked ? html` checked` : ''}> <label class="inline" for="m-${value}">${label}</label><p class="hint">${description}</p></div>`;
  return page(
    p,
    2,
    t('wizard.choose.title'),
    html`<form method="post" action="${p.base}/choose">${csrfField(p.csrf)}
<fieldset><legend>${t('wizard.choose.legend')}</legend>
${p.kinds.includes('totp') ? option('totp', t('method.totp'), t('method.totp.description'), true) : ''}
${p.kinds.includes('passkey') ? option('passkey', t('wizard.choose.passkey'), t('wizard.choose.passkey_description'), p.kinds[0] === 'passkey') : ''}
${p.kinds.includes('security-key') ? option('security-key', t('wizard.choose.security_key'), t('wizard.choose.security_key_description')) : ''}
</fieldset>
<div class="actions"><button type="submit">${t('common.continue')}</button></div></form>
${cancelForm(p)}`,
  );
}

export function totpSetupPage(p: WizardPageBase & { qr: string; manualKey: string; uri: string }): string {
  const { t } = p;
  return page(
    p,
    3,
    t('wizard.totp.title'),
    html`<ol>
<li>${t('wizard.totp.step1')}</li>
<li>${t('wizard.totp.step2')}</li>
</ol>
<p><img src="${p.qr}" width="220" height="220" alt="${t('wizard.totp.qr_alt')}"></p>
<details><summary>${t('wizard.totp.cant_scan')}</summary>
<p>${t('wizard.totp.manual')}</p>
<p><code class="secret" data-testid="totp-secret">${p.manualKey}</code></p>
<p class="muted">${t('wizard.totp.manual_params')}</p>
<p class="muted"><a href="${p.uri}">${t('wizard.totp.open_app')}</a></p>
</details>
<form method="post" action="${p.base}/confirm" novalidate>${csrfField(p.csrf)}
<h2>${t('wizard.confirm.title')}</h2>
${input({ id: 'code', label: t('wizard.totp.code_label'), hint: t('wizard.totp.code_hint'), autocomplete: 'one-time-code', error: p.errors?.[0]?.message, required: true, extra: html` inputmode="numeric" pattern="[0-9 ]*" maxlength="7"` })}
<div class="actions"><button type="submit">${t('wizard.confirm.button')}</button></div></form>
${backForm(p)}`,
  );
}

export function webauthnSetupPage(p: WizardPageBase & { options: unknown; kind: 'passkey' | 'security-key'; defaultName: string }): string {
  const { t } = p;
  return page(
    p,
    3,
    p.kind === 'passkey' ? t('wizard.webauthn.passkey_title') : t('wizard.webauthn.key_title'),
    html`<p>${p.kind === 'passkey' ? t('wizard.webauthn.passkey_body') : t('wizard.webauthn.key_body')}</p>
${jsonData('webauthn-options', p.options)}
<form method="post" action="${p.base}/confirm" data-webauthn="register" data-failed="${t('wizard.webauthn.failed')}" data-unsupported="${t('mfa.webauthn.unsupported')}">${csrfField(p.csrf)}
<input type="hidden" name="credential" value="">
${input({ id: 'name', label: t('wizard.webauthn.name_label'), hint: t('wizard.webauthn.name_hint'), value: p.defaultName, autocomplete: 'off', extra: html` maxlength="${METHOD_NAME_MAX}"` })}
<p class="error" id="webauthn-error" role="alert" aria-live="assertive">${p.errors?.[0]?.message ?? ''}</p>
<div class="actions"><button type="submit">${t('wizard.webauthn.button')}</button></div></form>
${backForm(p)}`,
    ['vendor/simplewebauthn-browser.js', 'webauthn.js'],
  );
}

export function recoveryCodesPage(p: WizardPageBase & { codes: string[]; step?: number; submitLabel?: string }): string {
  const { t } = p;
  const text = p.codes.join('\n');
  return page(
    p,
    p.step ?? 5,
    t('wizard.recovery.title'),
    html`<p>${t('wizard.recovery.body')}</p>
<ol class="codes" id="recovery-codes">${p.codes.map((c) => html`<li><code>${c}</code></li>`)}</ol>
<div class="actions">
<button type="button" class="secondary" data-copy="recovery-codes-text" hidden>${t('wizard.recovery.copy')}</button>
<a class="button secondary" download="gatehouse-recovery-codes.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(text + '\n')}">${t('wizard.recovery.download')}</a>
<button type="button" class="secondary" data-print hidden>${t('wizard.recovery.print')}</button>
</div>
<textarea id="recovery-codes-text" hidden readonly>${text}</textarea>
<form method="post" action="${p.base}/recovery" novalidate>${csrfField(p.csrf)}
<div class="field check${p.errors?.length ? ' has-error' : ''}">
${p.errors?.length ? html`<p class="error" id="stored-error">${p.errors[0]!.message}</p>` : ''}
<input type="checkbox" id="stored" name="stored" value="1" required${p.errors?.length ? html` aria-describedby="stored-error" aria-invalid="true"` : ''}> <label class="inline" for="stored">${t('wizard.recovery.stored')}</label></div>
<div class="actions"><button type="submit">${p.submitLabel ?? t('common.continue')}</button></div></form>`,
    ['recovery-codes.js'],
  );
}

export function donePage(p: WizardPageBase & { methodName: string; continueLabel: string }): string {
  const { t } = p;
  return page(
    p,
    6,
    t('wizard.done.title'),
    html`<p class="notice">${t('wizard.done.body', { name: quoted(p.methodName) })}</p>
<p>${t('wizard.done.everywhere')}</p>
<form method="post" action="${p.base}/done">${csrfField(p.csrf)}
<div class="actions"><button type="submit" autofocus>${p.continueLabel}</button></div></form>`,
  );
}

function backForm(p: WizardPageBase): SafeHtml {
  return html`<form method="post" action="${p.base}/back" class="links">${csrfField(p.csrf)}<button type="submit" class="secondary">${p.t('common.back')}</button></form>`;
}
