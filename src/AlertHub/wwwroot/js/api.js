// HTTP access to AlertHub. Tokens live in sessionStorage only (gone when the tab closes)
// and are never logged or shown.
const KEY = 'alerthub.session';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

let session = load();
let refreshing = null;

function store(tokens) {
  session = {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    // Refresh a minute early so a request never leaves with a token about to expire.
    expiresAt: Date.now() + (tokens.expiresIn - 60) * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function signedIn() {
  return session !== null;
}

export function signOut() {
  session = null;
  sessionStorage.removeItem(KEY);
}

export async function login(email, password) {
  const response = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  store(await response.json());
}

async function refresh() {
  if (!session) {
    throw new ApiError(401);
  }
  refreshing ??= (async () => {
    try {
      const response = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      });
      if (!response.ok) {
        signOut();
        throw new ApiError(response.status, await problemOf(response));
      }
      store(await response.json());
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** A valid access token, refreshed when it is (almost) expired; used by the SignalR connection too. */
export async function accessToken() {
  if (session && Date.now() >= session.expiresAt) {
    await refresh();
  }
  if (!session) {
    throw new ApiError(401);
  }
  return session.accessToken;
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
    return fetch(path, init);
  };
  let response = await send();
  if (response.status === 401 && session) {
    await refresh();
    response = await send();
  }
  if (!response.ok) {
    if (response.status === 401) {
      signOut();
      window.dispatchEvent(new Event('alerthub:signed-out'));
    }
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
