// Sign-in on a trusted device (it stays signed in, see api.js). After an SMS link (/m/<code>) the page says
// why it asks; after a session that ended (expired, ended in "Mijn apparaten", signed out elsewhere) it says so.
import { login, ApiError } from '../api.js';
import { t } from '../i18n.js';
import { h, mount, message } from '../ui.js';

export function loginScreen(root, { onSignedIn, notice = null }) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, inputMode: 'email' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const status = h('div');
  const fromSms = new URLSearchParams(location.search).has('m');
  const form = h('form.panel.login', {},
    h('h2', {}, t('login.heading')),
    notice ? h('div', { dataset: { testid: 'session-expired' } }, message(notice, 'warning')) : null,
    fromSms ? message(t('login.smsLink')) : null,
    h('label', {}, h('span', {}, t('login.email')), email),
    h('label', {}, h('span', {}, t('login.password')), password),
    h('button.big', { type: 'submit' }, t('login.submit')),
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await login(email.value.trim(), password.value);
      password.value = '';
      await onSignedIn();
    } catch (e) {
      const text = e instanceof ApiError && e.status === 401
        ? (e.problem.detail || t('login.failed'))
        : t('app.error');
      mount(status, message(text, 'error'));
    } finally {
      button.disabled = false;
    }
  });
  mount(root, form);
  email.focus();
}
