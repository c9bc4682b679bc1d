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
  const area = (name) => h('textarea', { name, id: `eval-${name}`, rows: 3, maxLength: 4000 });
  const fields = { wentWell: area('wentWell'), wentWrong: area('wentWrong'), cooperation: area('cooperation') };
  // Who wrote what, per question: every change is kept with its author (R8).
  const written = { wentWell: h('ul.inputs'), wentWrong: h('ul.inputs'), cooperation: h('ul.inputs') };
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
      const inputs = (value.inputs || []).filter((i) => i.field === name);
      mount(written[name], inputs.map((i) => h('li', {},
        h('span.muted', {}, t('eval.writtenBy', { name: i.by, time: formatDateTime(i.at) })), ': ', i.text)));
    }
    mount(items, value.actionItems.map(actionRow));
  }

  /** The field the server names ("wentWell", "actionItems[1].owner"), or null. */
  function fieldFor(key) {
    if (fields[key]) {
      return fields[key];
    }
    const match = /^actionItems\[(\d+)\]\.(\w+)$/.exec(key);
    return match ? items.querySelectorAll('.action-item')[Number(match[1])]?.querySelector(`[name=${match[2]}]`) || null : null;
  }

  function clearMarks() {
    root.querySelectorAll('[aria-invalid=true]').forEach((el) => el.removeAttribute('aria-invalid'));
    root.querySelectorAll('.field-error').forEach((el) => el.remove());
  }

  /** What is missing: summarised at the top of the form and marked at each field. */
  function problemList(e) {
    const entries = Object.entries(e.problem?.errors || {});
    entries.forEach(([key, texts], i) => {
      const el = fieldFor(key);
      if (el) {
        const note = h('p.field-error', { id: `eval-error-${i}`, dataset: { testid: 'field-error' } }, [texts].flat().join(' '));
        el.setAttribute('aria-invalid', 'true');
        el.setAttribute('aria-describedby', note.id);
        el.after(note);
      }
    });
    return [
      message(entries.length ? t('eval.fixBelow') : (e.problem?.detail || e.problem?.title || t('app.error')), 'error'),
      entries.length ? h('ul.errors', { dataset: { testid: 'missing' } }, entries.flatMap(([, texts]) => [texts].flat()).map((text) => h('li', {}, text))) : null,
    ];
  }

  async function save() {
    fill(await api('PUT', `/api/evaluations/${id}`, { body: answers() }));
  }

  async function run(action) {
    mount(status);
    clearMarks();
    try {
      await action();
    } catch (e) {
      mount(status, ...(e instanceof ApiError ? problemList(e) : [message(t('app.error'), 'error')]));
      status.scrollIntoView?.({ block: 'start' });
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
    const question = (name) => h('div.question', {}, h('label', { for: `eval-${name}` }, t(`eval.${name}`)), fields[name], written[name]);
    const form = h('form.panel', {},
      h('h2', {}, t('eval.forAlert', { school: evaluation.schoolName, date: formatDateTime(evaluation.alertRaisedAt) })),
      h('p', {},
        closed ? h('span.badge', {}, t('eval.closed'))
          : evaluation.overdue ? h('span.badge.overdue', {}, t('eval.overdue')) : null, ' ',
        h('span.muted', {}, t('eval.due', { date: formatDateTime(evaluation.dueAt) }))),
      // On a phone what is missing must be seen without scrolling: the state is at the top.
      status,
      question('wentWell'),
      question('wentWrong'),
      question('cooperation'),
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
          readOnly();
        }),
      }, t('eval.close')),
      h('button.big.secondary.no-print', { type: 'button', dataset: { testid: 'print' }, onclick: () => run(exportDocument) }, t('eval.print')));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      run(async () => {
        await save();
        mount(status, message(t('app.saved'), 'success'));
      });
    });
    // Closed is read-only: every field and every button except printing.
    function readOnly() {
      form.querySelectorAll('input, textarea, button').forEach((el) => {
        el.disabled = el.dataset.testid !== 'print';
      });
    }
    if (closed) {
      readOnly();
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
