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
    const card = (title, id, extra) => h('section.chart', { dataset: { testid: id } }, h('h3', {}, title), extra, h('canvas', { id }));
    mount(root,
      h('h2', {}, t('dash.heading')),
      h('div.charts', {},
        card(t('dash.perSchool'), 'chart-per-school'),
        card(t('dash.firstAck'), 'chart-first-ack'),
        card(t('dash.smsRate'), 'chart-sms'),
        card(t('dash.overdue'), 'chart-overdue', h('p.big-number', { dataset: { testid: 'overdue-now' } }, String(data.evaluationsOverdueNow)))));

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
      options: { ...base, scales: { y: { beginAtZero: true } } },
    });
    draw('chart-sms', {
      type: 'bar',
      data: { labels, datasets: [{ label: t('dash.percent'), data: data.smsFallbackPercent, backgroundColor: COLORS[3] }] },
      options: { ...base, scales: { y: { beginAtZero: true, suggestedMax: 100 } } },
    });
    draw('chart-overdue', {
      type: 'bar',
      data: { labels, datasets: [{ label: t('dash.count'), data: data.evaluationsOverdue, backgroundColor: COLORS[0] }] },
      options: { ...base, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
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
