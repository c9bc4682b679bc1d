// Partner: the live inbox. New alerts ring, vibrate and notify; answers go over the hub
// (or HTTP when the hub is down); after every reconnect the hub is asked what was missed.
import { api } from '../api.js';
import { t, formatTime } from '../i18n.js';
import { h, mount, message } from '../ui.js';
import { LiveAlerts } from '../live.js';
import { alertHeader, timeline } from '../alertView.js';

const RESPONSES = ['seen', 'on_my_way', 'on_scene', 'unable'];
let audio = null;

export function partnerScreen(root, { me, setConnection }) {
  const alerts = new Map();
  const list = h('ul.inbox', { dataset: { testid: 'inbox' } });
  const errors = h('div');

  const live = new LiveAlerts({
    onAlert: (kind, alert) => {
      const known = alerts.has(alert.id);
      alerts.set(alert.id, alert);
      const mine = alert.recipients.find((r) => r.personId === me.personId);
      if (alert.status === 'open' && mine && (kind === 'raised' || (!known && ['pending', 'pushed'].includes(mine.delivery)))) {
        live.confirmReceipt(alert.id);
      }
      if (!known && alert.status === 'open') {
        ring(alert);
      }
      render();
    },
    onState: setConnection,
  });
  // Alerts that changed while we were away (e.g. cancelled) are fetched again after a reconnect.
  live.onCatchUp = async () => {
    for (const alert of [...alerts.values()].filter((a) => a.status === 'open')) {
      const mine = alert.recipients.find((r) => r.personId === me.personId);
      if (mine && ['pending', 'pushed'].includes(mine.delivery)) {
        live.confirmReceipt(alert.id);
      }
      try {
        alerts.set(alert.id, await api('GET', `/api/alerts/${alert.id}`));
      } catch {
        // Shown as it was; the next reconnect tries again.
      }
    }
    render();
  };

  const enable = h('button.secondary', { type: 'button', dataset: { testid: 'enable-alerts' } }, t('alert.notifications'));
  enable.addEventListener('click', async () => {
    unlockAudio();
    if ('Notification' in window && Notification.permission === 'default') {
      await Notification.requestPermission();
    }
    enable.textContent = t('alert.notificationsOn');
    enable.disabled = true;
  });

  function render() {
    const sorted = [...alerts.values()].sort((a, b) => b.sequence - a.sequence);
    if (!sorted.length) {
      mount(list, h('li.muted', {}, t('alert.emptyInbox')));
      return;
    }
    mount(list, sorted.map(card));
  }

  function card(alert) {
    const mine = alert.recipients.find((r) => r.personId === me.personId);
    return h(`li.card.alert-card.alert-${alert.status}`, { dataset: { alertId: alert.id, testid: 'alert-card' } },
      alertHeader(alert),
      mine?.response
        ? h('p.your-answer', { dataset: { testid: 'your-answer' } },
          t('alert.yourAnswer', { answer: `${t(`response.${mine.response}`)} (${formatTime(mine.respondedAt)})` }))
        : null,
      alert.status === 'open' && mine
        ? h('div.answers', {}, RESPONSES.map((r) => h(`button.answer.answer-${r}`, {
          type: 'button',
          'aria-pressed': String(mine.response === r),
          onclick: () => answer(alert, r),
        }, t(`response.${r}`))))
        : null,
      h('details', { open: alert.status === 'open' }, h('summary', {}, t('alert.timeline')), timeline(alert)));
  }

  async function answer(alert, response) {
    errors.replaceChildren();
    try {
      const updated = live.isConnected
        ? await live.acknowledge(alert.id, response)
        : await api('POST', `/api/alerts/${alert.id}/acknowledgements`, { body: { response } });
      alerts.set(updated.id, updated);
      render();
    } catch (e) {
      mount(errors, message(e.problem?.detail || e.message || t('app.error'), 'error'));
    }
  }

  function ring(alert) {
    beep();
    navigator.vibrate?.([400, 200, 400, 200, 400]);
    if ('Notification' in window && Notification.permission === 'granted' && document.visibilityState !== 'visible') {
      // Names and notes stay out of the notification: it can show on a locked screen.
      new Notification(t('alert.notificationTitle', { kind: t(`kind.${alert.kind}`) }), {
        body: t('alert.notificationBody', { school: alert.schoolName, time: formatTime(alert.raisedAt) }),
        tag: alert.id,
        icon: '/icons/icon-192.png',
      });
    }
  }

  mount(root, h('div.toolbar', {}, enable), errors, h('h2', {}, t('nav.inbox')), list);
  render();
  (async () => {
    try {
      for (const alert of await api('GET', '/api/alerts')) {
        alerts.set(alert.id, alert);
        live.seen(alert);
      }
    } catch {
      // The hub's catch-up fills the inbox once it connects.
    }
    render();
    live.start();
  })();

  return () => live.stop();
}

function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (Context) {
    audio ??= new Context();
    audio.resume?.();
  }
}

/** Three short beeps through WebAudio; silent until the user has tapped once (browser rule). */
function beep() {
  try {
    unlockAudio();
    if (!audio) {
      return;
    }
    const start = audio.currentTime;
    for (let i = 0; i < 3; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.3;
      osc.connect(gain).connect(audio.destination);
      osc.start(start + i * 0.35);
      osc.stop(start + i * 0.35 + 0.2);
    }
  } catch {
    // No sound is better than a broken inbox.
  }
}
