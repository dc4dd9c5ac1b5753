import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { importJWK, jwtVerify, decodeProtectedHeader, type JWK } from 'jose';
import { Secret } from 'otpauth';

/**
 * docs/authenticator-api.md played by a small server that checks everything the document says a
 * server checks (signatures, `typ`, `htm`/`htu`, `iat`, `aud`, `cid`, the number, single use),
 * so the terminal authenticator is tested against the contract itself — while the real server is
 * built on another branch, and afterwards as a second, independent reading of the document.
 */
export interface ContractServer {
  issuer: string;
  /** The link the enrollment wizard would show for this person. */
  link(email: string, o?: { name?: string; expired?: boolean }): string;
  /** A request waiting for the person's device; returns the number the browser would show. */
  startChallenge(email: string, o?: { kind?: 'sign_in' | 'enroll'; app?: string; action?: string | null; expiresInMs?: number }): { id: string; number: string };
  /** Starts one after `ms`, for the long-poll. */
  startChallengeLater(email: string, ms: number): void;
  removeDevice(deviceId: string): void;
  /** `DELETE /devices/self` of this device answers `409 last_method_required` (a policy keeps it). */
  keepDevice(deviceId: string): void;
  /** How far the server's clock is from this machine's: signed requests are judged by it. */
  clockOffsetMs: number;
  devices: Map<string, { email: string; name: string; status: 'pending' | 'active'; removed: boolean; totpSecret: string }>;
  /** Every verified answer, in order. */
  answers: Array<{ cid: string; decision: string; number?: string; outcome: string }>;
  close(): Promise<void>;
}

interface Challenge {
  id: string;
  email: string;
  kind: 'sign_in' | 'enroll';
  app: string;
  action: string | null;
  number: string;
  status: 'pending' | 'approved' | 'denied' | 'reported' | 'failed';
  createdAt: number;
  expiresAt: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code);
  }
}

