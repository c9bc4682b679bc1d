// Issue 17: the team lead's coverage screen. Per required discipline: who is on call now and whether their
// devices answered this morning's opening check; the roster's gaps for the rest of today and for tomorrow; and the
// check's list of who could not be reached, why, and whether they got the SMS. Refreshed every minute.
import { api } from '../api.js';
import { t, formatTime } from '../i18n.js';
import { h, mount, message } from '../ui.js';

export function coverageScreen(root) {
  let timer = null;
  async function load() {
    let data;
    try {
      data = await api('GET', '/api/coverage');
    } catch (e) {
      mount(root, message(e.problem?.title || t('app.error'), 'error'));
      return;
    }
    mount(root,
      h('h2', {}, t('coverage.heading')),
      data.hotlineOpen ? null : h('p.muted', {}, t('coverage.hotlineClosed')),
      h('section.panel', { dataset: { testid: 'coverage-now' } },
        h('h3', {}, t('coverage.now')),
        h('ul.coverage-list', {}, data.now.map(disciplineRow))),
      gapsSection('coverage-today', t('coverage.today'), data.today),
      gapsSection('coverage-tomorrow', t('coverage.tomorrow'), data.tomorrow),
      checkSection(data.lastCheck));
  }

  function disciplineRow(d) {
    const name = t(`discipline.${d.discipline}`);
    return h(`li.coverage-item${d.gap ? '.gap' : ''}`, { dataset: { testid: 'coverage-discipline', discipline: d.discipline, gap: String(d.gap) } },
      h('strong', {}, name),
      d.gap ? h('p.coverage-gap', { role: 'alert' }, d.notice,
        d.callPhone ? h('a.button.call', { href: `tel:${d.callPhone}` }, t('coverage.callName', { name: d.callName })) : null) : null,
      d.onCall.length
        ? h('ul', {}, d.onCall.map((p) => h('li', {}, `${p.name}${p.isBackup ? ` (${t('coverage.backup')})` : ''} — `, reachText(p.reachable))))
        : h('p.muted', {}, t('coverage.nobodyOnCall')));
  }

  function reachText(reachable) {
    if (reachable === true) {
      return h('span.ok', {}, t('coverage.reachable'));
    }
    if (reachable === false) {
      return h('span.bad', {}, t('coverage.unreachable'));
    }
    return h('span.muted', {}, t('coverage.unknown'));
  }

  function gapsSection(testid, title, gaps) {
    return h('section.panel', { dataset: { testid } },
      h('h3', {}, title),
      gaps.length ? h('ul', {}, gaps.map((g) => h('li.coverage-gap', {}, g.text))) : h('p.muted', {}, t('coverage.noGaps')));
  }

  function checkSection(check) {
    if (!check) {
      return h('section.panel', { dataset: { testid: 'coverage-check' } }, h('h3', {}, t('coverage.check')), h('p.muted', {}, t('coverage.noCheck')));
    }
    const unreachable = check.targets.filter((x) => x.reachable === false);
    return h('section.panel', { dataset: { testid: 'coverage-check' } },
      h('h3', {}, t('coverage.checkAt', { time: formatTime(check.startedAt) })),
      check.concludedAt ? null : h('p.muted', {}, t('coverage.checkRunning', { time: formatTime(check.answerBy) })),
      h('p', {}, t('coverage.checkSummary', { answered: check.targets.filter((x) => x.reachable === true).length, total: check.targets.length })),
      unreachable.length
        ? h('ul', { dataset: { testid: 'unreachable' } }, unreachable.map((x) => h('li', {},
          h('strong', {}, x.name), ` (${x.discipline ? t(`discipline.${x.discipline}`) : ''}): ${x.reason}`,
          x.smsSent ? ` — ${t('coverage.smsSent')}` : '')))
        : (check.concludedAt ? h('p', {}, t('coverage.allReachable')) : null));
  }

  load();
  timer = setInterval(load, 60_000);
  return () => clearInterval(timer);
}
