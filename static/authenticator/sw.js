// The Gatehouse Authenticator's service worker: keeps the app's files so that codes work without a
// network, shows a notification for each request that arrives by Web Push, and opens the app on the
// request when the notification is tapped. It never touches the API's requests.
const CACHE = 'gatehouse-authenticator-v1';
const SHELL = [
  './',
  'app.js', 'accounts-view.js', 'api.js', 'device-key.js', 'encoding.js', 'enroll-view.js', 'push.js',
  'request-view.js', 'requests.js', 'screen-lock.js', 'store.js', 'totp.js', 'ui.js',
  'app.css', 'icon.svg', 'icon-maskable.svg', 'manifest.webmanifest',
  '/static/gatehouse.css', '/static/vendor/simplewebauthn-browser.js',
].map((path) => new URL(path, self.registration.scope).href);

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('gatehouse-authenticator-') && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

// The network first, so a new version shows at once when online; the kept copy when offline.
self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  const isApp = req.mode === 'navigate' && url.href.startsWith(self.registration.scope);
  const key = isApp ? self.registration.scope : url.origin + url.pathname;
  if (!isApp && !SHELL.includes(key)) return;
  event.respondWith(
    fetch(req).then(
      (res) => {
        if (res.ok) {
          const copy = res.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(key, copy)));
        }
        return res;
      },
      async () => (await caches.match(key)) ?? Response.error(),
    ),
  );
});

// docs/authenticator-api.md, "Web Push": {"type":"challenge","id","app","expiresAt"}. The number
// to type is never in it; the app fetches the details when opened.
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    /* an unreadable payload still gets a notification: userVisibleOnly promises one */
  }
  const app = typeof data.app === 'string' && data.app ? data.app.slice(0, 80) : 'an app';
  const id = typeof data.id === 'string' ? data.id : '';
  event.waitUntil(
    self.registration.showNotification(`Approve sign-in to ${app}?`, {
      body: 'Tap to review it and type the number shown on the sign-in page.',
      tag: id ? `challenge-${id}` : 'challenge',
      icon: new URL('icon.svg', self.registration.scope).href,
      requireInteraction: true,
      data: { id },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const id = event.notification.data?.id ?? '';
  const url = new URL(id ? `./#challenge=${encodeURIComponent(id)}` : './', self.registration.scope).href;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
      const open = windows.find((w) => w.url.startsWith(self.registration.scope));
      if (!open) return self.clients.openWindow(url);
      // The message first: a browser may refuse the focus, the open app still shows the request.
      open.postMessage({ type: 'open-challenge', id });
      await open.focus().catch(() => {});
    }),
  );
});
