// R13 "Mijn apparaten": the devices that stay signed in for this person, each can be signed out from here
// (lost phone, old PC). The admin sees the same list on a person's page (deviceList below).
import { api } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { h, mount, message } from '../ui.js';

/**
 * A list of device sessions with an "Afmelden" button each. load() gives the sessions, end(id) ends one;
 * onEndedCurrent() runs when the device ended is the one in hand.
 */
export function deviceList({ load, end, onEndedCurrent }) {
  const list = h('ul.cards', { dataset: { testid: 'devices' } });
  const status = h('div');

  async function refresh() {
    try {
      const devices = await load();
      if (!devices.length) {
        mount(list, h('li.muted', {}, t('devices.none')));
        return;
      }
      mount(list, devices.map(card));
    } catch (e) {
      mount(list, message(e.problem?.detail || t('app.error'), 'error'));
    }
  }

  function card(device) {
    const button = h('button.secondary', { type: 'button', dataset: { testid: 'end-device' } }, t('devices.end'));
    button.addEventListener('click', async () => {
      if (!window.confirm(t('devices.confirmEnd', { name: device.name }))) {
        return;
      }
      button.disabled = true;
      try {
        await end(device.id);
        if (device.current) {
          onEndedCurrent?.();
          return;
        }
        mount(status, message(t('devices.ended'), 'success'));
        refresh();
      } catch (e) {
        button.disabled = false;
        mount(status, message(e.problem?.detail || t('app.error'), 'error'));
      }
    });
    return h('li.card.device', { dataset: { testid: 'device', deviceId: device.id } },
      h('div.alert-title', {}, h('strong', {}, device.name),
        device.current ? h('span.badge', { dataset: { testid: 'current-device' } }, t('devices.current')) : null),
      h('p.small.muted', {},
        t('devices.since', { date: formatDateTime(device.createdAt) }), h('br'),
        t('devices.lastSeen', { date: formatDateTime(device.lastSeenAt) }), h('br'),
        t('devices.until', { date: formatDateTime(device.expiresAt) })),
      button);
  }

  refresh();
  const view = h('div', {}, status, list);
  view.refresh = refresh; // the admin's "end all sessions" shows the list as it is after
  return view;
}

export function devicesScreen(root, { signOut }) {
  mount(root,
    h('h2', {}, t('devices.heading')),
    h('p.muted', {}, t('devices.intro')),
    deviceList({
      load: () => api('GET', '/api/auth/devices'),
      end: (id) => api('DELETE', `/api/auth/devices/${id}`),
      // This device was just ended on the server: what is left is the local side of signing out.
      onEndedCurrent: () => signOut(),
    }));
}
