// Caches the app shell only, so the app opens without a network. API calls, the hub and the SMS
// links are never cached: alerts must always be live (and are not left on the device).
const CACHE = 'alerthub-shell-v11';
const SHELL = [
  '/', '/index.html', '/manifest.webmanifest', '/css/app.css', '/i18n/nl.json',
  '/js/app.js', '/js/api.js', '/js/i18n.js', '/js/ui.js', '/js/live.js', '/js/store.js', '/js/alertView.js', '/js/alarm.js', '/js/push.js',
  '/js/outbox.js', '/js/outboxView.js',
  '/js/screens/login.js', '/js/screens/coordinator.js', '/js/screens/partner.js', '/js/screens/evaluations.js',
  '/js/screens/admin.js', '/js/screens/integrations.js', '/js/screens/dashboard.js', '/js/screens/devices.js', '/js/screens/coverage.js',
  '/lib/signalr.min.js', '/lib/signalr-protocol-msgpack.min.js', '/lib/chart.umd.min.js', '/icons/icon-192.png', '/icons/icon-512.png',
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

// ---- Web Push (CONTRACT v2, issue 14): a locked phone or a closed app still rings.
// The payload names the alert only (school, kind, time): it may show on a lock screen. Texts come from
// nl.json like the app's. Receipt and answers go over HTTP with a token from the device cookie, so they
// work while no page is open.

async function texts() {
  const response = (await caches.match('/i18n/nl.json')) || (await fetch('/i18n/nl.json'));
  return response.json();
}

function format(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? '');
}

async function deviceToken() {
  const response = await fetch('/api/auth/device/refresh', {
    method: 'POST', credentials: 'same-origin', headers: { 'X-AlertHub-Device': '1' },
  });
  if (!response.ok) {
    throw new Error(`refresh ${response.status}`);
  }
  return (await response.json()).accessToken;
}

async function post(path, body) {
  const token = await deviceToken();
  const response = await fetch(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) {
    throw new Error(`${path} ${response.status}`);
  }
}

self.addEventListener('push', (event) => {
  let data = null;
  try {
    data = event.data?.json();
  } catch {
    return;
  }
  if (data?.type === 'check') {
    // Issue 17: the silent opening check. This device is alive: answer, show nothing.
    event.waitUntil(post(`/api/readiness/checks/${data.checkId}/answer`, { via: 'webpush' }).catch(() => {}));
    return;
  }
  if (data?.type !== 'alert') {
    return;
  }
  event.waitUntil((async () => {
    const t = await texts();
    const time = new Date(data.raisedAt).toLocaleTimeString('nl-NL', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Amsterdam' });
    const kind = t[`kind.${data.kind}`] || t['kind.other'];
    // Issue 17: a new instruction rings again, saying there is one (its words only in the app, after sign-in).
    const title = data.instruction ? format(t['push.instructionTitle'], { kind }) : format(t['alert.notificationTitle'], { kind });
    const body = data.instruction ? format(t['push.instructionBody'], { school: data.schoolName }) : format(t['alert.notificationBody'], { school: data.schoolName, time });
    await self.registration.showNotification(
      (data.drill ? `${t['push.drill']} ` : '') + title,
      {
        body,
        // One notification per alert; an escalation or a repeat replaces it and rings again.
        tag: `alert-${data.alertId}`,
        renotify: true,
        requireInteraction: true,
        vibrate: [400, 200, 400, 200, 400, 200, 400],
        icon: '/icons/icon-192.png',
        badge: '/icons/icon-192.png',
        data,
        actions: [{ action: 'on_my_way', title: t['response.on_my_way'] }, { action: 'seen', title: t['response.seen'] }],
      });
    if (data.instruction) {
      return;
    }
    // R3: the device has it — this stops this person's SMS fallback.
    await post(`/api/alerts/${data.alertId}/receipt`).catch(() => {});
  })());
});

self.addEventListener('notificationclick', (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  if (event.action === 'on_my_way' || event.action === 'seen') {
    // Answered from the lock screen, without opening the app; if that fails, the app opens on the alert.
    event.waitUntil(post(`/api/alerts/${data.alertId}/acknowledgements`, { response: event.action })
      .catch(() => self.clients.openWindow(data.url || '/')));
    return;
  }
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
    if (open) {
      await open.focus();
      return open.navigate?.(data.url || '/');
    }
    return self.clients.openWindow(data.url || '/');
  })());
});
