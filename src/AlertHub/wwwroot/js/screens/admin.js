// Admin (functioneel beheer): directory pages and the CSV/JSON import with per-line errors.
import { api, ApiError } from '../api.js';
import { t, formatDateTimeYear } from '../i18n.js';
import { h, mount, message } from '../ui.js';
import { deviceList } from './devices.js';
import { integrationsScreen } from './integrations.js';

const ROLES = ['coordinator', 'partner', 'team_lead', 'admin'];
const DISCIPLINES = ['police', 'youth_work', 'enforcement', 'youth_ambassador', 'compulsory_education',
  'school_social_work', 'youth_care', 'municipality', 'school'];

// Columns shown and fields edited per page; `create` fields are only sent when adding.
const PAGES = {
  regions: {
    title: 'admin.regions', path: 'regions', key: 'id',
    columns: ['id', 'name'],
    fields: [{ name: 'id', create: true }, { name: 'name' }, { name: 'hotlineOpens', type: 'time' }, { name: 'hotlineCloses', type: 'time' },
      { name: 'hotlineDays' }, { name: 'timeZone' }, { name: 'outOfHoursPersonId', ref: 'people' }],
  },
  hotline: {
    title: 'admin.hotline', path: 'regions', key: 'id', noCreate: true,
    columns: ['name', 'hotlineOpens', 'hotlineCloses', 'hotlineDays', 'timeZone'],
    fields: [{ name: 'name' }, { name: 'hotlineOpens', type: 'time' }, { name: 'hotlineCloses', type: 'time' }, { name: 'hotlineDays' },
      { name: 'timeZone' }, { name: 'outOfHoursPersonId', ref: 'people' }],
  },
  schools: {
    title: 'admin.schools', path: 'schools', key: 'id',
    columns: ['id', 'name', 'regionId', 'address', 'phone'],
    fields: [{ name: 'id', create: true }, { name: 'name' }, { name: 'regionId', ref: 'regions' }, { name: 'address' }, { name: 'phone', type: 'tel' },
      { name: 'contactIds', type: 'list' }],
  },
  organisations: {
    title: 'admin.organisations', path: 'organisations', key: 'id',
    columns: ['id', 'name', 'regionId'],
    fields: [{ name: 'id', create: true }, { name: 'name' }, { name: 'regionId', ref: 'regions' }],
  },
  people: {
    title: 'admin.people', path: 'people', key: 'id',
    columns: ['name', 'role', 'discipline', 'phone', 'regionId', 'schoolId', 'active'],
    fields: [{ name: 'name' }, { name: 'email', type: 'email' }, { name: 'role', options: ROLES }, { name: 'discipline', options: DISCIPLINES },
      { name: 'phone', type: 'tel' }, { name: 'organisationId', ref: 'organisations' }, { name: 'regionId', ref: 'regions' },
      { name: 'schoolId', ref: 'schools' }, { name: 'active', type: 'checkbox', default: true }],
  },
  roster: {
    title: 'admin.rosters', path: 'roster', key: 'id',
    columns: ['personName', 'regionId', 'from', 'until', 'isBackup'],
    fields: [{ name: 'regionId', ref: 'regions' }, { name: 'personId', ref: 'people' }, { name: 'from', type: 'datetime-local' },
      { name: 'until', type: 'datetime-local' },
      // A new roster entry is the on-call person, not the backup, unless the admin says so.
      { name: 'isBackup', type: 'checkbox', default: false }],
  },
  // Numbers Twilio refused or could not deliver to, with the reason: fixed on the person's page.
  flagged: {
    title: 'admin.flagged', path: 'flagged-numbers', key: 'personId', noCreate: true, readOnly: true,
    columns: ['name', 'phone', 'reason', 'failuresInARow', 'flaggedAt'],
    fields: [],
  },
};

function problemView(e, heading) {
  if (!(e instanceof ApiError)) {
    return message(t('app.error'), 'error');
  }
  const errors = Object.entries(e.problem.errors || {});
  return h('div', { role: 'alert', dataset: { testid: 'problem' } },
    message(errors.length && heading ? heading : (e.problem.detail || e.problem.title || t('app.error')), 'error'),
    errors.length
      ? h('ul.errors', {}, errors.map(([key, texts]) => h('li', {}, h('strong', {}, lineLabel(key)), ': ', [texts].flat().join(' '))))
      : null);
}

const KIND_LABELS = { regions: 'admin.regions', organisations: 'admin.organisations', schools: 'admin.schools', people: 'admin.people', roster: 'admin.rosters' };

/** "line 3" → "Regel 3", "people[0]" → "Personen, nr. 1", "phone" → "Telefoon (+31…)": never a wire name. */
function lineLabel(key) {
  const line = /^line (\d+)$/.exec(key);
  if (line) {
    return t('admin.line', { line: line[1] });
  }
  const item = /^(\w+)\[(\d+)\]$/.exec(key);
  if (item && KIND_LABELS[item[1]]) {
    return t('admin.item', { kind: t(KIND_LABELS[item[1]]), number: Number(item[2]) + 1 });
  }
  const field = `field.${key}`;
  return t(field) !== field ? t(field) : key;
}

