// Partner: the live inbox. New alerts ring, vibrate and notify; answers go over the hub
// (or HTTP when the hub is down); the shared store keeps the newest version of every alert and the
// change feed brings what was missed after every reconnect.
import { api } from '../api.js';
import { t, formatTime } from '../i18n.js';
import { h, mount, message } from '../ui.js';
import { LiveAlerts } from '../live.js';
import { alertStore } from '../store.js';
import { alertHeader, timeline } from '../alertView.js';
import { alarm, unlockAudio } from '../alarm.js';
import { ensurePush } from '../push.js';

const RESPONSES = ['seen', 'on_my_way', 'on_scene', 'unable'];
// Not yet confirmed by any device: 'pending' since v2 (a v1 hub said 'pushed' for the same thing).
const UNCONFIRMED = ['pending', 'pushed'];

export function partnerScreen(root, { me, params, setConnection }) {
  // #/inbox/{id}: opened from a push or an SMS link — that alert is brought into view once it is here.
  const focus = params?.[0] || null;
  let scrolled = false;
  const store = alertStore(me);
  // Receipts sent (or being sent) from this screen; a failed one is dropped here and sent again later.
  const confirming = new Set();
  const list = h('ul.inbox', { dataset: { testid: 'inbox' } });
  const errors = h('div');
  // A screen reader hears a new alert at once, whatever it was reading.
  const announcer = h('div.sr-only', { role: 'alert', 'aria-live': 'assertive', dataset: { testid: 'announcer' } });

  const live = new LiveAlerts({
    store,
    onState: setConnection,
    onSynced: () => {
      for (const alert of store.values()) {
        confirm(alert);
      }
      render();
    },
  });
  const unsubscribe = store.subscribe(({ alert, isNew, source }) => {
    confirm(alert);
    // What the first read of this page finds is the inbox as it stands, not news.
    if (isNew && alert.status === 'open' && source !== 'initial') {
      ring(alert);
    }
    render();
  });

  /** R3: tells the hub this device has the alert, which stops its SMS fallback. */
  function confirm(alert) {
    const mine = alert.recipients?.find((r) => r.personId === me.personId);
    if (alert.status !== 'open' || !mine || !UNCONFIRMED.includes(mine.delivery) || confirming.has(alert.id) || !live.isConnected) {
      return;
    }
    confirming.add(alert.id);
    live.confirmReceipt(alert.id).catch(() => confirming.delete(alert.id));
  }

  const enable = h('button.secondary', { type: 'button', dataset: { testid: 'enable-alerts' } }, t('alert.notifications'));
  enable.addEventListener('click', async () => {
    unlockAudio();
    if ('Notification' in window && Notification.permission === 'default') {
      await Notification.requestPermission();
    }
    // With permission, the phone is registered for Web Push: alerts then also reach it when the app is closed.
    const pushed = await ensurePush().catch(() => false);
    enable.textContent = pushed ? t('push.enabled') : t('alert.notificationsOn');
    enable.disabled = true;
  });

  function render() {
    const sorted = store.values().sort((a, b) => b.sequence - a.sequence);
    if (!sorted.length) {
      mount(list, h('li.muted', {}, t('alert.emptyInbox')));
      return;
    }
    mount(list, sorted.map(card));
    const wanted = focus && list.querySelector(`[data-alert-id="${CSS.escape(focus)}"]`);
    if (wanted) {
      // Every render rebuilds the cards: the mark stays, the scroll happens once.
      wanted.classList.add('focused');
      wanted.setAttribute('tabindex', '-1');
      if (!scrolled) {
        scrolled = true;
        wanted.scrollIntoView?.({ block: 'start' });
        wanted.focus?.({ preventScroll: true });
      }
    }
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
      store.put(updated, 'api');
    } catch (e) {
      mount(errors, message(e.problem?.detail || e.message || t('app.error'), 'error'));
    }
  }

  function ring(alert) {
    alarm(alert, announcer);
  }

  mount(root, announcer, h('div.toolbar', {}, enable), errors, h('h2', {}, t('nav.inbox')), list);
  render();
  live.start();
  ensurePush().catch(() => {}); // already allowed earlier: keep this device's subscription registered

  return () => {
    unsubscribe();
    live.stop();
  };
}
