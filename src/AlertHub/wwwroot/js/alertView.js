// How an alert reads, shared by the coordinator's and the partner's screens.
import { t, formatTime, formatDateTime } from './i18n.js';
import { h } from './ui.js';

export function statusText(alert) {
  return t(`alert.${alert.status}`);
}

export function alertHeader(alert) {
  return h(`header.alert-head${alert.drill ? '.is-drill' : ''}`, {},
    drillBanner(alert),
    instructionView(alert),
    coverageNotice(alert),
    h('div.alert-title', {},
      h('h2', {}, `${t(`kind.${alert.kind}`)} — ${alert.schoolName}`),
      h(`span.badge.status-${alert.status}`, { dataset: { testid: 'alert-status' } }, statusText(alert))),
    h('p.muted', {}, t('alert.raisedAt', { time: formatTime(alert.raisedAt), name: alert.raisedBy })),
    alert.note ? h('p.note', {}, alert.note) : null,
    alert.outcome ? h('p.note', {}, t('alert.outcomeLabel', { outcome: alert.outcome })) : null);
}

/**
 * Issue 17: a required discipline had nobody reachable when the alert was raised — said at once, with whom to call
 * instead (the number in the hub's text becomes a call button).
 */
export function coverageNotice(alert) {
  if (!alert.coverageNotice || alert.status !== 'open') {
    return null;
  }
  return h('section.coverage-notice', { role: 'alert', dataset: { testid: 'coverage-notice' } },
    alert.coverageNotice.split('\n').map((line) => {
      const phone = /\((\+?[0-9]{6,15})\)/.exec(line)?.[1];
      return h('p', {}, h('strong', {}, line),
        phone ? h('a.button.call', { href: `tel:${phone}`, dataset: { testid: 'coverage-call' } }, t('coverage.call')) : null);
    }));
}

/** Issue 17: a drill is unmistakable wherever it shows — its own colour and the word OEFENING. */
export function drillBanner(alert) {
  return alert.drill
    ? h('p.drill-banner', { role: 'status', dataset: { testid: 'drill-banner' } }, h('strong', {}, t('push.drill')), ' — ', t('drill.notReal'))
    : null;
}

/** Issue 17: the one current instruction, at the top of every screen that shows the alert. */
export function instructionView(alert) {
  const i = alert.instruction;
  return i
    ? h('section.instruction', { role: 'status', dataset: { testid: 'instruction', version: String(i.version) } },
      h('span.instruction-label', {}, t('instruction.title')),
      h('strong.instruction-text', {}, i.text),
      h('span.muted', {}, t('instruction.by', { name: i.setBy, time: formatTime(i.setAt) })))
    : null;
}

/** The word OEFENING before a drill's title in a list. */
export function drillTag(alert) {
  return alert.drill ? h('span.drill-tag', { dataset: { testid: 'drill-tag' } }, t('push.drill')) : null;
}

/** R4: outside hotline hours the screen says so plainly and points to 112. */
export function hotlineNotice(alert, extra = null) {
  if (alert.hotlineOpen) {
    return null;
  }
  return h('section.hotline-closed', { role: 'alert', dataset: { testid: 'hotline-closed' } },
    h('h3', {}, t('alert.hotlineClosed')),
    alert.notice ? h('p', {}, alert.notice) : null,
    h('a.button.danger.big', { href: 'tel:112' }, t('alert.call112')),
    extra);
}

export function recipientList(alert) {
  if (!alert.recipients?.length) {
    return h('p.muted', {}, t('alert.noRecipients'));
  }
  return h('ul.recipients', { dataset: { testid: 'recipients' } },
    alert.recipients.map((r) => h('li.recipient', { dataset: { person: r.personId } },
      h('div.who', {},
        h('strong', {}, r.name),
        h('span.muted', {}, [r.organisation, r.discipline ? t(`discipline.${r.discipline}`) : null].filter(Boolean).join(' · '))),
      h('div.state', {},
        h(`span.badge.delivery-${r.delivery}`, {}, t(`delivery.${r.delivery}`)),
        r.response
          ? h(`span.badge.response.response-${r.response}`, { dataset: { testid: 'response' } },
            t('alert.answeredAt', { answer: t(`response.${r.response}`), time: formatTime(r.respondedAt) }))
          : h('span.muted.small', {}, t('response.none'))))));
}

/** Updates and answers in time order: what happened, by whom, when. */
export function timeline(alert) {
  const entries = [
    { at: alert.raisedAt, text: `${t(`kind.${alert.kind}`)} — ${alert.raisedBy}` },
    ...(alert.updates || []).map((u) => ({ at: u.at, text: `${u.by}: ${u.text}` })),
    ...(alert.recipients || []).filter((r) => r.response)
      .map((r) => ({ at: r.respondedAt, text: `${r.name}: ${t(`response.${r.response}`)}` })),
  ];
  if (alert.closedAt) {
    entries.push({ at: alert.closedAt, text: statusText(alert) });
  }
  entries.sort((a, b) => new Date(a.at) - new Date(b.at));
  return h('ol.timeline', { dataset: { testid: 'timeline' } },
    entries.map((e) => h('li', {}, h('time', { dateTime: e.at }, formatDateTime(e.at)), ' ', e.text)));
}
