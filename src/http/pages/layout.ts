import { html, type SafeHtml } from '../html.ts';
import type { T } from '../../i18n/index.ts';

export interface PageOptions {
  t: T;
  title: string;
  body: SafeHtml;
  /** Extra scripts from /static (no inline script: the CSP forbids it). */
  scripts?: string[];
  wide?: boolean;
  /**
   * Where this page lives, when it may be drawn in answer to a form (a POST): the address bar is set
   * to it (static/page-url.js), so that a reload asks for the page instead of sending the form again.
   */
  pageUrl?: string;
}

/** The frame of every server-rendered page: accessible landmarks, no inline script or style. */
export function layout({ t, title, body, scripts = [], wide = false, pageUrl }: PageOptions): string {
  if (pageUrl) scripts = ['page-url.js', ...scripts];
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t('app.name')}</title>
<link rel="stylesheet" href="/static/gatehouse.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
${scripts.map((s) => html`<script src="/static/${s}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">${t('layout.skip')}</a>
<header class="brand"><span aria-hidden="true">&#9873;</span> ${t('app.name')}</header>
<main id="main" class="${wide ? 'card wide' : 'card'}" tabindex="-1"${pageUrl ? html` data-page-url="${pageUrl}"` : ''}>
${body}
</main>
</body>
</html>`.value;
}

export interface FieldError {
  field: string;
  message: string;
}

/** GOV.UK-style error summary: focusable, linking to each field in error. */
export function errorSummary(t: T, errors: FieldError[]): SafeHtml {
  if (errors.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" data-autofocus>
<h2>${t('common.error_summary')}</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}</ul>
</div>`;
}

export interface InputOptions {
  id: string;
  label: string;
  type?: string;
  value?: string;
  autocomplete?: string;
  hint?: string;
  error?: string;
  autofocus?: boolean;
  required?: boolean;
  extra?: SafeHtml;
}

/** A labelled input whose hint and error are tied to it with aria-describedby. */
export function input(o: InputOptions): SafeHtml {
  const describedBy = [o.hint ? `${o.id}-hint` : '', o.error ? `${o.id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${o.error ? ' has-error' : ''}">
<label for="${o.id}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${o.id}-hint">${o.hint}</p>` : ''}
${o.error ? html`<p class="error" id="${o.id}-error">${o.error}</p>` : ''}
<input id="${o.id}" name="${o.id}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${o.error ? html` aria-invalid="true"` : ''}${o.autofocus ? html` autofocus` : ''}${o.required ? html` required` : ''}${o.extra ?? ''}>
</div>`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}
