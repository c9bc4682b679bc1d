// The live connection to /hubs/alerts. It reconnects by itself (forever, with backoff), goes
// offline deliberately when the browser says so, and after every (re)connect asks the hub for
// what it missed. Screens get alerts through onAlert and the state through onState.
import { accessToken } from './api.js';

const signalR = window.signalR;

export class LiveAlerts {
  constructor({ onAlert, onState }) {
    this.onAlert = onAlert;
    this.onState = onState;
    this.lastSequence = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl('/hubs/alerts', { accessTokenFactory: () => accessToken() })
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(500 * 2 ** ctx.previousRetryCount, 10000) })
      .configureLogging(signalR.LogLevel.None)
      .build();
    this.connection.on('AlertRaised', (alert) => this.receive('raised', alert));
    this.connection.on('AlertUpdated', (alert) => this.receive('updated', alert));
    this.connection.onreconnecting(() => this.state('offline'));
    this.connection.onreconnected(() => this.connected());
    // Automatic reconnect gives up only when told to stop; anything else is retried here.
    this.connection.onclose(() => this.scheduleStart());
    this.goOffline = () => {
      this.state('offline');
      this.connection.stop();
    };
    this.goOnline = () => this.scheduleStart(0);
    window.addEventListener('offline', this.goOffline);
    window.addEventListener('online', this.goOnline);
  }

  /** Alerts already loaded over HTTP set the starting point of the catch-up. */
  seen(alert) {
    this.lastSequence = Math.max(this.lastSequence, alert.sequence || 0);
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
      await this.connected();
    } catch {
      this.state('offline');
      this.scheduleStart();
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
    try {
      const missed = await this.connection.invoke('GetAlertsSince', this.lastSequence);
      for (const alert of missed) {
        this.receive('missed', alert);
      }
      this.onCatchUp?.();
    } catch {
      // The next reconnect catches up again.
    }
  }

  receive(kind, alert) {
    this.seen(alert);
    this.onAlert(kind, alert);
  }

  state(value) {
    // A screen that was left must not paint its connection state over the next one.
    if (!this.stopped) {
      this.onState?.(value);
    }
  }

  confirmReceipt(alertId) {
    return this.connection.invoke('ConfirmReceipt', alertId).catch(() => {});
  }

  acknowledge(alertId, response) {
    return this.connection.invoke('Acknowledge', alertId, response);
  }

  get isConnected() {
    return this.connection.state === signalR.HubConnectionState.Connected;
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener('offline', this.goOffline);
    window.removeEventListener('online', this.goOnline);
    await this.connection.stop();
  }
}
