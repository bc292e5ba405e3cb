import * as session from '../session.js';
import { api } from '../api.js';
import { h, errorBox } from '../ui.js';

/** A name and password (Dashboard:Users), or a bearer token pasted as is. */
export function renderSignIn(main, next) {
  const problem = h('div', { 'aria-live': 'assertive' });
  const done = () => { location.hash = next.startsWith('#/sign-in') ? '#/' : next; };

  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const credentials = h('form', { class: 'card signin', id: 'sign-in-form' },
    h('h2', {}, 'Sign in'),
    h('label', { for: 'username' }, 'User name'), username,
    h('label', { for: 'password' }, 'Password'), password,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  credentials.addEventListener('submit', async event => {
    event.preventDefault();
    problem.replaceChildren();
    try {
      const answer = await api('/dashboard/sign-in', { method: 'POST', body: { username: username.value, password: password.value } });
      session.start(answer.token);
      done();
    } catch (error) {
      problem.replaceChildren(errorBox(error));
      password.select();
    }
  });

  const token = h('textarea', { id: 'token', rows: 4, spellcheck: 'false', required: true });
  const tokenForm = h('form', { class: 'card signin', id: 'token-form' },
    h('h2', {}, 'Or use a token'),
    h('label', { for: 'token' }, 'Bearer token (from your identity provider or `Bus.Gateway token`)'), token,
    h('button', { type: 'submit' }, 'Use token'));
  tokenForm.addEventListener('submit', async event => {
    event.preventDefault();
    problem.replaceChildren();
    try {
      session.start(token.value);
      await api('/stats/system');
      done();
    } catch (error) {
      session.end();
      problem.replaceChildren(errorBox(error));
    }
  });

  main.append(h('h1', {}, 'Bus dashboard'), problem, h('div', { class: 'signin-forms' }, credentials, tokenForm));
  username.focus();
}
