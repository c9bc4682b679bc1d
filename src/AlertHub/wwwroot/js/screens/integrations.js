// Admin, "Koppelingen" (R16): the API clients of partner systems, each organisation's webhook and the
// deliveries that failed for good. A secret is shown once, right after it was made, and never again.
import { api, ApiError } from '../api.js';
import { t, formatDateTimeYear } from '../i18n.js';
import { h, mount, message } from '../ui.js';

const SCOPES = ['alerts:read', 'alerts:answer', 'webhooks:read'];

function problem(e) {
  if (!(e instanceof ApiError)) {
    return message(t('app.error'), 'error');
  }
  const fields = Object.values(e.problem.errors || {}).flat();
  return message(fields.length ? fields.join(' ') : (e.problem.detail || e.problem.title || t('app.error')), 'error');
}

/** The secret, once: with the words that say so, and selectable for copying. */
function secretView(testid, pairs) {
  return h('section.panel.secret', { dataset: { testid }, role: 'status' },
    h('p', {}, h('strong', {}, t('integrations.secretOnce'))),
    h('dl', {}, pairs.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, h('code', { dataset: { testid: `${testid}-value` } }, value))])));
}

function table(columns, rows, actions) {
  return h('div.table-wrap', { tabindex: '0', role: 'region', 'aria-label': columns.map(([, label]) => label).join(', ') },
    h('table', {},
      h('thead', {}, h('tr', {}, columns.map(([, label]) => h('th', {}, label)), h('th'))),
      h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([show]) => h('td', {}, show(row))), h('td', {}, actions(row)))))));
}

