import { AuthenticatorError, type AuthenticatorErrorCode } from './errors.ts';
import { deviceAuthorization } from './device-jws.ts';
import type { TotpParams } from './totp.ts';

/** A sign-in (or the wizard's test request) waiting for this device (docs/authenticator-api.md, "Challenge"). */
export interface Challenge {
  id: string;
  kind: 'sign_in' | 'enroll';
  app: string;
  action: string | null;
  /** Labels of the browser that asked; null when the server could not tell. */
  browser: string | null;
  os: string | null;
  ip: string | null;
  createdAt: number;
  expiresAt: number;
  userVerificationChallenge?: string;
}

export interface Inspection {
  issuer: string;
  account: { email: string; name: string | null };
  expiresAt: number;
  /** The server's Web Push key. A terminal has no Web Push: read past, never required (older servers leave it out). */
  vapidPublicKey?: string;
}

export interface Enrollment {
  deviceId: string;
  status: 'pending' | 'active';
  account: { issuer: string; email: string; name: string | null };
  totp: TotpParams;
}

/** A device able to sign its requests. */
export interface SigningDevice {
  deviceId: string;
  key: CryptoKey;
}

/** The API's error codes this client turns into their own messages; any other is `server_error`. */
const KNOWN: Partial<Record<string, { code: AuthenticatorErrorCode; message: string }>> = {
  enrollment_link_invalid: { code: 'enrollment_link_invalid', message: 'this enrollment link is not valid; copy it again from the browser, or start a new enrollment there' },
  enrollment_link_used: { code: 'enrollment_link_used', message: 'this enrollment link was already used; start a new enrollment in the browser for a new link' },
  enrollment_link_expired: { code: 'enrollment_link_expired', message: 'this enrollment link expired (links last 10 minutes); start a new enrollment in the browser for a new link' },
  // A clock that is off is clock_skew (the server says so once the signature verified), so this is removal.
  device_unknown: { code: 'device_unknown', message: 'the server does not accept this device: it was removed (in Account settings, or from here)' },
  request_replayed: { code: 'request_replayed', message: 'the server had already seen this signed request; try again' },
  last_method_required: { code: 'last_method_required', message: 'the server keeps this device: it is the last two-step verification method a policy allows for this account; add another method in Account settings first' },
  answer_refused: { code: 'answer_refused', message: 'the server refused the answer: the number was wrong, or the request had expired or was already answered' },
};

/**
 * `clock_skew`: the server verified this device's signature but not its time. Says by how much and
 * which way this machine's clock is off, from the server's `serverTime` (read as a number, or left out).
 */
function clockSkew(serverTime: unknown, status: number): AuthenticatorError {
  const off = typeof serverTime === 'number' && Number.isFinite(serverTime) ? Math.round((Date.now() - serverTime) / 1000) : undefined;
  const by = off === undefined ? 'more than a minute' : `${formatSeconds(Math.abs(off))} ${off > 0 ? 'fast' : 'slow'}`;
  return new AuthenticatorError('clock_skew', `this machine's clock is ${by} compared with the server's, so the server refused the signed request; set the clock right (turn on automatic time / NTP) and try again`, status);
}

function formatSeconds(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** Milliseconds a request may take, beyond any long-poll wait it asks for. */
const TIMEOUT_MS = 15_000;

/** The Gatehouse Authenticator API at `apiBase` (`{issuer}/api/authenticator/v1`). */
export class AuthenticatorApi {
  constructor(readonly apiBase: string) {}

  inspect(token: string): Promise<Inspection> {
    return this.call('POST', '/enrollments/inspect', { body: { token } });
  }

  enroll(body: { token: string; publicKey: object; name: string }): Promise<Enrollment> {
    return this.call('POST', '/enrollments', { body });
  }

  /** The requests waiting now; with `waitSeconds` (at most 25) the server holds the answer until one starts. */
  async challenges(device: SigningDevice, waitSeconds = 0, signal?: AbortSignal): Promise<Challenge[]> {
    const wait = Math.min(Math.max(Math.floor(waitSeconds), 0), 25);
    const r = await this.call<{ challenges: Challenge[] }>('GET', '/challenges', { device, query: wait > 0 ? `?wait=${wait}` : '', timeoutMs: TIMEOUT_MS + wait * 1000, signal });
    return r.challenges;
  }

  answer(device: SigningDevice, challengeId: string, answer: string): Promise<{ status: 'approved' | 'denied' | 'reported' }> {
    return this.call('POST', `/challenges/${encodeURIComponent(challengeId)}/answer`, { device, body: { answer } });
  }

  self(device: SigningDevice): Promise<{ deviceId: string; name: string; status: 'pending' | 'active'; account: object }> {
    return this.call('GET', '/devices/self', { device });
  }

  /** `DELETE /devices/self`: the server revokes this device at once. */
  removeSelf(device: SigningDevice): Promise<{ deviceId: string; status: 'removed' }> {
    return this.call('DELETE', '/devices/self', { device });
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, o: { body?: object; device?: SigningDevice; query?: string; timeoutMs?: number; signal?: AbortSignal }): Promise<T> {
    const url = this.apiBase + path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.body) headers['content-type'] = 'application/json';
    if (o.device) headers.authorization = await deviceAuthorization(o.device.key, o.device.deviceId, method, url);
    let res: Response;
    try {
      res = await fetch(url + (o.query ?? ''), { method, headers, body: o.body ? JSON.stringify(o.body) : undefined, signal: o.signal ? AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs ?? TIMEOUT_MS)]) : AbortSignal.timeout(o.timeoutMs ?? TIMEOUT_MS) });
    } catch (err) {
      if (o.signal?.aborted) throw err;
      const e = err as Error & { cause?: { code?: string } };
      const why = e.name === 'TimeoutError' ? 'no answer in time' : (e.cause?.code ?? e.message);
      throw new AuthenticatorError('unreachable', `could not reach ${new URL(url).origin} (${why})`);
    }
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (res.ok && data !== undefined) return data as T;
    const apiError = (data as { error?: unknown } | undefined)?.error;
    if (apiError === 'clock_skew') throw clockSkew((data as { serverTime?: unknown }).serverTime, res.status);
    const known = typeof apiError === 'string' && Object.hasOwn(KNOWN, apiError) ? KNOWN[apiError] : undefined;
    if (known) throw new AuthenticatorError(known.code, known.message, res.status);
    // The server's description is text from the network: shown, but bounded and without control characters.
    const description = String((data as { error_description?: unknown } | undefined)?.error_description ?? '').replace(/[\p{Cc}]/gu, ' ').slice(0, 200);
    const what = typeof apiError === 'string' ? `${apiError}${description ? `: ${description}` : ''}` : `HTTP ${res.status}`;
    throw new AuthenticatorError('server_error', `unexpected answer from ${method} ${path}: ${what}`, res.status);
  }
}
