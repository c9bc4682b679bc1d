// R8: the 48-hour evaluation. Team lead: open evaluations, the checklist, closing, the export,
// open action items. Coordinators and partners who took part can add their input.
import { api, ApiError } from '../api.js';
import { t, formatDate, formatDateTime } from '../i18n.js';
import { h, mount, message } from '../ui.js';

export function evaluationsScreen(root) {
  (async () => {
    let list;
    try {
      list = await api('GET', '/api/evaluations?status=open');
    } catch (e) {
      mount(root, message(e.problem?.title || t('app.error'), 'error'));
      return;
    }
    list.sort((a, b) => new Date(a.dueAt) - new Date(b.dueAt));
    mount(root,
      h('h2', {}, t('eval.heading')),
      list.length
        ? h('ul.cards', { dataset: { testid: 'evaluations' } }, list.map((e) => h('li', {},
          h('a.card', { href: `#/evaluatie/${e.id}` },
            h('strong', {}, t('eval.forAlert', { school: e.schoolName, date: formatDateTime(e.alertRaisedAt) })),
            h('div', {},
              e.overdue ? h('span.badge.overdue', {}, t('eval.overdue')) : null, ' ',
              h('span.muted', {}, t('eval.due', { date: formatDateTime(e.dueAt) })))))))
        : h('p.muted', {}, t('eval.none')));
  })();
}

export function evaluationScreen(root, { me, params }) {
  const id = params[0];
  const canClose = me.role === 'team_lead';
  const status = h('div', { dataset: { testid: 'evaluation-status' } });
  const items = h('div', { dataset: { testid: 'action-items' } });
  const area = (name) => h('textarea', { name, rows: 3, maxLength: 4000 });
  const fields = { wentWell: area('wentWell'), wentWrong: area('wentWrong'), cooperation: area('cooperation') };
  let evaluation = null;

  function actionRow(item = {}) {
    const row = h('div.action-item', { dataset: { id: item.id || '' } },
      h('label', {}, h('span', {}, t('eval.description')), h('input', { name: 'description', value: item.description || '', maxLength: 1000 })),
      h('div.row', {},
        h('label', {}, h('span', {}, t('eval.owner')), h('input', { name: 'owner', value: item.owner || '', maxLength: 200 })),
        h('label', {}, h('span', {}, t('eval.dueDate')), h('input', { name: 'dueDate', type: 'date', value: item.dueDate || '' }))),
      h('label.check', {}, h('input', { name: 'done', type: 'checkbox', checked: !!item.done }), h('span', {}, t('eval.done'))),
      h('button.link', { type: 'button', onclick: () => row.remove() }, t('eval.removeAction')));
    return row;
  }

  function answers() {
    return {
      wentWell: fields.wentWell.value,
      wentWrong: fields.wentWrong.value,
      cooperation: fields.cooperation.value,
      actionItems: [...items.querySelectorAll('.action-item')]
        .map((row) => ({
          id: row.dataset.id || null,
          description: row.querySelector('[name=description]').value.trim(),
          owner: row.querySelector('[name=owner]').value.trim() || null,
          dueDate: row.querySelector('[name=dueDate]').value || null,
          done: row.querySelector('[name=done]').checked,
        }))
        .filter((item) => item.description),
    };
  }

  function fill(value) {
    evaluation = value;
    for (const [name, el] of Object.entries(fields)) {
      el.value = value[name] || '';
    }
    mount(items, value.actionItems.map(actionRow));
  }

  function problemList(e) {
    const errors = Object.values(e.problem?.errors || {}).flat();
    return [
      message(errors.length ? t('eval.missing') : (e.problem?.detail || e.problem?.title || t('app.error')), 'error'),
      errors.length ? h('ul.errors', { dataset: { testid: 'missing' } }, errors.map((text) => h('li', {}, text))) : null,
    ];
  }

  async function save() {
    fill(await api('PUT', `/api/evaluations/${id}`, { body: answers() }));
  }

  async function run(action) {
    mount(status);
    try {
      await action();
    } catch (e) {
      mount(status, ...(e instanceof ApiError ? problemList(e) : [message(t('app.error'), 'error')]));
    }
  }

  async function exportDocument() {
    const response = await api('GET', `/api/evaluations/${id}/export?format=html`, { raw: true });
    const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/html' }));
    window.open(url, '_blank', 'noopener');
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  (async () => {
    try {
      fill(await api('GET', `/api/evaluations/${id}`));
    } catch (e) {
      mount(root, message(e.problem?.title || t('app.error'), 'error'));
      return;
    }
    const closed = evaluation.status !== 'open';
    const form = h('form.panel', {},
      h('h2', {}, t('eval.forAlert', { school: evaluation.schoolName, date: formatDateTime(evaluation.alertRaisedAt) })),
      h('p', {},
        closed ? h('span.badge', {}, t('eval.closed'))
          : evaluation.overdue ? h('span.badge.overdue', {}, t('eval.overdue')) : null, ' ',
        h('span.muted', {}, t('eval.due', { date: formatDateTime(evaluation.dueAt) }))),
      h('label', {}, h('span', {}, t('eval.wentWell')), fields.wentWell),
      h('label', {}, h('span', {}, t('eval.wentWrong')), fields.wentWrong),
      h('label', {}, h('span', {}, t('eval.cooperation')), fields.cooperation),
      h('h3', {}, t('eval.actionItems')),
      items,
      closed ? null : h('button.secondary.no-print', { type: 'button', onclick: () => items.append(actionRow()) }, t('eval.addAction')),
      closed ? null : h('button.big.no-print', { type: 'submit' }, t('app.save')),
      closed || !canClose ? null : h('button.big.danger.no-print', {
        type: 'button',
        dataset: { testid: 'close-evaluation' },
        onclick: () => run(async () => {
          await save();
          fill(await api('POST', `/api/evaluations/${id}/close`));
          mount(status, message(t('eval.closedOk'), 'success'));
          form.querySelectorAll('input, textarea, button[type=submit]').forEach((el) => { el.disabled = true; });
        }),
      }, t('eval.close')),
      h('button.big.secondary.no-print', { type: 'button', onclick: () => run(exportDocument) }, t('eval.print')),
      status);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      run(async () => {
        await save();
        mount(status, message(t('app.saved'), 'success'));
      });
    });
    if (closed) {
      form.querySelectorAll('input, textarea').forEach((el) => { el.disabled = true; });
    }
    mount(root, h('p.no-print', {}, h('a', { href: '#/evaluaties' }, `← ${t('app.back')}`)), form);
  })();
}

export function actionItemsScreen(root) {
  (async () => {
    let list;
    try {
      list = await api('GET', '/api/evaluations/action-items');
    } catch (e) {
      mount(root, message(e.problem?.title || t('app.error'), 'error'));
      return;
    }
    mount(root,
      h('h2', {}, t('eval.openActions')),
      list.length
        ? h('ul.cards', {}, list.map((item) => h('li', {},
          h('a.card', { href: `#/evaluatie/${item.evaluationId}` },
            h('strong', {}, item.description),
            h('div.muted', {}, [item.owner, item.dueDate ? formatDate(item.dueDate) : null, item.schoolName].filter(Boolean).join(' · ')),
            item.overdue ? h('span.badge.overdue', {}, t('eval.overdue')) : null))))
        : h('p.muted', {}, t('eval.noActions')));
  })();
}
