import { createECDH, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { importJWK, jwtVerify, type JWTPayload } from 'jose';

/** One push message as the push service received it, decrypted and with its VAPID JWT verified. */
export interface ReceivedPush {
  /** The subscription it was sent to. */
  id: string;
  payload: unknown;
  /** The VAPID public key (`k=`), base64url, and the verified JWT claims. */
  vapidKey: string;
  jwt: JWTPayload;
  ttl: string | undefined;
  urgency: string | undefined;
}

/** A browser's side of a subscription: the endpoint and the keys it hands to the app server. */
export interface LocalSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const b64u = (b: Buffer) => b.toString('base64url');

/**
 * A Web Push service on 127.0.0.1 (RFC 8030) over HTTPS with a certificate made here with openssl. It
 * decrypts each `aes128gcm` message (RFC 8291) with the subscription's private key and auth secret,
 * and verifies the VAPID JWT (RFC 8292: ES256, `aud` the endpoint's origin, `exp` within 24 h). An
 * endpoint can be made to answer 410 Gone or 500, to test what the sender does then.
 */
export async function startPushService() {
  const dir = mkdtempSync(join(tmpdir(), 'gh-push-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'cert.pem'));
  const key = readFileSync(join(dir, 'key.pem'));
  rmSync(dir, { recursive: true, force: true });

  const subs = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer; answer: number }>();
  const received: ReceivedPush[] = [];
  const refused: Array<{ id: string; reason: string }> = [];
  const waiters: Array<() => void> = [];

  const server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1] ?? '';
        const sub = subs.get(id);
        if (req.method !== 'POST' || !sub) return reply(404);
        if (sub.answer !== 201) return reply(sub.answer);
        try {
          const { vapidKey, jwt } = await verifyVapid(String(req.headers.authorization ?? ''), origin());
          if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
          const payload = JSON.parse(decrypt(Buffer.concat(chunks), sub.ecdh, sub.auth).toString('utf8')) as unknown;
          received.push({ id, payload, vapidKey, jwt, ttl: req.headers.ttl as string | undefined, urgency: req.headers.urgency as string | undefined });
          reply(201);
        } catch (err) {
          refused.push({ id, reason: (err as Error).message });
          reply(400);
        }
        for (const w of waiters.splice(0)) w();
      })();
      function reply(status: number) {
        res.writeHead(status).end();
        if (status !== 201) for (const w of waiters.splice(0)) w();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = () => `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    /** For `web-push`: trusts this service's certificate only. */
    agent: new Agent({ ca: cert }),
    received,
    refused,
    /** A new subscription, as `PushManager.subscribe()` would give the app. */
    subscribe(): LocalSubscription {
      const id = b64u(randomBytes(9));
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subs.set(id, { ecdh, auth, answer: 201 });
      return { id, endpoint: `${origin()}/push/${id}`, keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) } };
    },
    /** From now on the endpoint answers `status` (410: the subscription is gone). */
    answerWith(id: string, status: number) {
      subs.get(id)!.answer = status;
    },
    /** Waits until `pred` holds for a received message (or a refusal), up to `ms`. */
    async waitFor(pred: (p: ReceivedPush) => boolean, ms = 5000): Promise<ReceivedPush> {
      const end = Date.now() + ms;
      for (;;) {
        const hit = received.find(pred);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no push arrived (refused: ${JSON.stringify(refused)})`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** RFC 8292 §3: `Authorization: vapid t=<JWT>, k=<public key>`; the JWT signed by k, for this origin. */
async function verifyVapid(header: string, audience: string): Promise<{ vapidKey: string; jwt: JWTPayload }> {
  const t = /(?:^|[\s,])t=([^,\s]+)/.exec(header.replace(/^vapid\s+/i, ' '))?.[1];
  const k = /(?:^|[\s,])k=([^,\s]+)/.exec(header.replace(/^vapid\s+/i, ' '))?.[1];
  if (!/^vapid /i.test(header) || !t || !k) throw new Error('no VAPID authorization');
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = await importJWK({ kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) }, 'ES256');
  const { payload, protectedHeader } = await jwtVerify(t, key, { algorithms: ['ES256'], audience });
  if (protectedHeader.alg !== 'ES256') throw new Error('not ES256');
  if (typeof payload.exp !== 'number' || payload.exp > Date.now() / 1000 + 24 * 3600) throw new Error('exp missing or beyond 24 h');
  if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) throw new Error('sub is not a contact');
  return { vapidKey: k, jwt: payload };
}

/** RFC 8291 §3.4 and RFC 8188: one aes128gcm record, keyed from the ECDH secret and the auth secret. */
function decrypt(body: Buffer, ecdh: ReturnType<typeof createECDH>, auth: Buffer): Buffer {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const shared = ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // RFC 8188 §2: the last record ends with 0x02 then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('bad padding delimiter');
  return padded.subarray(0, end);
}
