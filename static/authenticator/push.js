// Web Push: a subscription for the server's VAPID key, when the person allows notifications.
// Any failure gives null: enrollment goes on without push, and the app still learns of requests
// through the wait endpoint while it is open.
import { base64url, fromBase64url } from './encoding.js';

const within = (ms, promise) => Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(null), ms))]);

/** Asks for permission; call it while the person's tap still counts as a user gesture. */
export async function askToNotify() {
  if (!('Notification' in window) || !('PushManager' in window)) return false;
  try {
    return (await Notification.requestPermission()) === 'granted';
  } catch {
    return false;
  }
}

export async function subscribePush(vapidPublicKey) {
  if (!vapidPublicKey || !('serviceWorker' in navigator) || Notification.permission !== 'granted') return null;
  try {
    const registration = await within(5000, navigator.serviceWorker.ready);
    if (!registration) return null;
    let subscription = await registration.pushManager.getSubscription();
    // One subscription per installed app: a server whose key differs from the one subscribed
    // already goes without push rather than taking notifications away from the other account.
    if (subscription) {
      const key = subscription.options.applicationServerKey;
      if (!key || base64url(key) !== vapidPublicKey) return null;
    } else {
      // Chromium without a network never settles subscribe(): don't let that hold enrollment.
      subscription = await within(8000, registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64url(vapidPublicKey) }));
      if (!subscription) return null;
    }
    const { endpoint, keys } = subscription.toJSON();
    return endpoint && keys?.p256dh && keys?.auth ? { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } } : null;
  } catch {
    return null;
  }
}
