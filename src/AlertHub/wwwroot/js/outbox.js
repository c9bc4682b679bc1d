// No silent failure (R13): every action a person takes on an alert — an answer, an update, the kind, resolving,
// cancelling — is kept here until the hub took it. Its state is on the screen ("wordt verstuurd", "verstuurd",
// "geen verbinding — wordt verstuurd zodra er verbinding is", "mislukt — opnieuw"); it is sent again with the
// same Idempotency-Key when the connection returns, also after the app was closed (the queue is in
// localStorage); a refusal is shown in the server's Dutch words, never as "Failed to fetch" or a hub exception.
// Actions go out one at a time in the order they were given, so a later answer is never overtaken by an earlier one.
import { api, ApiError, errorText, isTransient, newId } from './api.js';
import { t } from './i18n.js';

const KEY = 'alerthub.outbox';
// An answer or update older than this is no news any more: shown as failed instead of sent late.
const MAX_AGE_MS = 60 * 60 * 1000;
const SENT_VISIBLE_MS = 4000;
const RETRY_MS = [1000, 2000, 5000, 10000];

class Outbox {
  constructor() {
    this.items = load();
    this.listeners = new Set();
    this.flushing = null;
    this.again = false;
    this.timer = null;
    this.attempt = 0;
    window.addEventListener('online', () => this.flush());
    window.addEventListener('alerthub:signed-out', () => {
      this.items = [];
      this.save();
      this.emit(null);
    });
  }

  /**
   * Queues an action and starts sending. action: 'acknowledgements' | 'updates' | 'kind' | 'resolve' | 'cancel';
   * label: the Dutch words for it on the screen ("Uw antwoord ‘Onderweg’").
   */
  submit(personId, { alertId, action, body, label }) {
    const item = { id: newId(), personId, alertId, action, body, label, state: 'sending', error: null, createdAt: Date.now() };
    this.items.push(item);
    this.save();
    this.emit(item);
    this.flush();
    return item;
  }

  /** The actions of this person on this alert that are not settled (or were just sent). */
  of(personId, alertId) {
    return this.items.filter((i) => i.personId === personId && i.alertId === alertId);
  }

  retry(id) {
    const item = this.items.find((i) => i.id === id);
    if (item && item.state === 'failed') {
      item.state = 'sending';
      item.error = null;
      item.createdAt = Date.now();
      this.save();
      this.emit(item);
      this.flush();
    }
  }

  dismiss(id) {
    this.items = this.items.filter((i) => i.id !== id);
    this.save();
    this.emit(null);
  }

  /** listener(item | null, alert | null): an item changed state; alert is the server's answer when it was sent. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends what is waiting, oldest first; stops at the first that cannot get through (order is kept). */
  flush() {
    clearTimeout(this.timer);
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    // The promise is stored before the work runs (an empty queue would otherwise finish first and leave a
    // settled promise behind that every later flush mistakes for one in progress).
    this.flushing = Promise.resolve().then(() => this.drain()).finally(() => {
      this.flushing = null;
      if (this.again) {
        this.flush(); // asked again after the last pass looked at the queue
      }
    });
    return this.flushing;
  }

  async drain() {
    do {
      this.again = false;
      for (const item of this.items.filter((i) => i.state === 'sending' || i.state === 'waiting')) {
        if (!await this.send(item)) {
          this.timer = setTimeout(() => this.flush(), RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)]);
          return;
        }
      }
      this.attempt = 0;
    } while (this.again);
  }

  /** True when settled (sent, or refused for good); false when it should be tried again later. */
  async send(item) {
    if (Date.now() - item.createdAt > MAX_AGE_MS) {
      this.settle(item, 'failed', { error: t('outbox.tooOld') });
      return true;
    }
    if (item.state !== 'sending') {
      item.state = 'sending';
      this.emit(item);
    }
    try {
      const alert = await api('POST', `/api/alerts/${item.alertId}/${item.action}`, {
        body: item.body, headers: { 'Idempotency-Key': item.id },
      });
      this.settle(item, 'sent', { alert });
      return true;
    } catch (e) {
      if (isTransient(e)) {
        item.state = 'waiting';
        this.save();
        this.emit(item);
        return false;
      }
      // Closing or cancelling again after the first try got through: the alert is closed, as asked.
      if (e instanceof ApiError && e.status === 409 && (item.action === 'cancel' || item.action === 'resolve')) {
        const alert = await api('GET', `/api/alerts/${item.alertId}`).catch(() => null);
        if (alert && alert.status === (item.action === 'cancel' ? 'cancelled' : 'resolved')) {
          this.settle(item, 'sent', { alert });
          return true;
        }
      }
      this.settle(item, 'failed', { error: errorText(e) });
      return true;
    }
  }

  settle(item, state, { alert = null, error = null }) {
    item.state = state;
    item.error = error;
    this.save();
    this.emit(item, alert);
    if (state === 'sent') {
      setTimeout(() => this.dismiss(item.id), SENT_VISIBLE_MS);
    }
  }

  save() {
    try {
      localStorage.setItem(KEY, JSON.stringify(this.items.filter((i) => i.state !== 'sent')));
    } catch {
      // storage full or blocked: the queue still works for this page
    }
  }

  emit(item, alert = null) {
    for (const listener of this.listeners) {
      listener(item, alert);
    }
  }
}

function load() {
  try {
    const items = JSON.parse(localStorage.getItem(KEY)) || [];
    // What was being sent when the app closed is sent again (same key: the hub takes it once).
    return items.map((i) => (i.state === 'sending' ? { ...i, state: 'waiting' } : i));
  } catch {
    return [];
  }
}

export const outbox = new Outbox();
