import { html, jsonData } from '../html.ts';
import { csrfField, errorSummary, input, layout, type FieldError } from './layout.ts';
import type { T } from '../../i18n/index.ts';
import type { FactorChoice } from '../../flows/second-factor.ts';
import { METHOD_NAME_MAX, quoted } from '../../security/untrusted-text.ts';
import { describeUserAgent } from '../user-agent-label.ts';
import { localTime, LOCAL_TIME_SCRIPT } from './local-time.ts';

export interface SecurityMethodView {
  id: string;
  type: string;
  name: string;
  isDefault: boolean;
  createdAt: number;
  lastUsedAt: number | null;
  cloned: boolean;
}

export interface SecurityPageInput {
  t: T;
  csrf: string;
  email: string;
  methods: SecurityMethodView[];
  recoveryRemaining: number;
  devices: Array<{ id: string; label: string; createdAt: number; lastUsedAt: number | null; ip: string | null }>;
  notice?: string;
  errors?: FieldError[];
}

const when = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');

/** Account settings → Two-step verification: methods, recovery codes, remembered devices, reset. */
export function securityPage(p: SecurityPageInput): string {
  const { t } = p;
  const on = p.methods.length > 0;
  const typeLabel = (type: string) => (type === 'totp' ? t('method.totp') : type === 'push' ? t('method.push') : t('method.webauthn'));
  return layout({
    t,
    title: t('security.title'),
    wide: true,
    scripts: ['focus.js', LOCAL_TIME_SCRIPT],
    body: html`<p><a href="/account">${t('security.back')}</a></p>
<h1>${t('security.title')}</h1>
<p class="sub">${on ? t('security.status_on') : t('security.status_off')}</p>
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
${errorSummary(t, p.errors ?? [])}
${on
  ? html`<section aria-labelledby="methods-heading"><h2 id="methods-heading">${t('security.methods')}</h2>
<table class="methods"><thead><tr><th scope="col">${t('security.col.method')}</th><th scope="col">${t('security.col.added')}</th><th scope="col">${t('security.col.last_used')}</th><th scope="col"><span class="visually-hidden">${t('security.col.actions')}</span></th></tr></thead>
<tbody>${p.methods.map(
      (m) => html`<tr data-method="${m.id}"><td><strong>${m.name}</strong>${m.isDefault ? html`<span class="badge">${t('security.default')}</span>` : ''}${m.cloned ? html`<span class="badge warn">${t('security.cloned')}</span>` : ''}<br><span class="muted">${typeLabel(m.type)}</span></td>
<td data-label="${t('security.col.added')}">${localTime(t, m.createdAt)}</td><td data-label="${t('security.col.last_used')}">${m.lastUsedAt ? localTime(t, m.lastUsedAt) : t('security.never_used')}</td>
<td>
<form method="post" action="/account/security/methods/${m.id}/rename" class="inline-form">${csrfField(p.csrf)}<label class="visually-hidden" for="name-${m.id}">${t('security.rename_label', { name: quoted(m.name) })}</label><input id="name-${m.id}" name="name" type="text" value="${m.name}" maxlength="${METHOD_NAME_MAX}"> <button type="submit" class="secondary">${t('security.rename')}</button></form>
${!m.isDefault ? html`<form method="post" action="/account/security/methods/${m.id}/default" class="inline-form">${csrfField(p.csrf)}<button type="submit" class="secondary">${t('security.make_default')}</button></form>` : ''}
<form method="post" action="/account/security/methods/${m.id}/remove" class="inline-form">${csrfField(p.csrf)}<button type="submit" class="danger">${t('security.remove')}</button></form>
</td></tr>`,
    )}</tbody></table>
<form method="post" action="/account/security/add">${csrfField(p.csrf)}<div class="actions"><button type="submit">${t('security.add')}</button></div></form>
</section>
<section aria-labelledby="codes-heading"><h2 id="codes-heading">${t('security.recovery')}</h2>
<p>${t('security.recovery_remaining', { n: p.recoveryRemaining })}</p>
<form method="post" action="/account/security/recovery-codes">${csrfField(p.csrf)}<div class="actions"><button type="submit" class="secondary">${t('security.recovery_regenerate')}</button></div></form>
</section>
<section aria-labelledby="devices-heading"><h2 id="devices-heading">${t('security.devices')}</h2>
${p.devices.length === 0
      ? html`<p>${t('security.devices_none')}</p>`
      : html`<ul class="plain">${p.devices.map(
          (d) => html`<li data-device="${d.id}"><strong>${describeUserAgent(t, d.label)}</strong> <span class="muted">${t('security.device_since', { time: when(d.createdAt) })}${d.ip ? ` · ${d.ip}` : ''}</span>
<form method="post" action="/account/security/devices/${d.id}/forget" class="inline-form">${csrfField(p.csrf)}<button type="submit" class="secondary">${t('security.device_forget')}</button></form></li>`,
        )}</ul>`}
</section>
<section aria-labelledby="reset-heading"><h2 id="reset-heading">${t('security.reset')}</h2>
<p>${t('security.reset_hint')}</p>
<form method="post" action="/account/security/reset">${csrfField(p.csrf)}<div class="actions"><button type="submit" class="danger">${t('mfa.reset.button')}</button></div></form>
</section>`
  : html`<p>${t('wizard.intro.body')}</p>
<form method="post" action="/account/security/add">${csrfField(p.csrf)}<div class="actions"><button type="submit">${t('security.enable')}</button></div></form>`}`,
  });
}

