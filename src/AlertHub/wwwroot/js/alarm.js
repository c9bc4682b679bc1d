// What a new alert does on a device of someone it was sent to — partner, coordinator or team lead alike:
// an announcement for screen readers, three beeps, a vibration and (when the page is hidden) a notification
// without names or notes, since it can show on a locked screen.
import { t, formatTime } from './i18n.js';

let audio = null;

export function alarm(alert, announcer) {
  if (announcer) {
    announcer.textContent = (alert.drill ? `${t('push.drill')} ` : '') + t('alert.announce', { kind: t(`kind.${alert.kind}`), school: alert.schoolName, time: formatTime(alert.raisedAt) });
  }
  beep();
  navigator.vibrate?.([400, 200, 400, 200, 400]);
  if ('Notification' in window && Notification.permission === 'granted' && document.visibilityState !== 'visible') {
    new Notification((alert.drill ? `${t('push.drill')} ` : '') + t('alert.notificationTitle', { kind: t(`kind.${alert.kind}`) }), {
      body: t('alert.notificationBody', { school: alert.schoolName, time: formatTime(alert.raisedAt) }),
      tag: alert.id,
      icon: '/icons/icon-192.png',
    });
  }
}

export function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (Context) {
    audio ??= new Context();
    audio.resume?.();
  }
}

/** Three short beeps through WebAudio; silent until the user has tapped once (browser rule). */
export function beep() {
  try {
    unlockAudio();
    if (!audio) {
      return;
    }
    const start = audio.currentTime;
    for (let i = 0; i < 3; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.3;
      osc.connect(gain).connect(audio.destination);
      osc.start(start + i * 0.35);
      osc.stop(start + i * 0.35 + 0.2);
    }
  } catch {
    // No sound is better than a broken inbox.
  }
}
