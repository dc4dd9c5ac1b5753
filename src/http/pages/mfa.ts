import { html, jsonData, type SafeHtml } from '../html.ts';
import { csrfField, errorSummary, input, layout, type FieldError } from './layout.ts';
import type { T } from '../../i18n/index.ts';
import type { FactorChoice } from '../../flows/second-factor.ts';
import { pushChallengeBody, type PushChallengeView } from './push.ts';

export interface ChallengePageInput {
  t: T;
  action: string;
  csrf: string;
  appName: string;
  /** The method asked for now. */
  choice: FactorChoice;
  /** The other ways the person has ("Try another way"). */
  others: FactorChoice[];
  /** Base URL to switch method: `${switchUrl}?method=totp`. */
  switchUrl: string;
  webauthnOptions?: unknown;
  /** The push request of this sign-in (number, or why none was sent). */
  push?: PushChallengeView;
  offerRemember: boolean;
  errors?: FieldError[];
  stepUp?: boolean;
  /** What the app asks this for, in its words ("change bank details"): plain text, already cleaned. */
  purpose?: string;
  /** Why this page asks (the gate's reason in plain words), when there is more to say. */
  notice?: string;
  /** Why this page asks, in plain words ("We're asking because this is a new device."). */
  why?: string;
  /** "Cancel": back to the app, which is told the sign-in did not finish. */
  abortAction?: string;
}

const LABEL: Record<FactorChoice, 'method.totp' | 'method.webauthn' | 'method.recovery' | 'method.push'> = {
  push: 'method.push',
  totp: 'method.totp',
  webauthn: 'method.webauthn',
  recovery: 'method.recovery',
};

function rememberBox(t: T, show: boolean): SafeHtml {
  if (!show) return html``;
  return html`<div class="field check"><input type="checkbox" id="remember" name="remember" value="1"> <label for="remember" class="inline">${t('mfa.remember')}</label></div>`;
}

/** The second step of sign-in: the default method first, "Try another way" for the others. */
export function challengePage(p: ChallengePageInput): string {
  const { t } = p;
  const err = p.errors?.[0]?.message;
  let body: SafeHtml;
  if (p.choice === 'push') {
    body = pushChallengeBody(t, { action: p.action, csrf: p.csrf, view: p.push ?? {}, codeError: err, remember: rememberBox(t, p.offerRemember) });
  } else if (p.choice === 'webauthn') {
    body = html`<p>${t('mfa.webauthn.instructions')}</p>
${jsonData('webauthn-options', p.webauthnOptions)}
<form method="post" action="${p.action}" data-webauthn="authenticate" data-failed="${t('mfa.webauthn.failed')}" data-unsupported="${t('mfa.webauthn.unsupported')}">
${csrfField(p.csrf)}
<input type="hidden" name="method" value="webauthn">
<input type="hidden" name="credential" value="">
${rememberBox(t, p.offerRemember)}
<p class="error" id="webauthn-error" role="alert" aria-live="assertive">${err ?? ''}</p>
<div class="actions"><button type="submit" autofocus>${t('mfa.webauthn.button')}</button></div>
</form>`;
  } else {
    const isRecovery = p.choice === 'recovery';
    body = html`<form method="post" action="${p.action}" novalidate>
${csrfField(p.csrf)}
<input type="hidden" name="method" value="${p.choice}">
${input({
  id: 'code',
  label: isRecovery ? t('mfa.recovery.label') : t('mfa.totp.label'),
  hint: isRecovery ? t('mfa.recovery.hint') : t('mfa.totp.hint'),
  autocomplete: 'one-time-code',
  error: err,
  autofocus: true,
  required: true,
  extra: isRecovery ? html` autocapitalize="characters" spellcheck="false"` : html` inputmode="numeric" pattern="[0-9 ]*" maxlength="7"`,
})}
${rememberBox(t, p.offerRemember && !isRecovery)}
<div class="actions"><button type="submit">${t('mfa.verify')}</button></div>
</form>`;
  }
  const others = p.others.filter((o) => o !== p.choice && o !== 'recovery');
  return layout({
    t,
    title: t('mfa.title'),
    scripts: ['focus.js', 'vendor/simplewebauthn-browser.js', 'webauthn.js', 'push-wait.js'],
    // Drawn in answer to the password, a code or a Continue too: the page's own address is the switch's base.
    pageUrl: p.switchUrl,
    // "Approve the sign-in on your phone" only when a request went to it: paused, busy or throttled, there is nothing to approve.
    body: html`<h1>${p.choice === 'push' && !p.push?.unavailable ? t('mfa.push.title') : t('mfa.title')}</h1>
<p class="sub" id="purpose">${p.purpose ? t('mfa.step_up_for', { app: p.appName, action: p.purpose }) : p.stepUp ? t('mfa.step_up', { app: p.appName }) : t('login.to_app', { app: p.appName })}</p>
${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : ''}
${p.why ? html`<p class="muted" id="why">${p.why}</p>` : ''}
${p.errors?.length && p.choice !== 'webauthn' ? errorSummary(t, p.errors) : ''}
<h2>${t(LABEL[p.choice])}</h2>
${body}
<details class="links"${p.errors?.length ? html` open` : ''}>
<summary>${t('mfa.try_another')}</summary>
<ul class="plain">
${others.map((o) => html`<li><a href="${p.switchUrl}?method=${o}">${t(LABEL[o])}</a></li>`)}
${p.choice !== 'recovery' && p.others.includes('recovery') ? html`<li><a href="${p.switchUrl}?method=recovery">${t('mfa.use_recovery')}</a></li>` : ''}
</ul>
</details>
${p.abortAction ? html`<form method="post" action="${p.abortAction}" class="links">${csrfField(p.csrf)}<button type="submit" class="secondary">${t('login.abort')}</button></form>` : ''}`,
  });
}

export interface RecoveredPageInput {
  t: T;
  csrf: string;
  continueAction: string;
  resetAction: string;
  remaining: number;
  appName: string;
}

/** After a recovery code: the person is told what happened and offered to reset their 2FA. */
export function recoveredPage(p: RecoveredPageInput): string {
  const { t } = p;
  return layout({
    t,
    title: t('mfa.recovered.title'),
    body: html`<h1>${t('mfa.recovered.title')}</h1>
<p>${t('mfa.recovered.body', { remaining: p.remaining })}</p>
<p>${t('mfa.recovered.lost_phone')}</p>
<form method="post" action="${p.resetAction}">${csrfField(p.csrf)}
<div class="actions"><button type="submit" class="danger">${t('mfa.reset.button')}</button></div>
</form>
<form method="post" action="${p.continueAction}">${csrfField(p.csrf)}
<div class="actions"><button type="submit" class="secondary">${t('mfa.recovered.continue', { app: p.appName })}</button></div>
</form>`,
  });
}