// The integrations page (API clients, webhooks, failed deliveries) is its own screen, after the directory pages.
const INTEGRATIONS = 'koppelingen';

export function adminScreen(root, { params }) {
  const pageName = PAGES[params[0]] || params[0] === INTEGRATIONS ? params[0] : 'regions';
  const page = PAGES[pageName];
  const tabs = h('nav.tabs', {},
    Object.entries(PAGES).map(([name, p]) => h(`a${name === pageName ? '.active' : ''}`, { href: `#/beheer/${name}` }, t(p.title))),
    h(`a${pageName === INTEGRATIONS ? '.active' : ''}`, { href: `#/beheer/${INTEGRATIONS}` }, t('admin.integrations')));
  if (pageName === INTEGRATIONS) {
    const body = h('div', {}, message(t('app.loading')));
    mount(root, h('h2', {}, t('admin.heading')), tabs, body);
    api('GET', '/api/admin/organisations')
      .then((organisations) => integrationsScreen(body, organisations))
      .catch((e) => mount(body, problemView(e)));
    return;
  }
  // Scrolls sideways on a phone: reachable and named for the keyboard and screen readers.
  const table = h('div.table-wrap', { tabindex: '0', role: 'region', 'aria-label': t(page.title) });
  const editor = h('div');

  function display(row, column) {
    const value = row[column];
    if (typeof value === 'boolean') {
      return value ? '✓' : '—';
    }
    if (column === 'from' || column === 'until' || column === 'flaggedAt') {
      return formatDateTimeYear(value);
    }
    if (column === 'role') {
      return t(`role.${value}`);
    }
    if (column === 'discipline') {
      return value ? t(`discipline.${value}`) : '';
    }
    return value ?? '';
  }

  async function load() {
    try {
      const rows = await api('GET', `/api/admin/${page.path}`);
      mount(table, h('table', {},
        h('thead', {}, h('tr', {}, page.columns.map((c) => h('th', {}, t(`field.${c}`))), h('th'))),
        h('tbody', {}, rows.map((row) => h('tr', {},
          page.columns.map((c) => h('td', {}, display(row, c))),
          h('td', {}, page.readOnly ? null : h('button.secondary', { type: 'button', onclick: () => edit(row) }, t('admin.edit'))))))));
    } catch (e) {
      mount(table, e instanceof ApiError && e.status === 404 ? message(t('admin.unavailable'), 'warning') : problemView(e));
    }
  }

  // Pickers instead of ids: the names of the regions, organisations, schools and people to choose from.
  const choices = {};
  async function loadChoices() {
    const needed = [...new Set(page.fields.filter((f) => f.ref).map((f) => f.ref))];
    await Promise.all(needed.map(async (ref) => {
      choices[ref] ??= await api('GET', `/api/admin/${ref}`).catch(() => null);
    }));
  }

  function control(field, value) {
    if (field.ref && choices[field.ref]) {
      const key = 'id';
      return h('select', { name: field.name }, h('option', { value: '' }, '—'),
        choices[field.ref].map((o) => h('option', { value: o[key], selected: o[key] === value }, o.name || o[key])));
    }
    if (field.options) {
      return h('select', { name: field.name }, h('option', { value: '' }, '—'),
        field.options.map((o) => h('option', { value: o, selected: o === value }, t(`${field.name}.${o}`))));
    }
    if (field.type === 'checkbox') {
      return h('input', { type: 'checkbox', name: field.name, checked: value ?? field.default ?? false });
    }
    if (field.type === 'datetime-local' && value) {
      const d = new Date(value);
      value = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    }
    if (field.type === 'list') {
      value = (value || []).join(', ');
    }
    return h('input', { type: field.type && field.type !== 'list' ? field.type : 'text', name: field.name, value: value ?? '' });
  }

  async function edit(row) {
    await loadChoices();
    const isNew = !row;
    const fields = page.fields.filter((f) => !(f.create && !isNew));
    const status = h('div');
    const form = h('form.panel', {},
      h('h3', {}, isNew ? t('admin.new') : `${t('admin.edit')}: ${row.name || row.personName || row.id}`),
      fields.map((f) => h(f.type === 'checkbox' ? 'label.check' : 'label', {}, h('span', {}, t(`field.${f.name}`)), control(f, row?.[f.name]))),
      h('button.big', { type: 'submit' }, t('app.save')),
      status);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = {};
      for (const f of fields) {
        const el = form.elements[f.name];
        if (f.type === 'checkbox') {
          body[f.name] = el.checked;
        } else if (f.type === 'list') {
          body[f.name] = el.value.split(',').map((s) => s.trim()).filter(Boolean);
        } else if (f.type === 'datetime-local') {
          body[f.name] = el.value ? new Date(el.value).toISOString() : null;
        } else {
          body[f.name] = el.value.trim() || null;
        }
      }
      try {
        await api(isNew ? 'POST' : 'PUT', isNew ? `/api/admin/${page.path}` : `/api/admin/${page.path}/${row[page.key]}`, { body });
        mount(editor);
        load();
      } catch (e) {
        mount(status, problemView(e));
      }
    });
    // A person's trusted devices, each can be signed out (R13): a lost phone stops being signed in at once.
    // And all at once (a stolen token, someone leaving): tokens already issued stop too.
    const endAll = h('button.danger', { type: 'button', dataset: { testid: 'end-all-sessions' } }, t('admin.endSessions'));
    const endAllStatus = h('div', { 'aria-live': 'polite' });
    const deviceView = pageName === 'people' && !isNew
      ? deviceList({
        load: () => api('GET', `/api/admin/people/${row.id}/devices`),
        end: (id) => api('DELETE', `/api/admin/devices/${id}`),
      })
      : null;
    endAll.addEventListener('click', async () => {
      if (!window.confirm(t('admin.confirmEndSessions', { name: row.name }))) {
        return;
      }
      endAll.disabled = true;
      try {
        const ended = await api('POST', `/api/admin/people/${row.id}/end-sessions`);
        mount(endAllStatus, message(t('admin.sessionsEnded', { count: ended.devicesEnded }), 'success'));
        deviceView?.refresh?.();
      } catch (e) {
        mount(endAllStatus, problemView(e));
      } finally {
        endAll.disabled = false;
      }
    });
    const devices = deviceView
      ? h('section.panel', { dataset: { testid: 'person-devices' } }, h('h3', {}, t('admin.devices')), deviceView,
        h('p.small.muted', {}, t('admin.endSessionsHelp')), endAll, endAllStatus)
      : null;
    mount(editor, form, devices);
    form.scrollIntoView?.({ behavior: 'smooth' });
  }

  mount(root,
    h('h2', {}, t('admin.heading')),
    tabs,
    page.noCreate ? null : h('button.secondary', { type: 'button', onclick: () => edit(null) }, t('admin.new')),
    editor,
    table);
  load();
}

