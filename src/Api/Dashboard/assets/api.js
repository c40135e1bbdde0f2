// The dashboard is a client of the REST API: every number on the page comes from /v1/* or /readyz,
// fetched with the bearer token the operator typed in (kept in this tab's sessionStorage only).
const KEY = "kdumpd.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY);
  },
  identity: null,
  has(role) { return !!this.identity && this.identity.roles.includes(role); },
};

async function request(path, { method = "GET", accept = "application/json", anonymous = false } = {}) {
  const headers = { Accept: accept };
  if (!anonymous && session.token) headers.Authorization = `Bearer ${session.token}`;
  const response = await fetch(path, { method, headers, cache: "no-store" });
  return response;
}

async function problem(response) {
  try {
    const body = await response.json();
    return body.detail || body.title || response.statusText;
  } catch {
    return response.statusText;
  }
}

/** GET JSON; 404 answers null when allowed, anything else not 2xx throws ApiError with the server's detail. */
export async function getJson(path, { allow404 = false, anonymous = false, allowStatus = [] } = {}) {
  const response = await request(path, { anonymous });
  if (response.ok || allowStatus.includes(response.status)) return response.json();
  if (allow404 && response.status === 404) return null;
  throw new ApiError(response.status, await problem(response));
}

export async function getText(path) {
  const response = await request(path, { accept: "text/plain" });
  if (!response.ok) throw new ApiError(response.status, await problem(response));
  return response.text();
}

export async function post(path) {
  const response = await request(path, { method: "POST" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok && !body.outcome) throw new ApiError(response.status, body.detail || response.statusText);
  return body;
}

/** Checks a token against /v1/whoami; on success it becomes the session's token. */
export async function signIn(token) {
  const response = await fetch("/v1/whoami", { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
  if (response.status === 401) throw new ApiError(401, "kdumpd does not know this token.");
  if (!response.ok) throw new ApiError(response.status, await problem(response));
  session.token = token;
  session.identity = await response.json();
  return session.identity;
}

export async function restore() {
  if (!session.token) return null;
  try {
    session.identity = await getJson("/v1/whoami");
  } catch {
    session.token = null;
    session.identity = null;
  }
  return session.identity;
}

export function signOut() {
  session.token = null;
  session.identity = null;
}

/**
 * Saves a download-role file: the request needs the bearer header, which a plain link cannot send,
 * so the page fetches it and hands the bytes to the browser's save dialog.
 */
export async function download(path, fileName) {
  const response = await request(path, { accept: "*/*" });
  if (!response.ok) throw new ApiError(response.status, await problem(response));
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
