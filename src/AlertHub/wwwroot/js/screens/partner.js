// Partner: the live inbox. New alerts ring, vibrate and notify; answers go over the hub
// (or HTTP when the hub is down); the shared store keeps the newest version of every alert and the
// change feed brings what was missed after every reconnect.
import { api } from '../api.js';
import { outbox } from '../outbox.js';
import { actionStatus } from '../outboxView.js';
import { t, formatTime } from '../i18n.js';
import { h, mount } from '../ui.js';
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
  // Where to go and whom to call, per open alert this person was sent (asked once, kept for this page).
  const contacts = new Map();
  // A screen reader hears a new alert at once, whatever it was reading.
  const announcer = h('div.sr-only', { role: 'alert', 'aria-live': 'assertive', dataset: { testid: 'announcer' } });

  const live = new LiveAlerts({
    store,
    onState: setConnection,
    onSynced: () => {
      for (const alert of store.values()) {
        confirm(alert);
      }
      outbox.flush();
      render();
    },
  });
  // An answer's state changes (sent, waiting for the network, refused) show on its card; the hub's answer is news.
  const unwatch = outbox.subscribe((item, alert) => {
    if (alert) {
      store.put(alert, 'api');
    }
    render();
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

  /** The school's address with a map link, and call buttons for the school and the coordinator (R13). */
  function contactView(alert) {
    if (alert.status !== 'open') {
      return null;
    }
    if (!contacts.has(alert.id)) {
      contacts.set(alert.id, null);
      api('GET', `/api/alerts/${alert.id}/contacts`).then((c) => {
        contacts.set(alert.id, c);
        render();
      }, () => contacts.delete(alert.id));
      return null;
    }
    const c = contacts.get(alert.id);
    if (!c) {
      return null;
    }
    return h('div.contacts', { dataset: { testid: 'alert-contacts' } },
      c.address ? h('p.address', {}, h('span', {}, c.address), ' ',
        c.mapUrl ? h('a.button.secondary', { href: c.mapUrl, target: '_blank', rel: 'noopener', dataset: { testid: 'map-link' } }, t('contacts.map')) : null) : null,
      h('div.call-buttons', {},
        c.schoolPhone ? h('a.button.call', { href: `tel:${c.schoolPhone}`, dataset: { testid: 'call-school' } }, t('contacts.callSchool', { school: c.schoolName })) : null,
        c.coordinator?.phone ? h('a.button.call', { href: `tel:${c.coordinator.phone}`, dataset: { testid: 'call-coordinator' } },
          // The one who raised it: a school's coordinator, or the team lead who started a drill.
          t(c.coordinator.discipline === 'school' ? 'contacts.callCoordinator' : 'contacts.callRaiser', { name: c.coordinator.name })) : null));
  }

  function card(alert) {
    const mine = alert.recipients.find((r) => r.personId === me.personId);
    return h(`li.card.alert-card.alert-${alert.status}`, { dataset: { alertId: alert.id, testid: 'alert-card' } },
      alertHeader(alert),
      mine ? contactView(alert) : null,
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
      actionStatus(me, alert.id),
      h('details', { open: alert.status === 'open' }, h('summary', {}, t('alert.timeline')), timeline(alert)));
  }

  function answer(alert, response) {
    outbox.submit(me.personId, {
      alertId: alert.id, action: 'acknowledgements', body: { response }, label: t('outbox.answer', { answer: t(`response.${response}`) }),
    });
  }

  function ring(alert) {
    alarm(alert, announcer);
  }

  mount(root, announcer, h('div.toolbar', {}, enable), h('h2', {}, t('nav.inbox')), list);
  render();
  live.start();
  outbox.flush(); // what was given while the app was closed or offline
  ensurePush().catch(() => {}); // already allowed earlier: keep this device's subscription registered

  return () => {
    unsubscribe();
    unwatch();
    live.stop();
  };
}
