// The Gatehouse Authenticator API v1 (docs/authenticator-api.md), as this app calls it.
import { deviceAuthorization } from './device-key.js';

export class ApiError extends Error {
  constructor(status, code, body = {}) {
    super(code);
    this.status = status;
    this.code = code;
    /** `clock_skew` only: the server's time (ms), to say how far this device's clock is off. */
    this.serverTime = typeof body.serverTime === 'number' ? body.serverTime : undefined;
  }
}

/** The API of the Gatehouse that served this app: {issuer}/authenticator/ → {issuer}/api/authenticator/v1. */
export const ownApiBase = () => new URL('../api/authenticator/v1', location.href).href;
export const apiBase = (issuer) => `${issuer.replace(/\/$/, '')}/api/authenticator/v1`;

async function call(url, init) {
  let res;
  try {
    res = await fetch(url, { ...init, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, 'network');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, typeof body.error === 'string' ? body.error : 'http_' + res.status, body);
  return body;
}

const json = (body) => ({ method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });

export const inspectEnrollment = (token) => call(`${ownApiBase()}/enrollments/inspect`, json({ token }));
export const enroll = (body) => call(`${ownApiBase()}/enrollments`, json(body));

async function signed(account, method, path, init = {}) {
  const url = `${apiBase(account.issuer)}${path}`;
  const authorization = await deviceAuthorization(account, method, url);
  return { url, init: { ...init, method, headers: { ...init.headers, accept: 'application/json', authorization } } };
}

export async function pendingChallenges(account, wait) {
  const { url, init } = await signed(account, 'GET', '/challenges');
  return (await call(wait ? `${url}?wait=${wait}` : url, init)).challenges ?? [];
}

export async function answerChallenge(account, challengeId, answer) {
  const { url, init } = await signed(account, 'POST', `/challenges/${encodeURIComponent(challengeId)}/answer`, json({ answer }));
  return call(url, init);
}

export async function deviceSelf(account) {
  const { url, init } = await signed(account, 'GET', '/devices/self');
  return call(url, init);
}

/** `DELETE /devices/self`: Gatehouse revokes this device for the account at once. */
export async function removeDevice(account) {
  const { url, init } = await signed(account, 'DELETE', '/devices/self');
  return call(url, init);
}

/**
 * The server-sent events of `GET /challenges/wait`, read with fetch (EventSource cannot send the
 * Authorization header). Calls `onChallenge` for each `challenge` event until the stream ends or
 * `signal` aborts. Throws ApiError when the server refuses, or `not_streaming` when the answer is
 * not an event stream (a proxy that buffers, say), so the caller can long-poll instead.
 */
export async function streamChallenges(account, onChallenge, signal) {
  const { url, init } = await signed(account, 'GET', '/challenges/wait', { headers: {} });
  init.headers.accept = 'text/event-stream';
  let res;
  try {
    res = await fetch(url, { ...init, cache: 'no-store', credentials: 'omit', signal });
  } catch (err) {
    if (signal.aborted) return;
    throw new ApiError(0, 'network');
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError(res.status, body.error ?? 'http_' + res.status, body);
  }
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream') || !res.body) throw new ApiError(res.status, 'not_streaming');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event.type === 'challenge' && event.data) {
          try {
            onChallenge(JSON.parse(event.data));
          } catch {
            /* a malformed event is skipped, the stream goes on */
          }
        }
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    throw new ApiError(0, 'network');
  }
}

/** One event of the text/event-stream format (HTML "Server-sent events" §9.2.6); comments are ignored. */
function parseEvent(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  return { type, data: data.join('\n') };
}
