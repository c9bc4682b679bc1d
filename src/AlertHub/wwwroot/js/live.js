// The live connection to /hubs/alerts. It reconnects by itself (forever, with backoff), goes
// offline deliberately when the browser says so, and after every (re)connect — and whenever the
// page becomes visible again — reads the change feed (GetChangesSince) from the store's cursor, so
// whatever was raised, answered, updated, resolved or cancelled meanwhile reaches the screen.
// Every alert goes into the shared store, which keeps only newer versions; screens listen to the
// store and get the connection state through onState.
import { accessToken, api, renew } from './api.js';

const signalR = window.signalR;

export class LiveAlerts {
  constructor({ store, onState, onSynced }) {
    this.store = store;
    this.onState = onState;
    this.onSynced = onSynced;
    this.stopped = false;
    this.retryTimer = null;
    const builder = new signalR.HubConnectionBuilder()
      // deltas=1 (issue 16): a coordinator or team lead hears of receipts as the changed recipients only.
      .withUrl('/hubs/alerts?deltas=1', { accessTokenFactory: () => accessToken() })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(500 * 2 ** ctx.previousRetryCount, 10000) })
      .configureLogging(signalR.LogLevel.None);
    // MessagePack (issue 16): the same objects as JSON (the hub keeps the contract's names and strings), smaller on the
    // wire. Without the protocol script (an old cached shell) the app speaks JSON, which the hub serves as well.
    this.protocol = signalR.protocols?.msgpack ? 'messagepack' : 'json';
    if (this.protocol === 'messagepack') {
      builder.withHubProtocol(new signalR.protocols.msgpack.MessagePackHubProtocol());
    }
    this.connection = builder.build();
    this.connection.on('AlertRaised', (alert) => this.store.put(alert, 'raised'));
    this.connection.on('AlertUpdated', (alert) => this.store.put(alert, 'updated'));
    // A delta that does not fit what is held (one was missed, or came out of order): the feed has the whole state.
    this.connection.on('AlertRecipientsChanged', (delta) => {
      if (!this.store.applyRecipients(delta)) {
        this.sync();
      }
    });
    // Issue 17: the opening check; an open app is a working device and says so by itself.
    this.connection.on('ReadinessCheck', (ping) => this.connection.invoke('AnswerReadinessCheck', ping.checkId).catch(() => {}));
    this.connection.onreconnecting(() => {
      this.state('offline');
      this.askCookie();
    });
    this.connection.onreconnected(() => this.connected());
    // Automatic reconnect gives up only when told to stop; anything else is retried here.
    this.connection.onclose(() => {
      this.askCookie();
      this.scheduleStart();
    });
    this.goOffline = () => {
      this.state('offline');
      this.connection.stop();
    };
    this.goOnline = () => this.scheduleStart(0);
    // A phone that slept may have missed pushes without the connection noticing: ask again when shown.
    this.becameVisible = () => {
      if (document.visibilityState !== 'visible') {
        return;
      }
      if (this.isConnected) {
        this.sync();
      } else {
        this.scheduleStart(0);
      }
    };
    window.addEventListener('offline', this.goOffline);
    window.addEventListener('online', this.goOnline);
    document.addEventListener('visibilitychange', this.becameVisible);
  }

  async start() {
    if (this.stopped || this.connection.state !== signalR.HubConnectionState.Disconnected) {
      return;
    }
    if (!navigator.onLine) {
      this.state('offline');
      return;
    }
    this.state('connecting');
    try {
      await this.connection.start();
    } catch {
      this.state('offline');
      this.askCookie();
      // The screen still shows what there is: the same feed over HTTP, if that gets through.
      this.sync((cursor) => api('GET', cursor === null ? '/api/changes' : `/api/changes?cursor=${encodeURIComponent(cursor)}`));
      this.scheduleStart();
      return;
    }
    await this.connected();
  }

  /**
   * A drop with the network up may mean this device was ended (the hub closes its connections): the cookie
   * says so, and the app then shows "Sessie verlopen" instead of reconnecting forever.
   */
  askCookie() {
    if (!this.stopped && navigator.onLine) {
      renew();
    }
  }

  scheduleStart(delay = 2000) {
    if (this.stopped) {
      return;
    }
    if (!navigator.onLine || this.connection.state === signalR.HubConnectionState.Disconnected) {
      this.state('offline');
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.start(), delay);
  }

  async connected() {
    this.state('online');
    await this.sync();
  }

  /** Reads the change feed from the stored cursor (over the hub unless another way is given). */
  async sync(fetchPage = (cursor) => this.connection.invoke('GetChangesSince', cursor)) {
    try {
      await this.store.sync(fetchPage);
    } catch {
      // The next reconnect (or the page becoming visible) asks again from the same cursor.
      return;
    }
    if (!this.stopped) {
      this.onSynced?.();
    }
  }

  state(value) {
    // A screen that was left must not paint its connection state over the next one.
    if (!this.stopped) {
      this.onState?.(value);
    }
  }

  confirmReceipt(alertId) {
    return this.connection.invoke('ConfirmReceipt', alertId);
  }

  get isConnected() {
    return this.connection.state === signalR.HubConnectionState.Connected;
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener('offline', this.goOffline);
    window.removeEventListener('online', this.goOnline);
    document.removeEventListener('visibilitychange', this.becameVisible);
    await this.connection.stop();
  }
}
