import { html, type SafeHtml } from '../http/html.ts';
import type { AppPolicy } from '../store/clients.ts';
import { DEMO_TEXT as T } from './messages.ts';
import type { DemoSession, SignedIn } from './sessions.ts';
import type { DemoSensitiveAction } from './catalog.ts';

export interface PageContext {
  appName: string;
  /** The app's step-up protected action, when it has one (Payroll: "Change bank details"). */
  sensitiveAction?: DemoSensitiveAction;
  policy: AppPolicy;
  /** The other demo apps: name and where "Open …" leads. */
  others: Array<{ name: string; url: string }>;
}

function frame(ctx: PageContext, title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${ctx.appName}</title>
<link rel="stylesheet" href="/demo.css">
</head>
<body>
<header class="bar"><span class="logo">${ctx.appName}</span> <span class="tag">${T.tagline}</span></header>
<main id="main">
${body}
</main>
<footer>${T.policy(ctx.policy)}</footer>
</body>
</html>`.value;
}

/** The start page: a "Sign in" button, or who is signed in and how (acr, amr, auth_time). */
export function homePage(ctx: PageContext, user: SignedIn | undefined, csrf: string | undefined): string {
  if (!user) {
    return frame(ctx, T.signIn, html`<h1>${ctx.appName}</h1>
<p>${T.signedOut}</p>
<p><a class="button" href="/login">${T.signIn}</a></p>`);
  }
  const authTime = authTimeText(user.authTime);
  return frame(ctx, ctx.appName, html`<h1>${ctx.appName}</h1>
<p>${T.signedInAs} <strong class="who">${user.name || user.email || user.sub}</strong></p>
<h2>${T.idToken}</h2>
<dl>
<dt>${T.name}</dt><dd class="name">${user.name ?? ''}</dd>
<dt>${T.email}</dt><dd class="email">${user.email ?? ''}</dd>
<dt>${T.subject}</dt><dd><code>${user.sub}</code></dd>
<dt>${T.acr}</dt><dd class="acr"><code>${user.acr ?? ''}</code></dd>
<dt>${T.amr}</dt><dd class="amr"><code>${user.amr.join(' ')}</code></dd>
<dt>${T.authTime}</dt><dd class="auth-time">${authTime}</dd>
<dt>${T.sid}</dt><dd class="sid"><code>${user.sid ?? ''}</code></dd>
</dl>
<div class="actions">
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${csrf ?? ''}"><button type="submit">${T.signOut}</button></form>
<a class="button secondary" href="/login?step_up=1">${T.stepUp}</a>
</div>
<p class="hint">${T.stepUpHint}</p>
${ctx.sensitiveAction ? html`<div class="actions"><a class="button" href="/sensitive">${ctx.sensitiveAction.label}</a></div>
<p class="hint">${T.sensitiveHint(ctx.sensitiveAction.action)}</p>` : ''}
<h2>${T.otherApps}</h2>
<ul class="others">${ctx.others.map((o) => html`<li><a href="${o.url}">${T.open(o.name)}</a></li>`)}</ul>`);
}

const authTimeText = (authTime: number | undefined) =>
  authTime === undefined ? '' : `${authTime} (${new Date(authTime * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')})`;

/** After the app's API accepted the sensitive action: how Gatehouse confirmed the person, as the API read it in the access token. */
export function sensitiveDonePage(ctx: PageContext, action: DemoSensitiveAction, confirmed: NonNullable<DemoSession['confirmed']>): string {
  const title = T.sensitiveDoneTitle(action.label);
  return frame(ctx, title, html`<h1>${title}</h1>
<p class="notice">${T.sensitiveDone(action.action)}</p>
<dl>
<dt>${T.acr}</dt><dd class="acr"><code>${confirmed.acr}</code></dd>
<dt>${T.amr}</dt><dd class="amr"><code>${confirmed.amr.join(' ')}</code></dd>
<dt>${T.authTime}</dt><dd class="auth-time">${authTimeText(confirmed.authTime)}</dd>
</dl>
<p class="hint">${T.sensitiveDemoNote}</p>
<p><a class="button" href="/">${T.back}</a></p>`);
}

export function errorPage(ctx: PageContext, message: string, detail?: string): string {
  return frame(ctx, T.errorTitle, html`<h1>${T.errorTitle}</h1>
<p class="error">${message}</p>
${detail ? html`<p><code>${detail}</code></p>` : ''}
<p><a class="button" href="/">${T.errorBack}</a></p>`);
}

/**
 * The stylesheet, served from the app itself: the pages carry no inline style. The same style as
 * Gatehouse's pages: buttons in the page's font, links in the theme colour, and a dark 3px focus ring
 * 2px off the element, at least 3:1 against the white card and the grey page (WCAG 2.2 SC 2.4.13).
 */
export function stylesheet(color: string): string {
  return `:root { --accent: ${color}; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1d1d1f; background: #f6f6f8; }
.bar { background: var(--accent); color: #fff; padding: .8rem 1.5rem; }
.logo { font-weight: 700; font-size: 1.25rem; margin-right: 1rem; }
.tag { opacity: .9; }
main { max-width: 44rem; margin: 2rem auto; padding: 1.5rem 2rem; background: #fff; border-top: 4px solid var(--accent); border-radius: 6px; }
h1 { color: var(--accent); margin-top: 0; }
h2 { font-size: 1.05rem; margin-top: 1.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
a { color: var(--accent); }
.actions { display: flex; gap: .75rem; align-items: center; margin-top: 1rem; }
.actions form { margin: 0; }
.button, button { display: inline-block; background: var(--accent); color: #fff; border: 0; border-radius: 4px; padding: .55rem 1.1rem; font: inherit; text-decoration: none; cursor: pointer; }
.button.secondary { background: #fff; color: var(--accent); border: 2px solid var(--accent); }
a:focus-visible, button:focus-visible { outline: 3px solid #1d1d1f; outline-offset: 2px; }
.hint { color: #555; font-size: .9rem; }
.error { color: #b00020; font-weight: 600; }
.notice { border-left: 4px solid var(--accent); padding: .5rem .8rem; background: #f3f0f8; }
footer { max-width: 44rem; margin: 0 auto 2rem; color: #555; font-size: .9rem; }
`;
}
