// Coordinator (and team lead): the one-tap alert, the undo window, and the live follow-up. Alerts
// come from the shared store (newest version only), filled by pushes, API answers and the change feed
// after every reconnect, so an alert resolved or cancelled while this page was away shows as such.
import { api, ApiError, errorText, isTransient, newId, SCHOOL_CONTACTS } from '../api.js';
import { t, formatTime, formatDateTime } from '../i18n.js';
import { h, mount, message } from '../ui.js';
import { LiveAlerts } from '../live.js';
import { alertStore } from '../store.js';
import { alertHeader, drillTag, hotlineNotice, recipientList, statusText, timeline } from '../alertView.js';
import { alarm, unlockAudio } from '../alarm.js';
import { ensurePush } from '../push.js';
import { outbox } from '../outbox.js';
import { actionStatus } from '../outboxView.js';

const UNDO_SECONDS = 10;
const KINDS = ['threat', 'weapon', 'fight', 'group_moving', 'other'];
const RESPONSES = ['seen', 'on_my_way', 'on_scene', 'unable'];
const UNCONFIRMED = ['pending', 'pushed'];

export function coordinatorScreen(root, { me, params, go, setConnection }) {
  const canRaise = me.role === 'coordinator';
  const canDrill = me.role === 'coordinator' || me.role === 'team_lead';
  const store = alertStore(me);
  let current = params[0] || null;
  let pendingKey = null;
  let undoTimer = null;
  let liveView = null;
  let formsView = null;
  let homeList = null;

  // Another coordinator's alert, or one this team lead was added to by escalation, is theirs too: it rings,
  // its receipt is confirmed (which stops their SMS) and they can answer like a partner.
  const announcer = h('div.sr-only', { role: 'alert', 'aria-live': 'assertive', dataset: { testid: 'announcer' } });
  const confirming = new Set();
  const known = new Map();
  const live = new LiveAlerts({
    store,
    onState: setConnection,
    onSynced: () => {
      store.values().forEach(confirm);
      outbox.flush();
    },
  });
  // Every action's state (sent, waiting for the network, refused) is shown on the alert; the hub's answer is news.
  const unwatch = outbox.subscribe((item, alert) => {
    if (alert) {
      store.put(alert, 'api');
    }
    if (current && (!item || item.alertId === current)) {
      render();
    }
  });
  const unsubscribe = store.subscribe(({ alert, isNew, source }) => {
    confirm(alert);
    const added = addedNow(alert);
    if (mineOf(alert) && alert.status === 'open' && source !== 'initial' && (isNew || added)) {
      alarm(alert, announcer);
    }
    if (!current || alert.id === current) {
      render();
    }
  });

  function mineOf(alert) {
    return alert.recipients?.find((r) => r.personId === me.personId) || null;
  }

  /** True once per alert: the first time this person shows up among its recipients (raise or escalation). */
  function addedNow(alert) {
    const was = known.get(alert.id);
    const is = Boolean(mineOf(alert));
    known.set(alert.id, is);
    return is && was === false;
  }

  function confirm(alert) {
    const mine = mineOf(alert);
    if (alert.status !== 'open' || !mine || !UNCONFIRMED.includes(mine.delivery) || confirming.has(alert.id) || !live.isConnected) {
      return;
    }
    confirming.add(alert.id);
    live.confirmReceipt(alert.id).catch(() => confirming.delete(alert.id));
  }

  function answerButtons(alert) {
    const mine = mineOf(alert);
    if (alert.status !== 'open' || !mine) {
      return null;
    }
    return h('div.answers-block', {},
      mine.response ? h('p.your-answer', { dataset: { testid: 'your-answer' } },
        t('alert.yourAnswer', { answer: `${t(`response.${mine.response}`)} (${formatTime(mine.respondedAt)})` })) : null,
      h('div.answers', {}, RESPONSES.map((r) => h(`button.answer.answer-${r}`, {
        type: 'button',
        'aria-pressed': String(mine.response === r),
        onclick: () => submit(alert, 'acknowledgements', { response: r }, t('outbox.answer', { answer: t(`response.${r}`) })),
      }, t(`response.${r}`)))));
  }

  /** "2 onderweg, 1 ter plaatse, 3 geen antwoord · 4 min sinds de melding" */
  function summary(alert) {
    const counts = new Map();
    for (const r of alert.recipients || []) {
      const key = r.response || 'none';
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    const parts = [...RESPONSES, 'none'].filter((k) => counts.get(k)).map((k) => `${counts.get(k)} ${t(`summary.${k}`)}`);
    const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(alert.raisedAt)) / 60000));
    return h('p.summary', { dataset: { testid: 'summary' } }, parts.join(', '),
      alert.status === 'open' ? ` · ${t('summary.since', { minutes })}` : '');
  }

  function render() {
    if (current) {
      const alert = store.get(current);
      if (alert && liveView) {
        renderLive(alert);
        return;
      }
      if (alert) {
        renderAlert(alert);
      }
      return;
    }
    renderHome();
  }

  // The hotline's state is on the home screen before the tap: closed means no SMS, and 112 in acute danger.
  const hotlineView = h('div', { dataset: { testid: 'hotline-state' } });
  const raiseHint = h('p.muted', {}, t('alert.raiseHint'));
  let outOfHours = null; // issue 17: who gets the alert while the hotline is closed, shown before and after the tap
  async function showHotline() {
    try {
      const hotline = await api('GET', '/api/hotline');
      outOfHours = hotline.outOfHours || null;
      raiseHint.textContent = hotline.open ? t('alert.raiseHint') : t('alert.raiseHintClosed');
      mount(hotlineView, hotline.open ? null : h('section.hotline-closed', { role: 'status', dataset: { testid: 'hotline-closed-home' } },
        h('h3', {}, t('alert.hotlineClosed')),
        h('p', {}, hotline.notice),
        hotline.nextOpening ? h('p', {}, t('alert.hotlineOpensAt', { time: formatDateTime(hotline.nextOpening) })) : null,
        h('a.button.danger.big', { href: 'tel:112' }, t('alert.call112')),
        outOfHoursContact(outOfHours)));
    } catch {
      // Unknown is shown as nothing: the answer to the tap still says it plainly.
    }
  }
  const hotlineTimer = setInterval(showHotline, 60_000);
  ensurePush().catch(() => {}); // a coordinator can be a recipient too (another school's alert, escalation)

  function renderHome() {
    liveView = null;
    // The raise button and its status stay put while the list below changes (a push during a tap).
    if (!homeList || !root.contains(homeList)) {
      homeList = h('div');
      mount(root,
        announcer,
        canRaise ? hotlineView : null,
        canRaise ? h('section.raise', {},
          h('button.raise-button', { type: 'button', onclick: () => raise(), dataset: { testid: 'raise' } }, t('alert.raise')),
          raiseHint,
          h('div', { id: 'raise-status' })) : null,
        h('section', {}, h('h2', {}, t('alert.openAlerts')), homeList),
        canDrill ? drillStart() : null,
        canRaise ? alarmCodeForm() : null);
      if (canRaise) {
        showHotline();
        keepSchoolContacts();
      }
    }
    const open = store.values().filter((a) => a.status === 'open').sort((a, b) => b.sequence - a.sequence);
    mount(homeList, open.length
      ? h('ul.cards', { dataset: { testid: 'open-alerts' } }, open.map((a) => h('li', {},
        h('a.card', { href: `#/melding/${a.id}`, dataset: { alertId: a.id, testid: 'alert-link' } },
          drillTag(a),
          h('strong', {}, `${t(`kind.${a.kind}`)} — ${a.schoolName}`),
          h('span.muted', {}, ` ${formatTime(a.raisedAt)}`)))))
      : h('p.muted', {}, t('app.none')));
  }

  // R1: one tap, one alert. A fresh key per tap, the same key for every retry of that tap. A tap that does not get
  // through is tried again until it does — at once when the network returns — and meanwhile the screen says what
  // to do now: call 112, the school, its fixed contacts (kept on this device for this moment).
  let raising = false;
  let disposed = false;
  async function raise() {
    unlockAudio(); // a tap: the browser lets this page make sound from now on
    if (raising) {
      return;
    }
    raising = true;
    pendingKey ??= newId();
    const status = root.querySelector('#raise-status');
    const button = root.querySelector('[data-testid=raise]');
    button.disabled = true;
    mount(status, message(t('alert.raising')));
    try {
      for (let attempt = 1; pendingKey && !disposed; attempt++) {
        try {
          const response = await api('POST', '/api/alerts', { headers: { 'Idempotency-Key': pendingKey }, raw: true });
          // 200: this key was used before (an earlier attempt of this tap got through); the alert as it stands now.
          const created = response.status === 201;
          const answer = await response.json();
          pendingKey = null;
          store.put(answer, 'api');
          // A push may have brought a newer version before the answer did.
          const alert = store.get(answer.id) || answer;
          current = alert.id;
          history.replaceState(null, '', `#/melding/${alert.id}`);
          renderAlert(alert, { raised: created ? 'created' : 'repeated' });
          return;
        } catch (e) {
          if (!isTransient(e)) {
            pendingKey = null;
            mount(status, message(errorText(e), 'error'));
            return;
          }
          mount(status, notThrough(attempt));
          await retryDelay(Math.min(1000 * attempt, 10_000));
        }
      }
    } finally {
      raising = false;
      button.disabled = false;
    }
  }

  /** The region's out-of-hours contact next to "Bel 112": who gets the alert now, and their number. */
  function outOfHoursContact(contact) {
    if (!contact) {
      return null;
    }
    return h('div.out-of-hours', { dataset: { testid: 'out-of-hours' } },
      h('p', {}, t('alert.outOfHours', { name: contact.name })),
      contact.phone ? h('a.button.call', { href: `tel:${contact.phone}`, dataset: { testid: 'call-out-of-hours' } }, t('alert.callOutOfHours', { name: contact.name })) : null);
  }

  /**
   * Issue 17: a drill for the own school (coordinator) or any school of the region (team lead). Two steps, so a
   * stray tap does not alarm the partners; the hub says OEFENING in every text.
   */
  function drillStart() {
    const status = h('div', { dataset: { testid: 'drill-status' } });
    const select = h('select', { id: 'drill-school', dataset: { testid: 'drill-school' } });
    const confirmBox = h('div');
    const section = h('section.panel.drill-start', {},
      h('h2', {}, t('drill.title')),
      h('p.muted', {}, t('drill.startHint')),
      h('label', { for: 'drill-school' }, h('span', {}, t('drill.school')), select),
      h('button.secondary', { type: 'button', dataset: { testid: 'start-drill' }, onclick: ask }, t('drill.start')),
      confirmBox, status);
    api('GET', '/api/drills/schools').then((schools) => {
      mount(select, ...schools.map((s) => h('option', { value: s.id }, s.name)));
    }).catch((e) => mount(status, message(errorText(e), 'error')));

    function ask() {
      const school = select.selectedOptions[0];
      if (!school) {
        return;
      }
      mount(confirmBox, h('p', {}, t('drill.confirm', { school: school.textContent })),
        h('button', { type: 'button', dataset: { testid: 'confirm-drill' }, onclick: () => start(school.value) }, t('drill.start')));
    }

    async function start(schoolId) {
      confirmBox.replaceChildren();
      try {
        const alert = await api('POST', '/api/alerts', { body: { schoolId, drill: true }, headers: { 'Idempotency-Key': newId() } });
        store.put(alert, 'api');
        current = alert.id;
        history.replaceState(null, '', `#/melding/${alert.id}`);
        renderAlert(store.get(alert.id) || alert);
      } catch (e) {
        mount(status, message(errorText(e), 'error'));
      }
    }
    return section;
  }

  /**
   * Issue 17: the personal code for ALARM by SMS when data is down. Stored hashed by the hub; this screen never shows
   * the old one, it only replaces it.
   */
  function alarmCodeForm() {
    const status = h('div', { role: 'status', dataset: { testid: 'alarm-code-status' } });
    const input = h('input', {
      // No pattern or required: the hub's Dutch answer says what is wrong, not the browser's own bubble.
      id: 'alarm-code', type: 'password', inputMode: 'numeric', autocomplete: 'new-password', dataset: { testid: 'alarm-code' },
    });
    async function save(event) {
      event.preventDefault();
      try {
        await api('PUT', '/api/me/alarm-code', { body: { code: input.value } });
        input.value = '';
        mount(status, message(t('alarmCode.saved')));
      } catch (e) {
        mount(status, message(errorText(e), 'error'));
      }
    }
    return h('details.panel.alarm-code', {},
      h('summary', {}, t('alarmCode.title')),
      h('p.muted', {}, t('alarmCode.hint')),
      h('form', { onsubmit: save },
        h('label', { for: 'alarm-code' }, h('span', {}, t('alarmCode.label')), input),
        h('button.secondary', { type: 'submit', dataset: { testid: 'save-alarm-code' } }, t('alarmCode.save'))),
      status);
  }

  /** The drill report, printable like the evaluation export. */
  async function printDrillReport(alert) {
    const response = await api('GET', `/api/alerts/${alert.id}/report?format=html`, { raw: true });
    const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/html' }));
    window.open(url, '_blank', 'noopener');
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  /** Waits before the next try; the network coming back ends the wait at once. */
  function retryDelay(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        window.removeEventListener('online', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      window.addEventListener('online', done);
    });
  }

  /** The alert did not get through (yet): 112, the school's number and its fixed contacts, and that we keep trying. */
  function notThrough(attempt) {
    const school = cachedSchool();
    const call = (phone, text, testid) => h('a.button.call', { href: `tel:${phone}`, dataset: { testid } }, text);
    return h('section.not-through', { role: 'alert', dataset: { testid: 'raise-failed' } },
      h('h3', {}, t('alert.notThrough')),
      h('p', {}, t('alert.keepTrying', { attempt })),
      h('a.button.danger.big', { href: 'tel:112', dataset: { testid: 'call-112' } }, t('alert.call112')),
      school?.schoolPhone ? call(school.schoolPhone, t('contacts.callSchool', { school: school.schoolName }), 'call-school') : null,
      school?.contacts?.length ? h('ul.contact-list', { dataset: { testid: 'fixed-contacts' } }, school.contacts.map((c) => h('li', {},
        call(c.phone, t('contacts.call', { name: c.name, what: c.discipline ? t(`discipline.${c.discipline}`) : (c.organisation || '') }), 'call-contact')))) : null,
      h('button.secondary', {
        type: 'button',
        dataset: { testid: 'stop-trying' },
        onclick: () => {
          pendingKey = null;
          mount(root.querySelector('#raise-status'), message(t('alert.stoppedTrying'), 'warning'));
        },
      }, t('alert.stopTrying')));
  }

  function cachedSchool() {
    try {
      return JSON.parse(localStorage.getItem(SCHOOL_CONTACTS)) || null;
    } catch {
      return null;
    }
  }

  /** Asked while there is a network, for the moment there is none. */
  async function keepSchoolContacts() {
    try {
      localStorage.setItem(SCHOOL_CONTACTS, JSON.stringify(await api('GET', '/api/me/school')));
    } catch {
      // offline, or no school: what was kept stays
    }
  }

  function renderAlert(alert, { raised = null } = {}) {
    liveView = h('div', { dataset: { testid: 'alert-live' } });
    formsView = h('div.forms');
    mount(root,
      h('p', {}, h('a', { href: '#/melden' }, `← ${t('app.back')}`)),
      h('section.alert-view', {}, raised ? raisedNotice(alert, raised === 'created') : null, liveView, formsView));
    renderLive(alert);
  }

  function renderLive(alert) {
    mount(liveView,
      alertHeader(alert),
      hotlineNotice(alert, alert.hotlineOpen ? null : outOfHoursContact(outOfHours)),
      answerButtons(alert),
      actionStatus(me, alert.id),
      summary(alert),
      alert.drill ? h('button.secondary.no-print', {
        type: 'button',
        dataset: { testid: 'drill-report' },
        onclick: () => printDrillReport(alert).catch((e) => mount(root.querySelector('#drill-report-status'), message(errorText(e), 'error'))),
      }, t('drill.report')) : null,
      alert.drill ? h('div', { id: 'drill-report-status' }) : null,
      h('h3', {}, t('alert.recipients')),
      recipientList(alert),
      h('h3', {}, t('alert.timeline')),
      timeline(alert));
    if (alert.status !== 'open') {
      clearInterval(undoTimer);
      root.querySelector('.undo')?.remove();
      formsView.replaceChildren();
    } else if (!formsView.childElementCount) {
      mount(formsView, instructionForm(alert), detailsForm(alert), updateForm(alert), resolveForm(alert));
    }
  }

  /** After a tap: "sent" with the undo window, or — when the key was used before — how that alert stands now. */
  function raisedNotice(alert, created) {
    const text = created ? t('alert.sent') : t('alert.alreadyRaised', { status: statusText(alert) });
    if (created || alert.status === 'open') {
      return undoPanel(alert, text);
    }
    return h('section.raise-result', { role: 'status' }, h('p', { dataset: { testid: 'raise-result' } }, text));
  }

  function undoPanel(alert, text) {
    let left = UNDO_SECONDS;
    const button = h('button.big.secondary', { type: 'button', dataset: { testid: 'undo' } }, t('alert.undo', { seconds: left }));
    const panel = h('section.undo', { role: 'status' }, h('p', { dataset: { testid: 'raise-result' } }, text), button);
    clearInterval(undoTimer);
    undoTimer = setInterval(() => {
      left -= 1;
      if (left <= 0) {
        clearInterval(undoTimer);
        panel.remove();
      } else {
        button.textContent = t('alert.undo', { seconds: left });
      }
    }, 1000);
    button.addEventListener('click', () => {
      clearInterval(undoTimer);
      panel.remove();
      // Kept until the hub took it: a false alarm is withdrawn also when the network dropped just now.
      submit(alert, 'cancel', undefined, t('outbox.cancel'));
    });
    return panel;
  }

  function detailsForm(alert) {
    const kind = h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k, selected: k === alert.kind }, t(`kind.${k}`))));
    const note = h('textarea', { name: 'note', rows: 2, maxLength: 500, placeholder: t('alert.notePlaceholder') });
    return form(t('alert.details'), [label(t('alert.kind'), kind), label(t('alert.note'), note)], t('alert.addDetails'), () => {
      // The kind is the alert's own field (SMS, push and export follow it); the note is an update on the timeline.
      if (kind.value !== (store.get(alert.id) || alert).kind) {
        submit(alert, 'kind', { kind: kind.value }, t('outbox.kind', { kind: t(`kind.${kind.value}`) }));
      }
      if (note.value.trim()) {
        submit(alert, 'updates', { text: note.value.trim() }, t('outbox.update'));
        note.value = '';
      }
    });
  }

  /**
   * Issue 17: the one instruction for everyone. It replaces the version this person saw when they began typing;
   * if someone else set one meanwhile the hub refuses (409) and this says which — replacing it takes a second tap.
   */
  function instructionForm(alert) {
    let seen = null;
    const latest = () => (store.get(alert.id) || alert).instruction?.version ?? 0;
    const status = h('div', { dataset: { testid: 'instruction-status' } });
    const text = h('input', {
      name: 'instruction', maxLength: 200, placeholder: t('instruction.placeholder'), dataset: { testid: 'instruction-input' },
      oninput: () => { seen ??= latest(); },
    });
    async function send(replaces) {
      status.replaceChildren();
      try {
        const answer = await api('PUT', `/api/alerts/${alert.id}/instruction`, { body: { text: text.value.trim(), replaces } });
        store.put(answer, 'api');
        text.value = '';
        seen = null;
        mount(status, message(t('instruction.saved')));
      } catch (e) {
        if (e instanceof ApiError && e.status === 409 && e.problem.current) {
          const current = e.problem.current;
          mount(status, message(e.problem.detail, 'warning'),
            h('button', { type: 'button', dataset: { testid: 'instruction-replace' }, onclick: () => send(current.version) },
              t('instruction.replace', { text: current.text })));
        } else {
          mount(status, message(errorText(e), 'error'));
        }
      }
    }
    const el = form(t('instruction.heading'), [label(t('instruction.label'), text), status], t('instruction.set'), () => {
      if (text.value.trim()) {
        send(seen ?? latest());
      }
    });
    el.dataset.testid = 'instruction-form';
    return el;
  }

  function updateForm(alert) {
    const text = h('textarea', { name: 'update', rows: 2, maxLength: 500, placeholder: t('alert.updatePlaceholder') });
    return form(t('alert.update'), [text], t('alert.postUpdate'), () => {
      if (text.value.trim()) {
        submit(alert, 'updates', { text: text.value.trim() }, t('outbox.update'));
        text.value = '';
      }
    });
  }

  function resolveForm(alert) {
    const outcome = h('textarea', { name: 'outcome', rows: 2, maxLength: 500, placeholder: t('alert.outcomePlaceholder') });
    return form(t('alert.resolveHeading'), [label(t('alert.outcome'), outcome)], t('alert.resolve'), () => {
      submit(alert, 'resolve', { outcome: outcome.value.trim() || null }, t('outbox.resolve'));
    });
  }

  /** Through the outbox: sent now, or kept and sent again when the network returns; its state shows on the alert. */
  function submit(alert, action, body, text) {
    outbox.submit(me.personId, { alertId: alert.id, action, body, label: text });
  }

  function form(title, fields, submitText, onSubmit) {
    const el = h('form.panel', {}, h('h3', {}, title), fields, h('button.big', { type: 'submit' }, submitText));
    el.addEventListener('submit', (event) => {
      event.preventDefault();
      onSubmit();
    });
    return el;
  }

  function label(text, control) {
    return h('label', {}, h('span', {}, text), control);
  }

  render();
  live.start();
  // A link to an alert the feed does not bring (closed more than a day ago, or before the first sync).
  if (current && !store.get(current)) {
    api('GET', `/api/alerts/${current}`).then((alert) => store.put(alert, 'api')).catch((e) => {
      if (e instanceof ApiError && e.status === 404) {
        go('#/melden');
      }
    });
  }

  return () => {
    disposed = true;
    clearInterval(undoTimer);
    clearInterval(hotlineTimer);
    unsubscribe();
    unwatch();
    live.stop();
  };
}
