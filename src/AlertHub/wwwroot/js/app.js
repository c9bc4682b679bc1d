// The shell: sign-in, who am I, navigation per role, and one screen module per route.
import { api, signedIn, signOut } from './api.js';
import { loadTexts, t } from './i18n.js';
import { h, mount } from './ui.js';
import { resetAlertStore } from './store.js';
import { loginScreen } from './screens/login.js';
import { coordinatorScreen } from './screens/coordinator.js';
import { partnerScreen } from './screens/partner.js';
import { evaluationsScreen, evaluationScreen, actionItemsScreen } from './screens/evaluations.js';
import { adminScreen, importScreen } from './screens/admin.js';
import { dashboardScreen } from './screens/dashboard.js';

const NAV = {
  coordinator: [['#/melden', 'nav.alert'], ['#/evaluaties', 'nav.evaluations'], ['#/dashboard', 'nav.dashboard']],
  partner: [['#/inbox', 'nav.inbox']],
  team_lead: [['#/melden', 'nav.alerts'], ['#/evaluaties', 'nav.evaluations'], ['#/actiepunten', 'nav.actions'], ['#/dashboard', 'nav.dashboard']],
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
};

const root = document.getElementById('app');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
const connection = document.getElementById('connection');
let me = null;
let dispose = null;

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
  if (!signedIn()) {
    me = null;
    nav.replaceChildren();
    who.replaceChildren();
    loginScreen(root, { onSignedIn: start });
    return;
  }
  const [name, ...params] = location.hash.replace(/^#\/?/, '').split('/');
  const links = NAV[me.role] || [];
  const screen = ROUTES[name];
  if (!screen || !links.some(([href]) => href.slice(2) === name || (name === 'melding' && href === '#/melden')
    || (name === 'evaluatie' && href === '#/evaluaties'))) {
    go(links[0]?.[0] || '#/');
    return;
  }
  for (const a of nav.querySelectorAll('a')) {
    a.classList.toggle('active', a.getAttribute('href').slice(2) === name);
  }
  mount(root, h('p.muted', {}, t('app.loading')));
  dispose = screen(root, { me, params, go, setConnection }) || null;
}

async function start() {
  try {
    me = await api('GET', '/api/me');
  } catch {
    signOut();
    route();
    return;
  }
  mount(nav, (NAV[me.role] || []).map(([href, key]) => h('a', { href }, t(key))));
  mount(who,
    h('span', {}, `${me.name} · ${t(`role.${me.role}`)}`),
    h('button.link', { type: 'button', onclick: () => { signOut(); resetAlertStore(); go('#/'); } }, t('app.signOut')));
  route();
}

window.addEventListener('hashchange', () => me && route());
window.addEventListener('alerthub:signed-out', () => {
  resetAlertStore();
  route();
});

await loadTexts('nl');
document.title = t('app.title');
for (const el of document.querySelectorAll('[data-i18n]')) {
  el.textContent = t(el.dataset.i18n);
}
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => {});
}
if (signedIn()) {
  start();
} else {
  route();
}
