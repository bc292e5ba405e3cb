import * as session from './session.js';

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
  }
}

/** Calls the Gateway's API with the session's token; a 401 ends the session and shows the sign-in. */
export async function api(path, { method = 'GET', body, query } = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query ?? {}))
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  const headers = { accept: 'application/json' };
  const token = session.current()?.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'The Gateway did not answer', 'check the connection and retry');
  }
  if (response.status === 401 && token) {
    session.end();
    location.hash = '#/sign-in?next=' + encodeURIComponent(location.hash);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const errors = json?.errors ? ' ' + Object.entries(json.errors).map(([k, v]) => `${k}: ${[v].flat().join(' ')}`).join('; ') : '';
    throw new ApiError(response.status, json?.title ?? `HTTP ${response.status}`, (json?.detail ?? '') + errors);
  }
  return json;
}
