// The state of a person's actions on one alert, where they took them: "wordt verstuurd", "verstuurd",
// "geen verbinding — wordt verstuurd zodra er verbinding is", or what went wrong with "Opnieuw".
import { outbox } from './outbox.js';
import { t } from './i18n.js';
import { h } from './ui.js';

export function actionStatus(me, alertId) {
  const items = outbox.of(me.personId, alertId);
  if (!items.length) {
    return null;
  }
  return h('ul.action-states', { dataset: { testid: 'action-states' } }, items.map((item) => h(`li.action-state.${item.state}`, {
    role: item.state === 'failed' ? 'alert' : 'status',
    dataset: { testid: 'action-state', state: item.state },
  },
  h('span', {}, item.state === 'failed' ? t('outbox.failed', { action: item.label, reason: item.error }) : t(`outbox.${item.state}`, { action: item.label })),
  item.state === 'failed' ? h('button.secondary', { type: 'button', onclick: () => outbox.retry(item.id) }, t('outbox.retry')) : null,
  item.state === 'failed' ? h('button.link', { type: 'button', onclick: () => outbox.dismiss(item.id) }, t('outbox.dismiss')) : null)));
}
