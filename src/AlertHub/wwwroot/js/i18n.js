// Texts are looked up by key in /i18n/<lang>.json, so another language is one more file.
let texts = {};
let locale = 'nl-NL';

export async function loadTexts(lang = 'nl') {
  const response = await fetch(`/i18n/${lang}.json`);
  texts = await response.json();
  locale = lang === 'nl' ? 'nl-NL' : lang;
  document.documentElement.lang = lang;
}

export function t(key, vars = {}) {
  const text = texts[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? ''));
}

export function formatTime(iso) {
  return iso ? new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' }) : '';
}

export function formatDateTime(iso) {
  return iso
    ? new Date(iso).toLocaleString(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })
    : '';
}

/** With the year: for rosters and lists an admin keeps for months. */
export function formatDateTimeYear(iso) {
  return iso
    ? new Date(iso).toLocaleString(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' })
    : '';
}

export function formatDate(iso) {
  return iso ? new Date(iso).toLocaleDateString(locale, { day: 'numeric', month: 'long', year: 'numeric' }) : '';
}
