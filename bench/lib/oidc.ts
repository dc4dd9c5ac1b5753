import { createHash, randomBytes } from 'node:crypto';
import { browse, CookieJar, request, type HttpResponse } from './http.ts';

/** What a relying party knows about the server under test. Both servers use Gatehouse's ROUTES. */
export interface RelyingParty {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** What the person has: the forms filled depend on it (see fieldsFor). */
export interface Credentials {
  email?: string;
  password?: string;
  /** The authenticator app: the code to type at the 2FA challenge, computed when the page asks. */
  totp?: () => string;
  /** A passkey: signs an assertion for the challenge of the sign-in page ("Sign in with a passkey", no email typed). */
  passkey?: (challenge: string) => Record<string, unknown>;
  /**
   * The Gatehouse Authenticator: called once when the challenge page shows a push request's number,
   * just after the browser sent the page's held Continue (as static/push-wait.js does); resolves when
   * the phone's part is done. The sign-in then goes where the held Continue's answer says.
   */
  push?: (page: PushPage) => Promise<void>;
  /** Where the held Continue is sent, when not to the page's own origin (another instance). */
  holdOrigin?: string;
}

/** What the challenge page shows for a push request: the number to type on the phone, and the browser waiting. */
export interface PushPage {
  number: string;
  jar: CookieJar;
  /** The page's held Continue: its last answer (asked again while the server says `pending`) and when it arrived (performance.now()). */
  held: Promise<{ response: HttpResponse; at: number }>;
  /** The anatomy's step marker, so the phone's requests are steps of their own. */
  trace?: Trace;
}

export interface TokenSet {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
}

const b64url = (b: Buffer) => b.toString('base64url');

function basicAuth(rp: RelyingParty): Record<string, string> {
  const id = encodeURIComponent(rp.clientId);
  const secret = encodeURIComponent(rp.clientSecret);
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

function fail(what: string, res: HttpResponse, url: string): never {
  throw new Error(`${what}: HTTP ${res.status} at ${url.replace(/\?.*/, '')}: ${res.body.slice(0, 300)}`);
}

/**
 * Fields the person types on each sign-in form, by the form's action (Gatehouse: email then
 * password, then the 2FA code; or the passkey form instead of the email; bare provider: one form).
 */
function fieldsFor(action: string, creds: Credentials, body: string): Record<string, string> | undefined {
  if (action.endsWith('/email')) return creds.passkey || creds.email === undefined ? undefined : { email: creds.email };
  if (action.endsWith('/password')) return creds.password === undefined ? undefined : { password: creds.password };
  if (action.endsWith('/mfa')) return creds.totp ? { code: creds.totp() } : creds.push ? {} : undefined;
  if (action.endsWith('/passkey')) {
    if (!creds.passkey) return undefined;
    const options = PASSKEY_OPTIONS.exec(body)?.[1];
    if (!options) return undefined;
    return { credential: JSON.stringify(creds.passkey((JSON.parse(options) as { challenge: string }).challenge)) };
  }
  if (action.endsWith('/login')) return creds.email === undefined || creds.password === undefined ? undefined : { email: creds.email, password: creds.password };
  return undefined;
}

/** The WebAuthn request options the sign-in page embeds for "Sign in with a passkey". */
const PASSKEY_OPTIONS = /<script type="application\/json" id="passkey-options">([\s\S]*?)<\/script>/;
const PUSH_NUMBER = /data-testid="push-number">(\d+)</;
const PUSH_HOLD = /<form\b[^>]*\baction="([^"]*)"[^>]*\bdata-push-hold[^>]*>([\s\S]*?)<\/form>/;
const PUSH_SWITCH = /href="([^"]*\?method=push)"/;
const FORM = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g;
const HIDDEN = /<input\b[^>]*type="hidden"[^>]*>/g;

/** A form's hidden fields (the CSRF token, the method). */
function hiddenFields(formBody: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const h of formBody.matchAll(HIDDEN)) {
    const name = /name="([^"]*)"/.exec(h[0])?.[1];
    if (name) form[name] = /value="([^"]*)"/.exec(h[0])?.[1] ?? '';
  }
  return form;
}

/**
 * The push page's held Continue, as static/push-wait.js sends it: the form with `wait=1`, JSON
 * accepted, asked again while the server answers `pending` (no answer within its hold).
 */
async function holdContinue(jar: CookieJar, url: string, form: Record<string, string>): Promise<{ response: HttpResponse; at: number }> {
  for (let i = 0; ; i++) {
    const response = await request('POST', url, { headers: { ...jar.header(), accept: 'application/json' }, form });
    const at = performance.now();
    jar.store(response);
    // A request lives 60 s and a hold 25 s: a fourth `pending` means something is wrong.
    if (response.status !== 200 || !response.body.includes('"pending"') || i === 3) return { response, at };
  }
}

/** Finds the sign-in form on a page and returns where to post it with its hidden fields (the CSRF token) plus what the person types. */
function fillForm(body: string, creds: Credentials): { action: string; form: Record<string, string> } | undefined {
  for (const m of body.matchAll(FORM)) {
    const action = m[1]!.replace(/&amp;/g, '&');
    const typed = fieldsFor(action, creds, body);
    if (!typed) continue;
    return { action, form: { ...hiddenFields(m[2]!), ...typed } };
  }
  return undefined;
}

