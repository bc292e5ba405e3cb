import * as session from './session.js';
import * as live from './live.js';
import { h } from './ui.js';
import { renderSignIn } from './views/signin.js';
import { renderOverview } from './views/overview.js';
import { renderQueue } from './views/queue.js';
import { renderTask } from './views/task.js';
import { renderErrors } from './views/errors.js';
import { renderSchedules } from './views/schedules.js';

// #/path?query: each view renders into <main> and returns what stops its timers and live listeners.
const routes = [
  [/^\/$/, renderOverview],
  [/^\/queues\/([\w.-]+)$/, renderQueue],
  [/^\/queues\/([\w.-]+)\/errors$/, renderErrors],
  [/^\/tasks\/([0-9a-fA-F-]{36})$/, renderTask],
  [/^\/schedules$/, renderSchedules],
];

const main = document.getElementById('main');
let cleanup = null;

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return { path, query: new URLSearchParams(search) };
}

function showUser() {
  const current = session.current();
  document.getElementById('who').textContent = current ? `${current.subject} (${current.roles.join(', ')})` : '';
  document.getElementById('sign-out').hidden = !current;
  document.body.dataset.role = current?.roles.includes('admin') ? 'admin' : current?.roles.includes('producer') ? 'producer' : 'viewer';
}

async function route() {
  cleanup?.();
  cleanup = null;
  const { path, query } = parseHash();
  showUser();
  main.replaceChildren();
  if (path === '/sign-in' || !session.current()) {
    await live.stop();
    cleanup = renderSignIn(main, query.get('next') ?? (path === '/sign-in' ? '#/' : location.hash || '#/'));
    return;
  }
  live.start();
  for (const [pattern, render] of routes) {
    const match = path.match(pattern);
    if (match) {
      document.querySelectorAll('header nav a').forEach(a => a.toggleAttribute('aria-current', a.getAttribute('href') === '#' + path));
      cleanup = render(main, match.slice(1).map(decodeURIComponent), query) ?? null;
      return;
    }
  }
  main.append(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the overview')));
}

document.getElementById('sign-out').addEventListener('click', () => {
  session.end();
  location.hash = '#/sign-in';
});
window.addEventListener('hashchange', route);
route();
