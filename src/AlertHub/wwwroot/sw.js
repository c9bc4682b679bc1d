// Caches the app shell only, so the app opens without a network. API calls, the hub and the SMS
// links are never cached: alerts must always be live (and are not left on the device).
const CACHE = 'alerthub-shell-v4';
const SHELL = [
  '/', '/index.html', '/manifest.webmanifest', '/css/app.css', '/i18n/nl.json',
  '/js/app.js', '/js/api.js', '/js/i18n.js', '/js/ui.js', '/js/live.js', '/js/store.js', '/js/alertView.js', '/js/alarm.js',
  '/js/screens/login.js', '/js/screens/coordinator.js', '/js/screens/partner.js', '/js/screens/evaluations.js',
  '/js/screens/admin.js', '/js/screens/dashboard.js', '/js/screens/devices.js',
  '/lib/signalr.min.js', '/lib/chart.umd.min.js', '/icons/icon-192.png', '/icons/icon-512.png',
];
const SHELL_PATHS = new Set(SHELL);

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) {
    return;
  }
  const path = event.request.mode === 'navigate' && url.pathname === '/' ? '/' : url.pathname;
  if (!SHELL_PATHS.has(path)) {
    return;
  }
  // Network first so a new version arrives at once; the cache only when the network is gone.
  event.respondWith(fetch(event.request)
    .then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(path, copy));
      }
      return response;
    })
    .catch(() => caches.match(path)));
});
