import type { Agent } from 'node:https';
import webpush, { WebPushError } from 'web-push';

/** A Web Push subscription as the browser's PushManager gives it (RFC 8030 endpoint, RFC 8291 keys). */
export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** The server's VAPID key pair (RFC 8292), base64url as web-push takes it (kept by ./vapid.ts). */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** What is pushed to a device: no number, no secret — the app fetches the details with `GET /challenges`. */
export interface PushPayload {
  type: 'challenge';
  id: string;
  app: string;
  expiresAt: number;
}

/**
 * The outcome of one push: `gone` when the push service says the subscription no longer exists
 * (404/410, RFC 8030 §7.3), so the caller drops it; `failed` for anything else (never fatal: the
 * device still learns of the request through its wait stream).
 */
export type SendResult = 'sent' | 'gone' | 'failed';

/**
 * Delivers a payload to one device. Gatehouse ships the standard Web Push sender (RFC 8030 / 8291 /
 * 8292), which reaches browsers and installed web apps on every platform through their own push
 * services, with no vendor SDK.
 *
 * Adding a native channel later is one more implementation of this interface, chosen by the
 * subscription's shape: for FCM, POST `https://fcm.googleapis.com/v1/projects/{project}/messages:send`
 * with an OAuth 2 access token from a service-account key (a JWT grant signed with `jose`) and the
 * device's registration token; for APNs, an HTTP/2 POST to `api.push.apple.com/3/device/{token}`
 * with an ES256 provider JWT (`jose`, key id and team id from configuration). Both would keep the
 * payload above (ids only) and map their "unregistered" answers to `gone`.
 */
export interface PushSender {
  send(subscription: PushSubscription, payload: PushPayload): Promise<SendResult>;
}

export interface WebPushOptions {
  vapid: VapidKeys;
  /** `mailto:` or `https:` contact for push services (RFC 8292 §2.1). */
  subject: string;
  /** For tests: the local push service's self-signed certificate. */
  agent?: Agent;
  /** How long a push service keeps an undelivered message, seconds. @default 60, a request's lifetime */
  ttlSeconds?: number;
}

/** The Web Push sender: `aes128gcm` payload encryption and a VAPID JWT, by the `web-push` library. */
export function webPushSender(o: WebPushOptions): PushSender {
  return {
    async send(subscription, payload) {
      try {
        await webpush.sendNotification(subscription, JSON.stringify(payload), {
          vapidDetails: { subject: o.subject, publicKey: o.vapid.publicKey, privateKey: o.vapid.privateKey },
          TTL: o.ttlSeconds ?? 60,
          contentEncoding: 'aes128gcm',
          urgency: 'high',
          timeout: 5_000,
          ...(o.agent ? { agent: o.agent } : {}),
        });
        return 'sent';
      } catch (err) {
        if (err instanceof WebPushError && (err.statusCode === 404 || err.statusCode === 410)) return 'gone';
        console.error('[gatehouse] push not delivered:', err instanceof WebPushError ? `HTTP ${err.statusCode}` : (err as Error).message);
        return 'failed';
      }
    },
  };
}

/** The VAPID subject for an issuer: the issuer itself when https, else the sender address of mail. */
export function vapidSubject(issuer: string, mailFrom: string): string {
  if (issuer.startsWith('https://')) return issuer;
  const address = /<([^>]+)>/.exec(mailFrom)?.[1] ?? mailFrom;
  return `mailto:${address.trim()}`;
}
