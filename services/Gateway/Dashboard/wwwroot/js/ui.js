import * as session from './session.js';

/** Builds an element; text is always set as text, never parsed as HTML, so task data cannot inject markup. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function toast(message, kind = 'info') {
  const item = h('div', { class: `toast ${kind}` }, message);
  document.getElementById('toasts').append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 10000 : 4000);
}

/**
 * A button for an action the user's role allows, or nothing at all (a viewer sees no action buttons).
 * It asks for confirmation when given one, disables itself while the call runs and reports the outcome.
 */
export function action(label, level, run, { confirm: question, danger = false, name } = {}) {
  if (!session.can(level)) return null;
  const button = h('button', { type: 'button', class: danger ? 'danger' : 'primary', 'data-action': name ?? label }, label);
  button.addEventListener('click', async () => {
    if (question && !window.confirm(typeof question === 'function' ? question() : question)) return;
    button.disabled = true;
    try {
      const message = await run();
      if (message) toast(message, 'ok');
    } catch (error) {
      toast(error.message, 'error');
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

const numberFormat = new Intl.NumberFormat();
export const number = value => value === null || value === undefined ? '–' : numberFormat.format(value);

export function time(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60000).toFixed(1)} min`;
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${status.toLowerCase()}` }, status);
}

export function progressBar(value, label) {
  return h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': value, 'aria-label': label ?? 'Progress' },
    h('div', { class: 'bar', style: `width:${Math.max(0, Math.min(100, value))}%` }),
    h('span', {}, `${value}%`));
}

/** A small line chart of numbers (oldest first), drawn as SVG; the last value and the label are its text alternative. */
export function sparkline(values, label) {
  const width = 240, height = 48, pad = 3;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${label}: ${values.length ? values[values.length - 1] : 'no data'}`);
  if (values.length > 0) {
    const max = Math.max(1, ...values);
    const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
    const points = values.map((v, i) => `${(pad + i * step).toFixed(1)},${(height - pad - (v / max) * (height - 2 * pad)).toFixed(1)}`);
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.append(line);
  }
  return svg;
}

/** Calls <paramref>fn</paramref> at most once per <paramref>ms</paramref>, always ending with a call after the last request. */
export function throttle(fn, ms) {
  let timer = null, pending = false;
  return () => {
    if (timer) { pending = true; return; }
    fn();
    timer = setTimeout(function tick() {
      timer = null;
      if (pending) { pending = false; fn(); timer = setTimeout(tick, ms); }
    }, ms);
  };
}

export function json(value) {
  return value === null || value === undefined ? '–' : JSON.stringify(value, null, 2);
}

export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error.message);
}
