// Web Push for this device (CONTRACT v2): once notifications are allowed, the browser's push subscription is
// registered with the hub, so an alert reaches a locked phone or a closed app. Calling it again is harmless
// (the same endpoint answers 200).
import { api } from './api.js';

function fromBase64Url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** @returns true when this device is registered for Web Push. */
export async function ensurePush() {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)
    || Notification.permission !== 'granted') {
    return false;
  }
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (!subscription) {
    const { publicKey } = await api('GET', '/api/push/public-key');
    subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64Url(publicKey) });
  }
  await api('POST', '/api/push/subscriptions', { body: subscription.toJSON() });
  return true;
}