/**
 * Called before each request of a sign-in with a label such as `POST /interaction/:uid/email`,
 * and once with `end` after the last: lets a diagnostic attribute server work to each step.
 */
export type Trace = (label: string) => Promise<void>;

const label = (method: string, url: string) => `${method} ${new URL(url).pathname.replace(/\/[\w-]{16,}/g, '/:uid')}`;

/**
 * One person signing in with a fresh browser: authorization request with PKCE (S256), the sign-in
 * forms, the redirect back with the code (state and RFC 9207 `iss` checked), and the token
 * exchange. Returns the tokens; throws on anything unexpected.
 */
export async function signIn(rp: RelyingParty, creds: Credentials, extra: Record<string, string> = {}, trace?: Trace, jar = new CookieJar()): Promise<TokenSet> {
  let pushed = false;
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(12));
  const auth = new URL(`${rp.issuer}/authorize`);
  for (const [k, v] of Object.entries({
    client_id: rp.clientId,
    response_type: 'code',
    redirect_uri: rp.redirectUri,
    scope: 'openid email profile',
    state,
    nonce: b64url(randomBytes(12)),
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...extra,
  })) auth.searchParams.set(k, v);

  let url = auth.href;
  await trace?.(label('GET', url));
  let res = await browse(jar, 'GET', url);
  for (let step = 0; step < 20; step++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.location!, url).href;
      if (next.startsWith(rp.redirectUri)) {
        const params = new URL(next).searchParams;
        if (params.get('state') !== state || params.get('iss') !== rp.issuer || !params.get('code')) fail('bad authorization response', res, next);
        await trace?.('POST /token (code)');
        const tokens = await exchangeCode(rp, params.get('code')!, verifier);
        await trace?.('end');
        return tokens;
      }
      url = next;
      await trace?.(label('GET', url));
      res = await browse(jar, 'GET', url);
    } else if (res.status === 200) {
      if (creds.push && !pushed) {
        const number = PUSH_NUMBER.exec(res.body)?.[1];
        const form = PUSH_HOLD.exec(res.body);
        const other = PUSH_SWITCH.exec(res.body)?.[1];
        if (number && form) {
          pushed = true;
          const action = new URL(form[1]!.replace(/&amp;/g, '&'), url);
          const target = (creds.holdOrigin ?? action.origin) + action.pathname;
          await trace?.('POST /interaction/:uid/mfa, held (its start)');
          const held = holdContinue(jar, target, { ...hiddenFields(form[2]!), wait: '1' });
          // Awaited below, once the phone is done; a failure before then is not unhandled meanwhile.
          held.catch(() => {});
          await creds.push({ number, jar, held, trace });
          const { response } = await held;
          const next = response.status === 200 ? (JSON.parse(response.body) as { next?: string }).next : undefined;
          if (!next) fail('held Continue', response, target);
          url = new URL(next, url).href;
          await trace?.(label('GET', url));
          res = await browse(jar, 'GET', url);
          continue;
        } else if (other) {
          // The challenge page offers push among other ways: pick it, as the person would.
          url = new URL(other.replace(/&amp;/g, '&'), url).href;
          await trace?.(label('GET', url));
          res = await browse(jar, 'GET', url);
          continue;
        } else if (res.body.includes('name="method" value="push"')) {
          fail('push request not sent (busy, paused or throttled)', res, url);
        }
      }
      const filled = fillForm(res.body, creds);
      if (!filled) fail('no sign-in form', res, url);
      url = new URL(filled.action, url).href;
      await trace?.(label('POST', url));
      res = await browse(jar, 'POST', url, filled.form);
    } else {
      fail('sign-in', res, url);
    }
  }
  throw new Error('sign-in did not return to the app within 20 steps');
}

async function tokenRequest(rp: RelyingParty, form: Record<string, string>): Promise<TokenSet> {
  const url = `${rp.issuer}/token`;
  const res = await request('POST', url, { headers: { ...basicAuth(rp), accept: 'application/json' }, form });
  if (res.status !== 200) fail('token request', res, url);
  const tokens = JSON.parse(res.body) as TokenSet;
  if (!tokens.access_token) fail('token response without access_token', res, url);
  return tokens;
}

export async function exchangeCode(rp: RelyingParty, code: string, verifier: string): Promise<TokenSet> {
  const tokens = await tokenRequest(rp, { grant_type: 'authorization_code', code, redirect_uri: rp.redirectUri, code_verifier: verifier });
  if (!tokens.id_token) throw new Error('code exchange returned no ID token');
  return tokens;
}

/** A refresh-token grant; with rotation the answer carries the refresh token to use next time. */
export async function refresh(rp: RelyingParty, refreshToken: string): Promise<TokenSet> {
  const tokens = await tokenRequest(rp, { grant_type: 'refresh_token', refresh_token: refreshToken });
  if (!tokens.refresh_token || tokens.refresh_token === refreshToken) throw new Error('refresh grant did not rotate the refresh token');
  return tokens;
}
