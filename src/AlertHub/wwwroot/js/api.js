// HTTP access to AlertHub. R13, staying signed in on a trusted device: the long-lived credential is the
// device cookie (HttpOnly, so this script — or an injected one — never sees it; sent only to /api/auth).
// The access token lives in this module's memory only: renewed from the cookie on start, shortly before it
// expires, on a 401 and when the live connection drops. What the shell needs to draw the last screen
// without a network (name, role, person id; never a token) is kept in localStorage.
import { t } from './i18n.js';

const PROFILE = 'alerthub.profile';
// Kept for the moment the network is gone (R13): the coordinator's school number and fixed contacts.
export const SCHOOL_CONTACTS = 'alerthub.schoolContacts';
const SIGN_OUT_PENDING = 'alerthub.signOutPending';
// The cookie endpoints answer only requests carrying this header (a page on another site cannot send it).
const DEVICE = { 'X-AlertHub-Device': '1' };

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** The hub cannot be reached (no network, or a proxy/server error): the session itself may be fine. */
export class OfflineError extends Error {
  constructor() {
    super('offline');
  }
}

let token = null;
let refreshing = null;
let timer = null;
let lastRenew = 0;

/** The last signed-in person of this device (for the offline shell), or null. */
export function profile() {
  try {
    return JSON.parse(localStorage.getItem(PROFILE)) || null;
  } catch {
    return null;
  }
}

export function saveProfile(me) {
  const { personId, name, role, regionId, schoolId, discipline } = me;
  localStorage.setItem(PROFILE, JSON.stringify({ personId, name, role, regionId, schoolId, discipline }));
}

function keep(tokens) {
  const lifetime = tokens.expiresIn * 1000;
  const now = Date.now();
  // Renewed before it runs out: a minute early, or a quarter early for short lifetimes.
  token = { accessToken: tokens.accessToken, renewAt: now + lifetime - Math.min(60_000, lifetime / 4), expiresAt: now + lifetime };
  clearTimeout(timer);
  timer = setTimeout(() => refresh().catch(() => {}), token.renewAt - now);
}

function forget() {
  token = null;
  clearTimeout(timer);
  localStorage.removeItem(PROFILE);
  localStorage.removeItem(SCHOOL_CONTACTS);
}

/**
 * What went wrong, in Dutch, for the person on the screen: the server's own words where it gave them (field
 * errors first), else by kind. Never a browser's "Failed to fetch" or a library's exception text.
 */
export function errorText(e) {
  if (e instanceof ApiError) {
    const fields = Object.values(e.problem?.errors || {}).flat();
    if (fields.length) {
      return fields.join(' ');
    }
    if (e.problem?.detail) {
      return e.problem.detail;
    }
    const byStatus = { 400: 'errors.invalid', 401: 'errors.session', 403: 'errors.forbidden', 404: 'errors.notFound',
      409: 'errors.conflict', 413: 'errors.tooLarge', 422: 'errors.invalid', 429: 'errors.tooMany' };
    return t(byStatus[e.status] || (e.status >= 500 ? 'errors.server' : 'app.error'));
  }
  if (e instanceof OfflineError || e instanceof TypeError) {
    return t('errors.offline');
  }
  return t('app.error');
}

/** Worth sending again as it is: the request may not have arrived, or the server could not take it just now. */
export function isTransient(e) {
  return e instanceof OfflineError || e instanceof TypeError
    || (e instanceof ApiError && (e.status >= 500 || e.status === 408 || e.status === 429));
}

export function signedIn() {
  return token !== null;
}

/** Ends the device session on the server (or does so on the next start when offline) and clears local data. */
export async function signOut() {
  forget();
  // What this person still had queued (an answer given offline) is theirs only: dropped with the session.
  window.dispatchEvent(new Event('alerthub:signed-out'));
  localStorage.setItem(SIGN_OUT_PENDING, '1');
  await finishSignOut();
}

/** A sign-out made offline: the cookie still works until the server has ended the session. */
export async function finishSignOut() {
  if (!localStorage.getItem(SIGN_OUT_PENDING)) {
    return true;
  }
  try {
    const response = await fetch('/api/auth/device/logout', { method: 'POST', headers: DEVICE });
    if (response.ok) {
      localStorage.removeItem(SIGN_OUT_PENDING);
      return true;
    }
  } catch {
    // still offline: tried again on the next start
  }
  return false;
}

export async function login(email, password) {
  const response = await fetch('/api/auth/device/login', {
    method: 'POST',
    headers: { ...DEVICE, 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  localStorage.removeItem(SIGN_OUT_PENDING);
  keep(await response.json());
}

/**
 * A new access token from the device cookie. 401: the session is over (ended, expired, or this device never
 * signed in) — if there was one, 'alerthub:session-expired' tells the app. Network or server trouble:
 * OfflineError, and another try shortly.
 */
export function refresh() {
  refreshing ??= (async () => {
    try {
      let response;
      try {
        response = await fetch('/api/auth/device/refresh', { method: 'POST', headers: DEVICE });
      } catch {
        throw unreachable();
      }
      if (response.status === 401) {
        const hadSession = token !== null || profile() !== null;
        forget();
        if (hadSession) {
          window.dispatchEvent(new Event('alerthub:session-expired'));
        }
        throw new ApiError(401, await problemOf(response));
      }
      if (!response.ok) {
        throw unreachable();
      }
      keep(await response.json());
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

function unreachable() {
  clearTimeout(timer);
  if (profile() !== null) {
    timer = setTimeout(() => refresh().catch(() => {}), 15_000);
  }
  return new OfflineError();
}

/**
 * The live connection dropped while the network is there: maybe because this device was ended, so the
 * cookie is asked (at most every 10 s). Its answer is all that counts; errors are the caller's no-op.
 */
export function renew() {
  if (Date.now() - lastRenew < 10_000 || profile() === null) {
    return;
  }
  lastRenew = Date.now();
  refresh().catch(() => {});
}

/** A valid access token, renewed when it is (almost) expired; used by the SignalR connection too. */
export async function accessToken() {
  if (!token || Date.now() >= token.renewAt) {
    try {
      await refresh();
    } catch (e) {
      // Offline with a token that still holds: use it for as long as it does.
      if (!(e instanceof OfflineError && token && Date.now() < token.expiresAt)) {
        throw e;
      }
    }
  }
  return token.accessToken;
}

async function problemOf(response) {
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  }
  return null;
}

/** Calls the API as the signed-in user; one refresh and retry on 401. */
export async function api(method, path, { body, headers = {}, raw = false } = {}) {
  const send = async () => {
    const init = { method, headers: { ...headers, Authorization: `Bearer ${await accessToken()}` } };
    if (body !== undefined) {
      if (typeof body === 'string') {
        init.body = body;
      } else {
        init.body = JSON.stringify(body);
        init.headers['Content-Type'] = 'application/json';
      }
    }
    try {
      return await fetch(path, init);
    } catch {
      throw new OfflineError(); // the request may or may not have arrived: only an idempotent retry is safe
    }
  };
  let response = await send();
  if (response.status === 401) {
    await refresh();
    response = await send();
  }
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  if (raw) {
    return response;
  }
  return response.status === 204 ? null : problemOf(response);
}

/** A random UUID that also works outside a secure context (plain http on a school network). */
export function newId() {
  if (crypto.randomUUID) {
    return crypto.randomUUID();
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
