// The signed-in user's token, kept for this browser tab only (sessionStorage), with the roles read from it.
const key = 'bus.dashboard.token';

function decode(token) {
  const part = token.split('.')[1];
  if (!part) throw new Error('This is not a bearer token (JWT).');
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
  const claims = JSON.parse(decodeURIComponent([...json].map(c => '%' + c.charCodeAt(0).toString(16).padStart(2, '0')).join('')));
  const roles = [claims.role ?? []].flat();
  return { token, subject: claims.sub ?? '?', roles, expiresAt: claims.exp ? new Date(claims.exp * 1000) : null };
}

export function current() {
  const token = sessionStorage.getItem(key);
  if (!token) return null;
  try {
    const session = decode(token);
    if (session.expiresAt && session.expiresAt <= new Date()) {
      sessionStorage.removeItem(key);
      return null;
    }
    return session;
  } catch {
    sessionStorage.removeItem(key);
    return null;
  }
}

/** Stores the token after checking it reads as a JWT; throws with a reason otherwise. */
export function start(token) {
  const session = decode(token.trim());
  sessionStorage.setItem(key, session.token);
  return session;
}

export function end() {
  sessionStorage.removeItem(key);
}

/** What the user may do; the API refuses the rest anyway, the dashboard only hides the buttons. */
export function can(level) {
  const roles = current()?.roles ?? [];
  if (level === 'admin') return roles.includes('admin');
  if (level === 'producer') return roles.includes('admin') || roles.includes('producer');
  return roles.length > 0;
}
