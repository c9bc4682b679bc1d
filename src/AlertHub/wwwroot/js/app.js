// The shell: sign-in, who am I, navigation per role, and one screen module per route. R13: on start the
// device cookie is asked for a token first, so a trusted device opens signed in; without a network the
// last profile draws the shell with the offline banner; a session that ended shows the sign-in form with
// "Sessie verlopen — log opnieuw in", never the offline banner.
import { api, ApiError, finishSignOut, profile, refresh, saveProfile, signOut } from './api.js';
import { loadTexts, t } from './i18n.js';
import { h, mount } from './ui.js';
import { resetAlertStore } from './store.js';
import { loginScreen } from './screens/login.js';
import { coordinatorScreen } from './screens/coordinator.js';
import { partnerScreen } from './screens/partner.js';
import { evaluationsScreen, evaluationScreen, actionItemsScreen } from './screens/evaluations.js';
import { adminScreen, importScreen } from './screens/admin.js';
import { dashboardScreen } from './screens/dashboard.js';
import { devicesScreen } from './screens/devices.js';
import { coverageScreen } from './screens/coverage.js';

const NAV = {
  coordinator: [['#/melden', 'nav.alert'], ['#/evaluaties', 'nav.evaluations'], ['#/dashboard', 'nav.dashboard']],
  // Partners who answered an alert give their input to its evaluation (R8).
  partner: [['#/inbox', 'nav.inbox'], ['#/evaluaties', 'nav.evaluations']],
  team_lead: [['#/melden', 'nav.alerts'], ['#/bereikbaarheid', 'nav.coverage'], ['#/evaluaties', 'nav.evaluations'], ['#/actiepunten', 'nav.actions'], ['#/dashboard', 'nav.dashboard']],
  admin: [['#/beheer', 'nav.admin'], ['#/import', 'nav.import']],
};

const ROUTES = {
  melden: coordinatorScreen,
  melding: coordinatorScreen,
  inbox: partnerScreen,
  evaluaties: evaluationsScreen,
  evaluatie: evaluationScreen,
  actiepunten: actionItemsScreen,
  beheer: adminScreen,
  import: importScreen,
  dashboard: dashboardScreen,
  bereikbaarheid: coverageScreen,
  apparaten: devicesScreen,
};

// Screens every role has, reached from the header rather than the navigation.
const EVERYONE = ['apparaten'];

const root = document.getElementById('app');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const connection = document.getElementById('connection');
let me = null;
let dispose = null;
// Started without reaching the hub: drawn from the stored profile, started properly once online.
let offline = false;
let sessionExpired = false;

function setConnection(state) {
  document.body.dataset.connection = state;
  connection.hidden = state === 'online';
  connection.dataset.state = state;
  connection.textContent = state === 'offline' ? t('app.offline') : t('app.connecting');
}

function go(hash) {
  if (location.hash === hash) {
    route();
  } else {
    location.hash = hash;
  }
}

async function route() {
  dispose?.();
  dispose = null;
  connection.hidden = true;
  if (!me) {
    nav.replaceChildren();
    who.replaceChildren();
    loginScreen(root, { onSignedIn: start, notice: sessionExpired ? t('login.sessionExpired') : null });
    return;
  }
  const [name, ...params] = location.hash.replace(/^#\/?/, '').split('/');
  // A partner's view of one alert is its card in the inbox (a push or an SMS link names #/melding/{id}).
  if (me.role === 'partner' && name === 'melding' && params[0]) {
    go(`#/inbox/${params[0]}`);
    return;
  }
  const links = NAV[me.role] || [];
  const screen = ROUTES[name];
  if (!screen || !(EVERYONE.includes(name) || links.some(([href]) => href.slice(2) === name
    || (name === 'melding' && href === '#/melden') || (name === 'evaluatie' && href === '#/evaluaties')))) {
    go(links[0]?.[0] || '#/');
    return;
  }
  for (const a of nav.querySelectorAll('a')) {
    a.classList.toggle('active', a.getAttribute('href').slice(2) === name);
  }
  mount(root, h('p.muted', {}, t('app.loading')));
  dispose = screen(root, { me, params, go, setConnection, signOut: endHere }) || null;
  if (offline) {
    setConnection('offline');
  }
}

function shell() {
  mount(nav, (NAV[me.role] || []).map(([href, key]) => h('a', { href }, t(key))));
  mount(who,
    h('span', {}, `${me.name} · ${t(`role.${me.role}`)}`),
    h('a', { href: '#/apparaten', dataset: { testid: 'my-devices' } }, t('nav.devices')),
    h('button.link', { type: 'button', onclick: endHere }, t('app.signOut')));
}

/** Signs this device out: the server ends its session, the local profile and alerts are gone. */
async function endHere() {
  me = null;
  sessionExpired = false;
  resetAlertStore();
  await signOut();
  // Not go(): with nobody signed in a hash change routes nowhere.
  history.replaceState(null, '', '#/');
  route();
}

/** The SMS link /m/{code} arrives as ?m=CODE (kept through the sign-in): open that alert. */
async function openSmsLink() {
  const code = new URLSearchParams(location.search).get('m');
  if (!code) {
    return;
  }
  let hash = location.hash;
  try {
    const alert = await api('GET', `/api/alerts/code/${encodeURIComponent(code)}`);
    hash = `#/melding/${alert.id}`;
  } catch {
    // Not an alert this person may see (or gone): the normal start screen.
  }
  history.replaceState(null, '', `/${hash}`);
}

/** Signed in (or just refreshed): who am I. Offline, the stored profile stands in. */
async function start() {
  sessionExpired = false;
  try {
    me = await api('GET', '/api/me');
    saveProfile(me);
    offline = false;
    await openSmsLink();
  } catch (e) {
    if (e instanceof ApiError) {
      me = null;
      route();
      return;
    }
    me = profile();
    offline = me !== null;
    if (!me) {
      route();
      return;
    }
  }
  shell();
  route();
}

/** App start: a pending sign-out first, then the cookie; the sign-in form only when it says 401. */
async function boot() {
  if (!await finishSignOut()) {
    route();
    return;
  }
  try {
    await refresh();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      me = null;
      route();
      return;
    }
    me = profile();
    offline = me !== null;
    if (me) {
      shell();
    }
    route();
    return;
  }
  await start();
}

window.addEventListener('hashchange', () => me && route());
window.addEventListener('alerthub:session-expired', () => {
  me = null;
  offline = false;
  sessionExpired = true;
  resetAlertStore();
  route();
});
window.addEventListener('online', () => {
  if (offline && me) {
    refresh().then(start, () => {});
  }
});

await loadTexts('nl');
document.title = t('app.title');
for (const el of document.querySelectorAll('[data-i18n]')) {
  el.textContent = t(el.dataset.i18n);
}
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => {});
}
boot();