export function integrationsScreen(root, organisations) {
  const orgName = (id) => organisations.find((o) => o.id === id)?.name || id;
  const orgSelect = (name) => h('select', { name, required: true }, h('option', { value: '' }, '—'),
    organisations.map((o) => h('option', { value: o.id }, o.name)));

  // API clients
  const clients = h('div', { dataset: { testid: 'api-clients' } });
  const clientStatus = h('div', { 'aria-live': 'polite' });
  async function loadClients() {
    try {
      const rows = await api('GET', '/api/admin/api-clients');
      mount(clients, rows.length === 0 ? message(t('integrations.noClients')) : table([
        [(c) => c.name, t('integrations.name')],
        [(c) => orgName(c.organisationId), t('field.organisationId')],
        [(c) => SCOPES.filter((s) => c.scopes.includes(s)).map((s) => t(`scope.${s}`)).join(', '), t('integrations.scopes')],
        [(c) => formatDateTimeYear(c.createdAt), t('integrations.created')],
        [(c) => (c.lastTokenAt ? formatDateTimeYear(c.lastTokenAt) : '—'), t('integrations.lastToken')],
        [(c) => (c.revokedAt ? t('integrations.revokedAt', { at: formatDateTimeYear(c.revokedAt) }) : t('integrations.active')), t('integrations.state')],
      ], rows, (c) => (c.revokedAt ? null : h('button.danger', {
        type: 'button',
        dataset: { testid: 'revoke-client' },
        onclick: async () => {
          if (!window.confirm(t('integrations.confirmRevoke', { name: c.name }))) {
            return;
          }
          try {
            await api('DELETE', `/api/admin/api-clients/${c.id}`);
            mount(clientStatus, message(t('integrations.revoked', { name: c.name }), 'success'));
            loadClients();
          } catch (e) {
            mount(clientStatus, problem(e));
          }
        },
      }, t('integrations.revoke')))));
    } catch (e) {
      mount(clients, problem(e));
    }
  }
  const newClient = h('form.panel', { dataset: { testid: 'new-client' } },
    h('h3', {}, t('integrations.newClient')),
    h('label', {}, h('span', {}, t('integrations.name')), h('input', { name: 'name', required: true, maxLength: 100 })),
    h('label', {}, h('span', {}, t('field.organisationId')), orgSelect('organisationId')),
    h('fieldset', {}, h('legend', {}, t('integrations.scopes')),
      SCOPES.map((s) => h('label.check', {}, h('input', { type: 'checkbox', name: 'scope', value: s, checked: s === 'alerts:read', defaultChecked: s === 'alerts:read' }),
        h('span', {}, t(`scope.${s}`))))),
    h('button.big', { type: 'submit' }, t('integrations.create')));
  const created = h('div');
  newClient.addEventListener('submit', async (event) => {
    event.preventDefault();
    mount(created);
    const body = {
      name: newClient.elements.name.value.trim(),
      organisationId: newClient.elements.organisationId.value || null,
      scopes: [...newClient.querySelectorAll('input[name=scope]:checked')].map((i) => i.value),
    };
    try {
      const made = await api('POST', '/api/admin/api-clients', { body });
      mount(created, secretView('client-secret', [[t('integrations.clientId'), made.clientId], [t('integrations.clientSecret'), made.clientSecret]]));
      newClient.reset();
      loadClients();
    } catch (e) {
      mount(created, problem(e));
    }
  });

  // Webhooks: one address per organisation.
  const hooks = h('div', { dataset: { testid: 'webhooks' } });
  const hookStatus = h('div', { 'aria-live': 'polite' });
  async function loadHooks() {
    const found = (await Promise.all(organisations.map((o) => api('GET', `/api/admin/organisations/${encodeURIComponent(o.id)}/webhook`)
      .catch((e) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e)))))).filter(Boolean);
    mount(hooks, found.length === 0 ? message(t('integrations.noWebhooks')) : table([
      [(w) => orgName(w.organisationId), t('field.organisationId')],
      [(w) => h('code', {}, w.url), t('integrations.url')],
      [(w) => (w.active ? t('integrations.active') : t('integrations.paused')), t('integrations.state')],
      [(w) => formatDateTimeYear(w.updatedAt), t('integrations.changed')],
    ], found, (w) => h('button.danger', {
      type: 'button',
      onclick: async () => {
        if (!window.confirm(t('integrations.confirmRemoveWebhook', { name: orgName(w.organisationId) }))) {
          return;
        }
        try {
          await api('DELETE', `/api/admin/organisations/${encodeURIComponent(w.organisationId)}/webhook`);
          loadHooks();
        } catch (e) {
          mount(hookStatus, problem(e));
        }
      },
    }, t('integrations.remove'))));
  }
  const setHook = h('form.panel', { dataset: { testid: 'set-webhook' } },
    h('h3', {}, t('integrations.setWebhook')),
    h('label', {}, h('span', {}, t('field.organisationId')), orgSelect('organisationId')),
    h('label', {}, h('span', {}, t('integrations.url')), h('input', { name: 'url', type: 'url', required: true, placeholder: 'https://…' })),
    h('label.check', {}, h('input', { type: 'checkbox', name: 'newSecret' }), h('span', {}, t('integrations.newSecret'))),
    h('p.small.muted', {}, t('integrations.webhookHelp')),
    h('button.big', { type: 'submit' }, t('app.save')));
  const hookSecret = h('div');
  setHook.addEventListener('submit', async (event) => {
    event.preventDefault();
    mount(hookSecret);
    const organisationId = setHook.elements.organisationId.value;
    if (!organisationId) {
      mount(hookSecret, message(t('integrations.pickOrganisation'), 'error'));
      return;
    }
    try {
      const saved = await api('PUT', `/api/admin/organisations/${encodeURIComponent(organisationId)}/webhook`, {
        body: { url: setHook.elements.url.value.trim(), newSecret: setHook.elements.newSecret.checked },
      });
      mount(hookSecret, saved.secret
        ? secretView('webhook-secret', [[t('integrations.webhookSecret'), saved.secret]])
        : message(t('integrations.webhookSaved'), 'success'));
      setHook.reset();
      loadHooks();
    } catch (e) {
      mount(hookSecret, problem(e));
    }
  });

  // Deliveries that failed for good, to be sent again once the receiver works.
  const dead = h('div', { dataset: { testid: 'dead-deliveries' } });
  async function loadDead() {
    try {
      const rows = await api('GET', '/api/admin/webhook-deliveries?state=dead');
      mount(dead, rows.length === 0 ? message(t('integrations.noDead'), 'success') : table([
        [(d) => orgName(d.organisationId), t('field.organisationId')],
        [(d) => t(`webhookEvent.${d.event}`), t('integrations.event')],
        [(d) => String(d.attempts), t('integrations.attempts')],
        [(d) => (d.lastAttemptAt ? formatDateTimeYear(d.lastAttemptAt) : '—'), t('integrations.lastAttempt')],
        [(d) => d.lastError || '', t('integrations.lastError')],
      ], rows, (d) => h('button.secondary', {
        type: 'button',
        dataset: { testid: 'resend' },
        onclick: async (event) => {
          event.target.disabled = true;
          try {
            await api('POST', `/api/admin/webhook-deliveries/${d.id}/resend`);
            loadDead();
          } catch (e) {
            event.target.disabled = false;
            mount(hookStatus, problem(e));
          }
        },
      }, t('integrations.resend'))));
    } catch (e) {
      mount(dead, problem(e));
    }
  }

  mount(root,
    h('section', {}, h('h3', {}, t('integrations.clients')), h('p.small.muted', {}, t('integrations.clientsHelp')), clients, clientStatus, newClient, created),
    h('section', {}, h('h3', {}, t('integrations.webhooks')), hooks, hookStatus, setHook, hookSecret),
    h('section', {}, h('h3', {}, t('integrations.dead')), h('p.small.muted', {}, t('integrations.deadHelp')), dead));
  loadClients();
  loadHooks().catch((e) => mount(hooks, problem(e)));
  loadDead();
}
