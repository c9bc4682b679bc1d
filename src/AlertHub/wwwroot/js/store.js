// The alerts of the signed-in person, shared by every screen: one entry per alert id with the highest
// version seen (CONTRACT v2). Pushes, API answers and change-feed entries all go through put(); anything
// not newer than what is held is dropped, because the same push may arrive twice or after a newer one.
// The feed cursor stays with the alerts (in memory, for this page): after a reload both start again from
// the feed's beginning, so a cursor can never skip alerts the page no longer holds.

class AlertStore {
  constructor(personId) {
    this.personId = personId;
    this.alerts = new Map();
    this.cursor = null;
    this.listeners = new Set();
    this.running = null;
    this.again = false;
  }

  get(id) {
    return this.alerts.get(id);
  }

  values() {
    return [...this.alerts.values()];
  }

  /**
   * Takes an alert if it is newer than the one held. source: 'raised' / 'updated' (pushes), 'api', 'feed',
   * or 'initial' (the first feed of this page: the state found, not news). Returns whether it was taken.
   */
  put(alert, source) {
    if (!alert?.id) {
      return false;
    }
    const held = this.alerts.get(alert.id);
    if (held && !((alert.version ?? 0) > (held.version ?? 0))) {
      return false;
    }
    this.alerts.set(alert.id, alert);
    for (const listener of this.listeners) {
      listener({ alert, isNew: !held, source });
    }
    return true;
  }

  /**
   * Issue 16: receipts and SMS states as a delta { alertId, baseVersion, version, recipients } (a follower's
   * connection asks for it). Taken when the held alert's version is at least baseVersion and below version: the
   * recipients in it are whole, so taking them again is harmless. Dropped when what is held is as new. Returns
   * false when it cannot be taken (an older version held, or the alert not at all): the caller reads the feed.
   */
  applyRecipients(delta) {
    const held = delta?.alertId ? this.alerts.get(delta.alertId) : undefined;
    if (!held) {
      return false;
    }
    const version = held.version ?? 0;
    if (version >= delta.version) {
      return true;
    }
    if (version < delta.baseVersion) {
      return false;
    }
    const changed = new Map((delta.recipients || []).map((r) => [r.personId, r]));
    const recipients = (held.recipients || []).map((r) => changed.get(r.personId) ?? r);
    for (const r of changed.values()) {
      if (!recipients.some((h) => h.personId === r.personId)) {
        recipients.push(r);
      }
    }
    const alert = { ...held, version: delta.version, recipients };
    this.alerts.set(alert.id, alert);
    for (const listener of this.listeners) {
      listener({ alert, isNew: false, source: 'updated' });
    }
    return true;
  }

  /** Calls listener({ alert, isNew, source }) for every alert taken; returns the unsubscribe function. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads the change feed from the stored cursor until it says there is no more; fetchPage(cursor) returns
   * { alerts, cursor, more }. One sync at a time: a request made while one runs is served by one more round
   * after it. The cursor moves on only after a page was taken, so a failure half-way resumes from there.
   */
  sync(fetchPage) {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          // Every page of a read from no cursor is the state found, not news (no ringing for it).
          const source = this.cursor === null ? 'initial' : 'feed';
          for (let page = 0; page < 1000; page++) {
            const from = this.cursor;
            const changes = await fetchPage(from);
            for (const alert of changes.alerts || []) {
              this.put(alert, source);
            }
            this.cursor = changes.cursor ?? from;
            if (!changes.more || this.cursor === from) {
              break;
            }
          }
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}

let current = null;

/** The store of the signed-in person; a different person gets a fresh one. */
export function alertStore(me) {
  if (!current || current.personId !== me.personId) {
    current = new AlertStore(me.personId);
  }
  return current;
}

/** Forgets every alert and the cursor (on signing out). */
export function resetAlertStore() {
  current = null;
}
