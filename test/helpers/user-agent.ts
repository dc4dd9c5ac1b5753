/**
 * A minimal browser without JavaScript: a cookie jar, manual redirects and HTML form submission.
 * Good for the pages that must work with JavaScript off; Chromium tests cover the rest.
 */
export class UserAgent {
  readonly cookies = new Map<string, Map<string, string>>();
  lastUrl = '';
  lastStatus = 0;
  lastBody = '';
  /** The last page's `Referrer-Policy`, which decides the `Origin` a browser sends from it. */
  lastReferrerPolicy: string | null = null;
  /** Sent with every request (a `User-Agent`, say); per-request headers win. */
  readonly headers: Record<string, string> = {};
  /** When set, form submissions carry the `Origin` and `Sec-Fetch-Site` a browser adds ({@link formHeaders}). */
  browserHeaders = false;

  /**
   * The browser's session ends (closed, or signed out elsewhere): every cookie goes but those that
   * outlive a session — the device cookies (`gh_dev_…`), and with `rememberedToo` the "remember this
   * device" ones (`gh_rd_…`).
   */
  endSession(o: { rememberedToo?: boolean } = {}): void {
    const keep = (name: string) => name.startsWith('gh_dev_') || (!!o.rememberedToo && name.startsWith('gh_rd_'));
    for (const jar of this.cookies.values()) for (const name of [...jar.keys()]) if (!keep(name)) jar.delete(name);
  }

  cookieHeader(url: string): string {
    const jar = this.cookies.get(new URL(url).host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  #store(url: string, res: Response) {
    const host = new URL(url).host;
    const jar = this.cookies.get(host) ?? new Map<string, string>();
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c) || /max-age=0/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    this.cookies.set(host, jar);
  }

  /** One request, no redirect following. */
  async fetch(url: string, init: { method?: string; form?: Record<string, string | string[]>; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers, ...init.headers };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(init.form)) for (const one of Array.isArray(v) ? v : [v]) p.append(k, one);
      body = p.toString();
    }
    const res = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.#store(url, res);
    return res;
  }

  /**
   * Follows redirects until a page is shown (status 200/4xx/5xx) or `stopAt` matches the next URL
   * (for example an app's redirect_uri), which is then returned without being requested.
   */
  async go(url: string, init: Parameters<UserAgent['fetch']>[1] = {}, stopAt?: (url: string) => boolean): Promise<{ url: string; status: number; body: string }> {
    let res = await this.fetch(url, init);
    let current = url;
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400; i++) {
      const next = new URL(res.headers.get('location')!, current).href;
      if (stopAt?.(next)) {
        this.lastUrl = next;
        return { url: next, status: res.status, body: '' };
      }
      current = next;
      res = await this.fetch(current);
    }
    const body = await res.text();
    this.lastReferrerPolicy = res.headers.get('referrer-policy');
    this.lastUrl = current;
    this.lastStatus = res.status;
    this.lastBody = body;
    return { url: current, status: res.status, body };
  }

  /** Submits the form whose action contains `actionPart` on the last page, with its hidden fields plus `fields`. */
  async submit(actionPart: string, fields: Record<string, string> = {}, stopAt?: (url: string) => boolean) {
    const form = findForm(this.lastBody, actionPart);
    const action = new URL(form.action, this.lastUrl).href;
    const headers = this.browserHeaders ? formHeaders(this.lastUrl, action, this.lastReferrerPolicy) : undefined;
    return this.go(action, { method: 'POST', form: { ...form.hidden, ...fields }, headers }, stopAt);
  }
}

/**
 * The headers Chromium adds to a form POST from `pageUrl` to `actionUrl`: `Sec-Fetch-Site`, and
 * `Origin` — `null` from a page with `Referrer-Policy: no-referrer` (Fetch, "append a request
 * `Origin` header"), as Gatehouse's and the demo apps' pages are.
 */
export function formHeaders(pageUrl: string, actionUrl: string, referrerPolicy: string | null): Record<string, string> {
  const page = new URL(pageUrl);
  const target = new URL(actionUrl);
  const site = page.origin === target.origin ? 'same-origin' : page.protocol === target.protocol && page.hostname === target.hostname ? 'same-site' : 'cross-site';
  const noReferrer = (referrerPolicy ?? '').split(',').map((p) => p.trim()).includes('no-referrer');
  return { origin: noReferrer ? 'null' : page.origin, 'sec-fetch-site': site };
}

export function findForm(body: string, actionPart: string): { action: string; hidden: Record<string, string> } {
  const forms = [...body.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const f = forms.find((m) => m[1]!.replace(/&amp;/g, '&').includes(actionPart));
  if (!f) throw new Error(`no form with action containing "${actionPart}" on the page:\n${body.slice(0, 2000)}`);
  const hidden: Record<string, string> = {};
  for (const m of f[2]!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? '';
    if (name) hidden[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  }
  return { action: f[1]!.replace(/&amp;/g, '&'), hidden };
}
