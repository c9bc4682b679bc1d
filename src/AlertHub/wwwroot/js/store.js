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