export async function startContractServer(): Promise<ContractServer> {
  const links = new Map<string, { email: string; name: string; expiresAt: number; used: boolean }>();
  const devices: ContractServer['devices'] = new Map();
  const keys = new Map<string, JWK>();
  const challenges = new Map<string, Challenge>();
  const answers: ContractServer['answers'] = [];
  const seenJti = new Set<string>();
  const kept = new Set<string>();
  const serverNow = () => Date.now() + self.clockOffsetMs;
  const started = new EventEmitter();
  const timers = new Set<NodeJS.Timeout>();
  let issuer = '';
  /** The server's Web Push key, given at inspect and at registration; a terminal has no use for it. */
  const vapidPublicKey = randomBytes(65).toString('base64url');
  const base = () => `${issuer}/api/authenticator/v1`;

  const pendingFor = (email: string) => [...challenges.values()].filter((c) => c.email === email && c.status === 'pending' && c.expiresAt > Date.now());
  const view = (c: Challenge) => ({ id: c.id, kind: c.kind, app: c.app, action: c.action, browser: 'Chrome', os: 'Linux', ip: '203.0.113.7', createdAt: c.createdAt, expiresAt: c.expiresAt, userVerificationChallenge: randomBytes(16).toString('base64url') });

  async function verifyDevice(jws: string, typ: string, audience?: string) {
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(jws).kid;
    } catch {
      kid = undefined;
    }
    const jwk = kid ? keys.get(kid) : undefined;
    const device = kid ? devices.get(kid) : undefined;
    if (!jwk || !device || device.removed) throw new HttpError(401, 'device_unknown');
    const { payload, protectedHeader } = await jwtVerify(jws, await importJWK(jwk, 'ES256'), { algorithms: ['ES256'], typ, audience, maxTokenAge: 60, clockTolerance: 60 });
    if (protectedHeader.typ !== typ) throw new Error('typ');
    if (typeof payload.jti !== 'string' || seenJti.has(payload.jti)) throw new Error('replayed jti');
    seenJti.add(payload.jti);
    return { deviceId: kid!, device, payload };
  }

  /**
   * A signed request, in the contract's order: anything a stranger could send is device_unknown; only
   * with the device's own signature, a time off by more than 60 s is clock_skew (with `serverTime`) and
   * a jti seen before is request_replayed.
   */
  async function signed(req: IncomingMessage, path: string) {
    const unknown = new HttpError(401, 'device_unknown');
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Device ')) throw unknown;
    const jws = auth.slice(7);
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(jws).kid;
    } catch {
      throw unknown;
    }
    const jwk = kid ? keys.get(kid) : undefined;
    const device = kid ? devices.get(kid) : undefined;
    if (!jwk || !device || device.removed) throw unknown;
    let payload;
    try {
      ({ payload } = await jwtVerify(jws, await importJWK(jwk, 'ES256'), { algorithms: ['ES256'], typ: 'gh-device+jwt', currentDate: new Date(serverNow()), clockTolerance: 3600 * 24 * 365 }));
    } catch {
      throw unknown;
    }
    if (payload.htm !== req.method || payload.htu !== base() + path || typeof payload.iat !== 'number' || typeof payload.jti !== 'string' || !/^[\w-]{16,128}$/.test(payload.jti)) throw unknown;
    if (Math.abs(payload.iat * 1000 - serverNow()) > 60_000) throw new HttpError(401, 'clock_skew', { serverTime: serverNow() });
    if (seenJti.has(payload.jti)) throw new HttpError(401, 'request_replayed');
    seenJti.add(payload.jti);
    return { deviceId: kid!, device, payload };
  }

  async function route(req: IncomingMessage, body: any, url: URL): Promise<[number, unknown]> {
    const path = url.pathname.slice('/api/authenticator/v1'.length);
    if (req.method === 'POST' && (path === '/enrollments/inspect' || path === '/enrollments')) {
      const hash = typeof body?.token === 'string' ? body.token : '';
      const l = links.get(hash);
      if (!l) throw new HttpError(400, 'enrollment_link_invalid');
      if (l.used) throw new HttpError(410, 'enrollment_link_used');
      if (l.expiresAt <= Date.now()) throw new HttpError(410, 'enrollment_link_expired');
      if (path === '/enrollments/inspect') return [200, { issuer, account: { email: l.email, name: l.name }, expiresAt: l.expiresAt, vapidPublicKey, userVerification: {} }];
      const pk = body.publicKey;
      if (pk?.kty !== 'EC' || pk.crv !== 'P-256' || 'd' in pk) throw new HttpError(400, 'invalid_request');
      l.used = true;
      const deviceId = randomBytes(12).toString('base64url');
      const totpSecret = new Secret({ size: 20 }).base32;
      keys.set(deviceId, { kty: 'EC', crv: 'P-256', x: pk.x, y: pk.y });
      devices.set(deviceId, { email: l.email, name: String(body.name), status: 'pending', removed: false, totpSecret });
      return [201, { deviceId, status: 'pending', account: { issuer, email: l.email, name: l.name }, totp: { secret: totpSecret, algorithm: 'SHA1', digits: 6, period: 30, issuer: 'Gatehouse', label: l.email }, vapidPublicKey }];
    }
    if (req.method === 'GET' && path === '/challenges') {
      const { device } = await signed(req, path);
      const wait = Math.min(Number(url.searchParams.get('wait') ?? 0) || 0, 25);
      let list = pendingFor(device.email);
      if (list.length === 0 && wait > 0) {
        await new Promise<void>((done) => {
          const t = setTimeout(finish, wait * 1000);
          function finish() {
            clearTimeout(t);
            started.off(device.email, finish);
            done();
          }
          started.on(device.email, finish);
          req.on('close', finish);
        });
        list = pendingFor(device.email);
      }
      return [200, { challenges: list.slice(0, 1).map(view) }];
    }
    if (req.method === 'DELETE' && path === '/devices/self') {
      const { deviceId, device } = await signed(req, path);
      if (kept.has(deviceId)) throw new HttpError(409, 'last_method_required');
      device.removed = true;
      return [200, { deviceId, status: 'removed' }];
    }
    if (req.method === 'GET' && path === '/devices/self') {
      const { deviceId, device } = await signed(req, path);
      return [200, { deviceId, name: device.name, status: device.status, account: { issuer, email: device.email } }];
    }
    const m = /^\/challenges\/([^/]+)\/answer$/.exec(path);
    if (req.method === 'POST' && m) {
      const refused = new HttpError(400, 'answer_refused');
      let v;
      try {
        v = await verifyDevice(String(body?.answer ?? ''), 'gh-push-answer+jwt', issuer);
      } catch {
        throw refused;
      }
      const c = challenges.get(decodeURIComponent(m[1]!));
      const p = v.payload as { cid?: string; decision?: string; number?: string };
      if (!c || c.email !== v.device.email || p.cid !== c.id || c.status !== 'pending' || c.expiresAt <= Date.now()) throw refused;
      if (p.decision === 'approve') {
        if (p.number !== c.number) {
          c.status = 'failed';
          answers.push({ cid: c.id, decision: p.decision, number: p.number, outcome: 'refused' });
          throw refused;
        }
        c.status = 'approved';
        v.device.status = 'active';
      } else if (p.decision === 'deny' || p.decision === 'fraud') {
        c.status = p.decision === 'deny' ? 'denied' : 'reported';
      } else throw refused;
      answers.push({ cid: c.id, decision: p.decision, number: p.number, outcome: c.status });
      return [200, { status: c.status }];
    }
    throw new HttpError(404, 'not_found');
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    try {
      const [status, data] = await route(req, raw ? JSON.parse(raw) : undefined, new URL(req.url ?? '/', issuer));
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(400, 'invalid_request');
      res.writeHead(e.status, { 'content-type': 'application/json' }).end(JSON.stringify({ ...e.extra, error: e.code, error_description: e.code }));
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  issuer = `http://localhost:${(server.address() as { port: number }).port}`;

  const self: ContractServer = {
    issuer,
    devices,
    answers,
    link(email, o = {}) {
      const token = randomBytes(32).toString('base64url');
      links.set(token, { email, name: o.name ?? email.split('@')[0]!, expiresAt: Date.now() + (o.expired ? -1000 : 600_000), used: false });
      return `${issuer}/authenticator/#enroll=${token}`;
    },
    startChallenge(email, o = {}) {
      if (pendingFor(email).length > 0) throw new Error('the API allows one pending request per person');
      const c: Challenge = { id: randomBytes(9).toString('base64url'), email, kind: o.kind ?? 'sign_in', app: o.app ?? 'Payroll', action: o.action ?? null, number: String(randomInt(10, 100)), status: 'pending', createdAt: Date.now(), expiresAt: Date.now() + (o.expiresInMs ?? 60_000) };
      challenges.set(c.id, c);
      started.emit(email);
      return { id: c.id, number: c.number };
    },
    startChallengeLater(email, ms) {
      const t = setTimeout(() => {
        timers.delete(t);
        self.startChallenge(email);
      }, ms);
      timers.add(t);
    },
    removeDevice(deviceId) {
      devices.get(deviceId)!.removed = true;
    },
    keepDevice(deviceId) {
      kept.add(deviceId);
    },
    clockOffsetMs: 0,
    close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
  return self;
}