export interface ProofPageInput {
  t: T;
  csrf: string;
  email: string;
  /** Second factors the person has; empty: the password is asked again. */
  choice?: FactorChoice;
  choices: FactorChoice[];
  webauthnOptions?: unknown;
  next: string;
  errors?: FieldError[];
}

/** "Confirm it's you" before changing 2FA: a code or a touch (or the password when there is no 2FA yet). */
export function proofPage(p: ProofPageInput): string {
  const { t } = p;
  const err = p.errors?.[0]?.message;
  let form;
  if (!p.choice) {
    form = html`<form method="post" action="/account/security/verify" novalidate>${csrfField(p.csrf)}
<input type="hidden" name="next" value="${p.next}"><input type="hidden" name="method" value="password">
<input type="email" name="username" value="${p.email}" autocomplete="username" hidden>
${input({ id: 'password', label: t('common.password'), type: 'password', autocomplete: 'current-password', error: err, autofocus: true, required: true })}
<div class="actions"><button type="submit">${t('common.continue')}</button></div></form>`;
  } else if (p.choice === 'webauthn') {
    form = html`${jsonData('webauthn-options', p.webauthnOptions)}
<form method="post" action="/account/security/verify" data-webauthn="authenticate">${csrfField(p.csrf)}
<input type="hidden" name="next" value="${p.next}"><input type="hidden" name="method" value="webauthn"><input type="hidden" name="credential" value="">
<p class="error" id="webauthn-error" role="alert">${err ?? ''}</p>
<div class="actions"><button type="submit" autofocus>${t('mfa.webauthn.button')}</button></div></form>`;
  } else {
    form = html`<form method="post" action="/account/security/verify" novalidate>${csrfField(p.csrf)}
<input type="hidden" name="next" value="${p.next}"><input type="hidden" name="method" value="${p.choice}">
${input({ id: 'code', label: p.choice === 'recovery' ? t('mfa.recovery.label') : p.choice === 'push' ? t('mfa.push.code_label') : t('mfa.totp.label'), autocomplete: 'one-time-code', error: err, autofocus: true, required: true })}
<div class="actions"><button type="submit">${t('mfa.verify')}</button></div></form>`;
  }
  return layout({
    t,
    title: t('security.proof.title'),
    scripts: ['focus.js', 'vendor/simplewebauthn-browser.js', 'webauthn.js'],
    body: html`<h1>${t('security.proof.title')}</h1>
<p>${p.choice ? t('security.proof.body') : t('security.proof.password')}</p>
${p.choice && p.choice !== 'webauthn' ? errorSummary(t, p.errors ?? []) : ''}${!p.choice ? errorSummary(t, p.errors ?? []) : ''}
${form}
${p.choices.length > 1 ? html`<ul class="plain links">${p.choices.filter((c) => c !== p.choice).map((c) => html`<li><a href="/account/security/verify?method=${c}&amp;next=${encodeURIComponent(p.next)}">${c === 'recovery' ? t('mfa.use_recovery') : c === 'totp' ? t('method.totp') : c === 'push' ? t('method.push') : t('method.webauthn')}</a></li>`)}</ul>` : ''}
<p class="links"><a href="/account/security">${t('common.cancel')}</a></p>`,
  });
}

export interface ResetDonePageInput {
  t: T;
  /** The apps the reset signed the person out of. */
  apps: number;
  /** Whether two-step verification is required for the person (a domain policy or a Required app). */
  required: boolean;
  /** The settings' wizard, opened at the choice of a method. */
  wizardHref: string;
}

/** After "Reset two-step verification" in settings: what happened, and what leaving now means, before the wizard. */
export function resetDonePage(p: ResetDonePageInput): string {
  const { t } = p;
  const body = p.apps === 0 ? t('security.reset_done.body.none') : p.apps === 1 ? t('security.reset_done.body.one') : t('security.reset_done.body.other', { n: p.apps });
  return layout({
    t,
    title: t('security.reset_done.title'),
    body: html`<h1>${t('security.reset_done.title')}</h1>
<p class="notice" role="status">${body}</p>
<p>${p.required ? t('security.reset_done.leave_required') : t('security.reset_done.leave')}</p>
<div class="actions"><a class="button" href="${p.wizardHref}">${t('security.reset_done.start')}</a> <a class="button secondary" href="/account/security">${t('security.reset_done.later')}</a></div>`,
  });
}
