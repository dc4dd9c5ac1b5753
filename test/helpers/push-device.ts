import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { TOTP, Secret } from 'otpauth';

/** A Web Push subscription the device hands over at enrollment (from a local push service in tests). */
export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface Enrolled {
  deviceId: string;
  status: string;
  account: { issuer: string; email: string; name: string };
  totp: { secret: string; algorithm: string; digits: number; period: number; issuer: string; label: string };
  vapidPublicKey: string;
}

export interface Challenge {
  id: string;
  kind: 'sign_in' | 'enroll';
  app: string;
  action: string | null;
  browser: string | null;
  os: string | null;
  ip: string | null;
  createdAt: number;
  expiresAt: number;
  userVerificationChallenge: string;
}

/**
 * A test Gatehouse Authenticator: a P-256 key made here (the private key never leaves the object), and
 * the Authenticator API spoken exactly as docs/authenticator-api.md says — signed requests
 * (`Authorization: Device <JWS>`) and signed answers. `now` is the device's clock (seconds are taken
 * from it), so tests can put the device's clock elsewhere.
 */
export class PushDevice {
  deviceId = '';
  enrolled?: Enrolled;
  #privateKey?: CryptoKey;
  publicJwk?: JWK;
  /** How far this device's clock is from the test clock (a phone with a wrong time). */
  clockOffsetMs = 0;

  constructor(
    readonly issuer: string,
    readonly now: () => number = Date.now,
  ) {}

  static async create(issuer: string, now?: () => number): Promise<PushDevice> {
    const d = new PushDevice(issuer, now);
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    d.#privateKey = privateKey;
    d.publicJwk = await exportJWK(publicKey);
    return d;
  }

  /** The token of an enrollment link `{issuer}/authenticator/#enroll=<token>`. */
  static tokenOf(link: string): string {
    const m = /#enroll=([\w-]+)$/.exec(link);
    assert.ok(m, `not an enrollment link: ${link}`);
    return m[1]!;
  }

  api(path: string): string {
    return `${this.issuer}/api/authenticator/v1${path}`;
  }

  async post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(this.api(path), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async inspect(link: string) {
    return this.post('/enrollments/inspect', { token: PushDevice.tokenOf(link) });
  }

  /** Registers this device with an enrollment link; keeps the device id the server gives. */
  async enroll(link: string, o: { name?: string; pushSubscription?: TestSubscription; publicKey?: JWK } = {}) {
    const r = await this.post('/enrollments', { token: PushDevice.tokenOf(link), publicKey: o.publicKey ?? this.publicJwk, name: o.name ?? 'Test phone', ...(o.pushSubscription ? { pushSubscription: o.pushSubscription } : {}) });
    if (r.status === 201) {
      this.enrolled = r.body as unknown as Enrolled;
      this.deviceId = this.enrolled.deviceId;
    }
    return r;
  }

  /** A compact JWS with this device's key (another `kid` when given, to forge or impersonate). */
  async sign(typ: string, payload: Record<string, unknown>, kid = this.deviceId): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', kid, typ }).sign(this.#privateKey!);
  }

  async authorization(method: string, url: string): Promise<string> {
    const htu = url.split('?')[0]!;
    return `Device ${await this.sign('gh-device+jwt', { htm: method, htu, iat: Math.floor((this.now() + this.clockOffsetMs) / 1000), jti: randomBytes(12).toString('base64url') })}`;
  }

  async signedGet(path: string) {
    return this.signed('GET', path);
  }

  /** A signed request; `authorization` sends a header made earlier (a replay) instead of a fresh one. */
  async signed(method: 'GET' | 'DELETE', path: string, authorization?: string) {
    const url = this.api(path);
    const res = await fetch(url, { method, headers: { authorization: authorization ?? (await this.authorization(method, url)), accept: 'application/json' } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  /** `DELETE /devices/self`: the device removes itself. */
  async removeSelf() {
    return this.signed('DELETE', '/devices/self');
  }

  async challenges(wait?: number): Promise<Challenge[]> {
    const r = await this.signedGet(wait ? `/challenges?wait=${wait}` : '/challenges');
    assert.equal(r.status, 200, `GET /challenges: ${JSON.stringify(r.body)}`);
    return r.body.challenges as Challenge[];
  }

  /** Waits (long-poll) until a request is there; fails after `tries` empty polls. */
  async nextChallenge(tries = 3): Promise<Challenge> {
    for (let i = 0; i < tries; i++) {
      const [c] = await this.challenges(i === 0 ? undefined : 5);
      if (c) return c;
    }
    assert.fail('no request reached the device');
  }

  /** The signed answer body for request `cid`; `overrides` change or remove (undefined) claims. */
  async answerJws(cid: string, decision: 'approve' | 'deny' | 'fraud', number: string | undefined, overrides: Record<string, unknown> = {}, kid?: string) {
    const payload: Record<string, unknown> = { aud: this.issuer, cid, decision, iat: Math.floor((this.now() + this.clockOffsetMs) / 1000), jti: randomBytes(12).toString('base64url') };
    if (number !== undefined) payload.number = number;
    for (const [k, v] of Object.entries(overrides)) {
      if (v === undefined) delete payload[k];
      else payload[k] = v;
    }
    return this.sign('gh-push-answer+jwt', payload, kid);
  }

  async answer(cid: string, decision: 'approve' | 'deny' | 'fraud', number?: string, overrides: Record<string, unknown> = {}) {
    return this.post(`/challenges/${encodeURIComponent(cid)}/answer`, { answer: await this.answerJws(cid, decision, number, overrides) });
  }

  /** Sends an answer made earlier (a replay) or by someone else. */
  async sendAnswer(cid: string, answer: string) {
    return this.post(`/challenges/${encodeURIComponent(cid)}/answer`, { answer });
  }

  /** The app's 6-digit code at `atMs` (the "Didn't get a notification?" way). */
  code(atMs: number): string {
    assert.ok(this.enrolled, 'not enrolled');
    return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(this.enrolled.totp.secret) }).generate({ timestamp: atMs });
  }
}
