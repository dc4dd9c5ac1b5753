import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, randomInt } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { Secret } from 'otpauth';
import {
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { freePort } from '../helpers/ports.ts';

/**
 * The Authenticator API v1 exactly as docs/authenticator-api.md describes it, in front of a real
 * Gatehouse that serves the web app: requests under /api/authenticator/v1 are answered here, every
 * other request is passed to Gatehouse. The PWA and this double share one origin, as the app and its
 * API do in production, so the app's CSP (`connect-src 'self'`) holds. It checks what the app sends
 * as strictly as the document asks (device JWS, htm/htu/iat, answer JWS, number, WebAuthn), so the
 * PWA can be tested against the contract before the server side exists.
 */
export interface ApiDouble {
  origin: string;
  /** A link for `email` ({origin}/authenticator/#enroll=…); `state` makes it used or expired. */
  link(email: string, opts?: { name?: string; state?: 'used' | 'expired'; vapidPublicKey?: string }): string;
  devices: Map<string, Device>;
  /** Starts a request for the device; the number is what the sign-in page would show. */
  startChallenge(deviceId: string, c?: Partial<Pick<Challenge, 'kind' | 'app' | 'action'>>): { id: string; number: string };
  /** What the device answered, once it did. */
  answers: Map<string, { decision: string; number?: string; userVerified: boolean }>;
  /** Every refusal, as `code: reason`, for assertions and diagnostics. */
  refusals: string[];
  /** Removes the device, as its owner does in account settings: its open stream ends, its next request is `device_unknown`. */
  removeDevice(deviceId: string): void;
  /** `DELETE /devices/self` of this device answers `409 last_method_required` (a policy keeps it). */
  keepDevice(deviceId: string): void;
  /** The devices that removed themselves with `DELETE /devices/self`. */
  selfRemoved: string[];
  /** How far the double's clock is from the browser's: a signed request's `iat` is judged by it (`clock_skew`). */
  clockOffsetMs: number;
  /** Whether the device is waiting now (an open event stream, or a long poll). */
  isWaiting(deviceId: string): boolean;
  /** Off: `GET /challenges/wait` is not there (404), as behind a proxy that cannot stream; long-polls are answered. */
  streaming: boolean;
  close(): Promise<void>;
}

interface Device {
  id: string;
  email: string;
  name: string;
  publicJwk: JWK;
  pushSubscription?: unknown;
  totpSecret: string;
  screenLock?: WebAuthnCredential;
}

interface Challenge {
  id: string;
  deviceId: string;
  kind: 'sign_in' | 'enroll';
  app: string;
  action: string | null;
  browser: string;
  os: string;
  ip: string;
  createdAt: number;
  expiresAt: number;
  userVerificationChallenge: string;
  number: string;
  status: 'pending' | 'answered';
}

const PREFIX = '/api/authenticator/v1';

export async function startApiDouble(gatehouse: string): Promise<ApiDouble> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const links = new Map<string, { email: string; name: string; expiresAt: number; used: boolean; vapidPublicKey?: string; regChallenge?: string }>();
  const devices = new Map<string, Device>();
  const challenges = new Map<string, Challenge>();
  const streams = new Map<string, Set<ServerResponse>>();
  const polls = new Map<string, Set<() => void>>();
  let streaming = true;
  const answers: ApiDouble['answers'] = new Map();
  const refusals: string[] = [];
  const selfRemoved: string[] = [];
  const kept = new Set<string>();
  const seenJti = new Set<string>();
  let clockOffsetMs = 0;
  const now = () => Date.now() + clockOffsetMs;
  /** The server's Web Push key, as inspect and registration give it (a link may name another). */
  const vapidPublicKey = randomBytes(65).toString('base64url');
  const id = () => randomBytes(12).toString('base64url');

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, status: number, code: string, reason: string) => {
    refusals.push(`${code}: ${reason}`);
    send(res, status, { error: code, error_description: reason });
  };
  const publicChallenge = ({ number: _n, status: _s, deviceId: _d, ...c }: Challenge) => c;
  const pendingFor = (deviceId: string) => [...challenges.values()].filter((c) => c.deviceId === deviceId && c.status === 'pending' && c.expiresAt > Date.now());

  /**
   * `Authorization: Device <JWS>`: the device's signature over htm, htu and a fresh iat. A reason
   * string for what a stranger could send (`device_unknown`); `{ clockSkew }` once the device's own
   * signature verified but its time did not.
   */
  async function device(req: IncomingMessage, url: URL): Promise<Device | string | { clockSkew: true }> {
    const [scheme, jws] = (req.headers.authorization ?? '').split(' ');
    if (scheme !== 'Device' || !jws) return 'no Device authorization';
    const header = decodeProtectedHeader(jws);
    const d = devices.get(String(header.kid));
    if (!d) return 'unknown kid';
    if (header.alg !== 'ES256' || header.typ !== 'gh-device+jwt') return `header ${JSON.stringify(header)}`;
    const { payload } = await compactVerify(jws, await importJWK(d.publicJwk, 'ES256')).catch(() => ({ payload: null }));
    if (!payload) return 'bad signature';
    const p = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    if (p.htm !== req.method) return `htm ${String(p.htm)}`;
    if (p.htu !== origin + url.pathname) return `htu ${String(p.htu)}`;
    if (typeof p.jti !== 'string' || !/^[\w-]{16,128}$/.test(p.jti)) return 'jti';
    if (typeof p.iat !== 'number') return 'iat';
    if (Math.abs(p.iat * 1000 - now()) > 60_000) return { clockSkew: true };
    if (seenJti.has(p.jti)) return 'replayed';
    seenJti.add(p.jti);
    return d;
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    let text = '';
    for await (const chunk of req) text += chunk;
    return JSON.parse(text || '{}') as Record<string, unknown>;
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice(PREFIX.length);
    if (req.method === 'POST' && path === '/enrollments/inspect') {
      const { token } = await readJson(req);
      const l = links.get(String(token));
      if (!l) return refuse(res, 400, 'enrollment_link_invalid', 'unknown token');
      if (l.used) return refuse(res, 410, 'enrollment_link_used', 'used');
      if (l.expiresAt < Date.now()) return refuse(res, 410, 'enrollment_link_expired', 'expired');
      const options = await generateRegistrationOptions({
        rpName: 'Gatehouse',
        rpID: 'localhost',
        userName: l.email,
        userID: randomBytes(16),
        attestationType: 'none',
        authenticatorSelection: { authenticatorAttachment: 'platform', residentKey: 'discouraged', userVerification: 'required' },
      });
      l.regChallenge = options.challenge;
      return send(res, 200, { issuer: origin, account: { email: l.email, name: l.name }, expiresAt: l.expiresAt, vapidPublicKey: l.vapidPublicKey ?? vapidPublicKey, userVerification: options });
    }
    if (req.method === 'POST' && path === '/enrollments') {
      const body = await readJson(req);
      const l = links.get(String(body.token));
      if (!l) return refuse(res, 400, 'enrollment_link_invalid', 'unknown token');
      if (l.used) return refuse(res, 410, 'enrollment_link_used', 'used');
      if (l.expiresAt < Date.now()) return refuse(res, 410, 'enrollment_link_expired', 'expired');
      l.used = true;
      const jwk = body.publicKey as JWK;
      if (jwk?.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y || 'd' in jwk) return refuse(res, 400, 'invalid_request', 'publicKey');
      if (typeof body.name !== 'string' || !body.name) return refuse(res, 400, 'invalid_request', 'name');
      let screenLock: WebAuthnCredential | undefined;
      if (body.userVerification) {
        const v = await verifyRegistrationResponse({ response: body.userVerification as RegistrationResponseJSON, expectedChallenge: l.regChallenge!, expectedOrigin: origin, expectedRPID: 'localhost', requireUserVerification: true });
        if (!v.verified) return refuse(res, 400, 'invalid_request', 'userVerification');
        screenLock = v.registrationInfo.credential;
      }
      const d: Device = { id: id(), email: l.email, name: body.name, publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, pushSubscription: body.pushSubscription, totpSecret: new Secret({ size: 20 }).base32, screenLock };
      devices.set(d.id, d);
      return send(res, 201, {
        deviceId: d.id,
        status: 'pending',
        account: { issuer: origin, email: l.email, name: l.name },
        totp: { secret: d.totpSecret, algorithm: 'SHA1', digits: 6, period: 30, issuer: 'Gatehouse', label: l.email },
        vapidPublicKey: l.vapidPublicKey ?? vapidPublicKey,
      });
    }
    const d = await device(req, url);
    if (typeof d === 'string') return refuse(res, 401, 'device_unknown', d);
    if ('clockSkew' in d) {
      refusals.push('clock_skew');
      return send(res, 401, { error: 'clock_skew', error_description: 'clock', serverTime: now() });
    }
    if (req.method === 'DELETE' && path === '/devices/self') {
      if (kept.has(d.id)) return refuse(res, 409, 'last_method_required', 'kept');
      devices.delete(d.id);
      selfRemoved.push(d.id);
      for (const s of streams.get(d.id) ?? []) s.end();
      return send(res, 200, { deviceId: d.id, status: 'removed' });
    }
    if (req.method === 'GET' && path === '/challenges') {
      const wait = Number(url.searchParams.get('wait') ?? 0);
      if (wait > 0 && pendingFor(d.id).length === 0) {
        // Long poll: answered as soon as a request starts, or empty after `wait` seconds (at most 25).
        await new Promise<void>((resolve) => {
          const set = polls.get(d.id) ?? new Set();
          polls.set(d.id, set.add(wake));
          const timer = setTimeout(wake, Math.min(wait, 25) * 1000);
          req.on('close', wake);
          function wake() {
            clearTimeout(timer);
            set.delete(wake);
            resolve();
          }
        });
      }
      return send(res, 200, { challenges: pendingFor(d.id).map(publicChallenge) });
    }
    if (req.method === 'GET' && path === '/challenges/wait' && streaming) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': waiting\n\n');
      const set = streams.get(d.id) ?? new Set();
      streams.set(d.id, set.add(res));
      req.on('close', () => set.delete(res));
      return;
    }
    if (req.method === 'GET' && path === '/devices/self') return send(res, 200, { deviceId: d.id, name: d.name, status: 'pending', account: { issuer: origin, email: d.email } });
    const m = /^\/challenges\/([^/]+)\/answer$/.exec(path);
    if (req.method === 'POST' && m) return answer(res, d, decodeURIComponent(m[1]!), String((await readJson(req)).answer));
    return refuse(res, 404, 'not_found', path);
  }

  async function answer(res: ServerResponse, d: Device, cid: string, jws: string): Promise<void> {
    const header = decodeProtectedHeader(jws);
    if (header.kid !== d.id || header.alg !== 'ES256' || header.typ !== 'gh-push-answer+jwt') return refuse(res, 400, 'answer_refused', `header ${JSON.stringify(header)}`);
    const verified = await compactVerify(jws, await importJWK(d.publicJwk, 'ES256')).catch(() => null);
    if (!verified) return refuse(res, 400, 'answer_refused', 'signature');
    const p = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
    const c = challenges.get(cid);
    if (p.aud !== origin) return refuse(res, 400, 'answer_refused', 'aud');
    if (!c || p.cid !== cid || c.deviceId !== d.id || c.status !== 'pending' || c.expiresAt < Date.now()) return refuse(res, 400, 'answer_refused', 'challenge');
    if (typeof p.iat !== 'number' || Math.abs(p.iat - Date.now() / 1000) > 60) return refuse(res, 400, 'answer_refused', 'iat');
    c.status = 'answered';
    const decision = String(p.decision);
    let userVerified = false;
    if (decision === 'approve') {
      if (p.number !== c.number) return refuse(res, 400, 'answer_refused', `number ${String(p.number)}`);
      if (d.screenLock) {
        const v = await verifyAuthenticationResponse({
          response: p.userVerification as AuthenticationResponseJSON,
          expectedChallenge: c.userVerificationChallenge,
          expectedOrigin: origin,
          expectedRPID: 'localhost',
          credential: d.screenLock,
          requireUserVerification: true,
        }).catch(() => ({ verified: false }));
        if (!v.verified) return refuse(res, 400, 'answer_refused', 'userVerification');
        userVerified = true;
      }
    } else if (decision !== 'deny' && decision !== 'fraud') return refuse(res, 400, 'answer_refused', 'decision');
    answers.set(cid, { decision, number: typeof p.number === 'string' ? p.number : undefined, userVerified });
    return send(res, 200, { status: decision === 'approve' ? 'approved' : decision === 'deny' ? 'denied' : 'reported' });
  }

  /** Everything else is Gatehouse's: the app's files, /static. */
  function pass(req: IncomingMessage, res: ServerResponse) {
    const target = new URL(req.url ?? '/', gatehouse);
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (!url.pathname.startsWith(PREFIX + '/')) return pass(req, res);
    api(req, res, url).catch((err: unknown) => refuse(res, 500, 'server_error', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return {
    origin,
    devices,
    answers,
    refusals,
    selfRemoved,
    keepDevice(deviceId) {
      kept.add(deviceId);
    },
    get clockOffsetMs() {
      return clockOffsetMs;
    },
    set clockOffsetMs(ms) {
      clockOffsetMs = ms;
    },
    removeDevice(deviceId) {
      devices.delete(deviceId);
      for (const s of streams.get(deviceId) ?? []) s.end();
    },
    isWaiting: (deviceId) => (streams.get(deviceId)?.size ?? 0) + (polls.get(deviceId)?.size ?? 0) > 0,
    get streaming() {
      return streaming;
    },
    set streaming(on) {
      streaming = on;
      if (!on) for (const set of streams.values()) for (const s of set) s.end();
    },
    link(email, opts = {}) {
      const token = randomBytes(32).toString('base64url');
      links.set(token, { email, name: opts.name ?? '', expiresAt: Date.now() + (opts.state === 'expired' ? -1000 : 600_000), used: opts.state === 'used', vapidPublicKey: opts.vapidPublicKey });
      return `${origin}/authenticator/#enroll=${token}`;
    },
    startChallenge(deviceId, o = {}) {
      const now = Date.now();
      const c: Challenge = {
        id: id(),
        deviceId,
        kind: o.kind ?? 'sign_in',
        app: o.app ?? 'Payroll',
        action: o.action ?? null,
        browser: 'Chrome',
        os: 'Linux',
        ip: '203.0.113.7',
        createdAt: now,
        expiresAt: now + 60_000,
        userVerificationChallenge: randomBytes(32).toString('base64url'),
        number: String(randomInt(10, 100)),
        status: 'pending',
      };
      challenges.set(c.id, c);
      for (const s of streams.get(deviceId) ?? []) s.write(`event: challenge\ndata: ${JSON.stringify(publicChallenge(c))}\n\n`);
      for (const wake of polls.get(deviceId) ?? []) wake();
      return { id: c.id, number: c.number };
    },
    async close() {
      for (const set of streams.values()) for (const s of set) s.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