export function importScreen(root) {
  const kinds = ['people', 'schools', 'organisations', 'regions', 'roster'];
  const kind = h('select', { name: 'kind' }, h('option', { value: 'json' }, 'JSON'), kinds.map((k) => h('option', { value: k }, `CSV: ${t(`admin.${k === 'roster' ? 'rosters' : k}`)}`)));
  const text = h('textarea', { name: 'data', rows: 10, spellcheck: false });
  const file = h('input', { type: 'file', accept: '.csv,.json,text/csv,application/json' });
  const status = h('div', { dataset: { testid: 'import-result' } });
  // The template of the kind chosen: the columns and one example line, to fill in a spreadsheet.
  const template = h('a.button.secondary', { dataset: { testid: 'import-template' }, download: '' }, t('admin.template'));
  const showTemplate = () => {
    template.hidden = kind.value === 'json';
    template.href = `/api/admin/import/template?kind=${kind.value}`;
  };
  kind.addEventListener('change', showTemplate);
  template.addEventListener('click', async (event) => {
    // The API needs the bearer token: fetched here and handed to the browser as a file.
    event.preventDefault();
    const response = await api('GET', `/api/admin/import/template?kind=${kind.value}`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const a = h('a', { href: url, download: `alerthub-${kind.value}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  });
  file.addEventListener('change', async () => {
    const chosen = file.files[0];
    if (chosen) {
      text.value = await chosen.text();
      if (chosen.name.endsWith('.json')) {
        kind.value = 'json';
      }
    }
  });
  const form = h('form.panel', {},
    h('h2', {}, t('admin.import')),
    h('label', {}, h('span', {}, t('admin.importKind')), kind),
    h('p.muted', {}, t('admin.templateHint')),
    template,
    h('label', {}, h('span', {}, t('admin.importText')), text),
    h('label', {}, h('span', {}, t('admin.importFile')), file),
    h('button.big', { type: 'submit' }, t('admin.importSubmit')),
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    mount(status);
    const json = kind.value === 'json';
    try {
      const result = await api('POST', json ? '/api/admin/import' : `/api/admin/import?kind=${kind.value}`, {
        body: text.value,
        headers: { 'Content-Type': json ? 'application/json' : 'text/csv; charset=utf-8' },
      });
      const count = Object.values(result || {}).reduce((sum, n) => sum + (typeof n === 'number' ? n : 0), 0);
      mount(status, message(t('admin.importOk', { count }), 'success'));
    } catch (e) {
      mount(status, problemView(e, t('admin.importFailed')));
    }
  });
  mount(root, form);
  showTemplate();
}
