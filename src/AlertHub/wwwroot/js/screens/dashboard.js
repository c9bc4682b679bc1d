// R12: the region's figures as charts (Chart.js from npm, loaded as wwwroot/lib/chart.umd.min.js).
import { api } from '../api.js';
import { t } from '../i18n.js';
import { h, mount, message } from '../ui.js';

const COLORS = ['#b00020', '#1d4ed8', '#1b7a3d', '#9a6700', '#7c3aed', '#0e7490', '#be185d', '#4b5563'];

export function dashboardScreen(root) {
  const charts = [];
  (async () => {
    let data;
    try {
      data = await api('GET', '/api/dashboard');
    } catch (e) {
      mount(root, message(e.problem?.title || t('app.error'), 'error'));
      return;
    }
    const labels = data.months.map(monthLabel);
    // Each chart is an image named by its title, with the same figures as a table below it (for screen readers
    // and for anyone who wants the numbers).
    const table = (series) => h('details.chart-table', {}, h('summary', {}, t('dash.asTable')),
      h('div.table-wrap', { tabindex: '0', role: 'region', 'aria-label': t('dash.asTable') }, h('table', {},
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('dash.month')), series.map((s) => h('th', { scope: 'col' }, s.label)))),
        h('tbody', {}, labels.map((label, i) => h('tr', {}, h('th', { scope: 'row' }, label),
          series.map((s) => h('td', {}, s.data[i] ?? '—'))))))));
    const card = (title, id, series, extra) => h('section.chart', { dataset: { testid: id } }, h('h3', { id: `${id}-title` }, title), extra,
      h('div.chart-box', {}, h('canvas', { id, role: 'img', 'aria-labelledby': `${id}-title` })), table(series));
    const perSchool = data.alertsPerSchool.map((s) => ({ label: s.schoolName, data: s.counts }));
    mount(root,
      h('h2', {}, t('dash.heading')),
      h('div.charts', {},
        card(t('dash.perSchool'), 'chart-per-school', perSchool),
        card(t('dash.firstAck'), 'chart-first-ack', [{ label: t('dash.seconds'), data: data.medianSecondsToFirstAck }]),
        card(t('dash.smsRate'), 'chart-sms', [{ label: t('dash.percent'), data: data.smsFallbackPercent }]),
        card(t('dash.overdue'), 'chart-overdue', [{ label: t('dash.count'), data: data.evaluationsOverdue }],
          h('p.big-number', { dataset: { testid: 'overdue-now' } }, String(data.evaluationsOverdueNow)))));

    const base = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom' } } };
    const draw = (id, config) => charts.push(new window.Chart(root.querySelector(`#${id}`), config));
    draw('chart-per-school', {
      type: 'bar',
      data: {
        labels,
        datasets: data.alertsPerSchool.map((s, i) => ({ label: s.schoolName, data: s.counts, backgroundColor: COLORS[i % COLORS.length] })),
      },
      options: { ...base, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: t('dash.alerts') } } } },
    });
    draw('chart-first-ack', {
      type: 'line',
      data: { labels, datasets: [{ label: t('dash.seconds'), data: data.medianSecondsToFirstAck, borderColor: COLORS[1], backgroundColor: COLORS[1], spanGaps: true }] },
      options: { ...base, scales: { y: { beginAtZero: true, title: { display: true, text: t('dash.seconds') } } } },
    });
    draw('chart-sms', {
      type: 'bar',
      data: { labels, datasets: [{ label: t('dash.percent'), data: data.smsFallbackPercent, backgroundColor: COLORS[3] }] },
      options: { ...base, scales: { y: { beginAtZero: true, suggestedMax: 100, title: { display: true, text: t('dash.percent') } } } },
    });
    draw('chart-overdue', {
      type: 'bar',
      data: { labels, datasets: [{ label: t('dash.count'), data: data.evaluationsOverdue, backgroundColor: COLORS[0] }] },
      options: { ...base, scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: t('dash.count') } } } },
    });
    root.dataset.chartsReady = String(charts.length);
  })();
  return () => {
    charts.forEach((c) => c.destroy());
    delete root.dataset.chartsReady;
  };
}

function monthLabel(yyyyMm) {
  const [year, month] = yyyyMm.split('-').map(Number);
  return new Date(year, month - 1, 1).toLocaleDateString('nl-NL', { month: 'short', year: '2-digit' });
}
