import { api } from '../api.js';
import * as live from '../live.js';
import { h, action, number, time, statusBadge, progressBar, throttle, errorBox } from '../ui.js';

const tabs = ['All', 'Scheduled', 'Queued', 'Running', 'Completed', 'Failed', 'Cancelled'];
const pageSize = 25;
const graceOptions = [['0', 'all'], [String(3600e3), 'older than 1 hour'], [String(86400e3), 'older than 1 day'], [String(7 * 86400e3), 'older than 7 days']];

/** One queue: its numbers and operator actions, then its tasks by state with search, a type filter and paging. */
export function renderQueue(main, [name], query) {
  const state = query.get('state') ?? 'All';
  const search = query.get('q') ?? '';
  const type = query.get('type') ?? '';
  const offset = Math.max(0, parseInt(query.get('offset') ?? '0', 10) || 0);
  const go = changes => {
    const next = new URLSearchParams({ state, q: search, type, offset: String(offset), ...changes });
    for (const [k, v] of [...next]) if (!v || (k === 'offset' && v === '0') || (k === 'state' && v === 'All')) next.delete(k);
    location.hash = `#/queues/${encodeURIComponent(name)}${next.size ? '?' + next : ''}`;
  };

  const summary = h('div', { class: 'card queue-summary', 'aria-live': 'polite' });
  const problem = h('div');
  const tabList = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Tasks by state' });
  const table = h('div', { class: 'table-wrap', role: 'tabpanel', id: 'tasks-panel' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });

  const grace = h('select', { id: 'grace', 'aria-label': 'Which finished tasks to clean' }, ...graceOptions.map(([v, label]) => h('option', { value: v }, label)));
  const actions = h('div', { class: 'actions', 'aria-label': 'Queue actions', role: 'group' });
  const cleanButtons = [
    action('Clean completed', 'admin', async () => `Removed ${(await api(`/admin/queues/${name}/clean/completed`, { method: 'POST', query: { gracePeriod: grace.value } })).removed} completed task(s)`,
      { confirm: () => `Delete ${grace.selectedOptions[0].text} completed task records of ${name}?`, danger: true, name: 'clean-completed' }),
    action('Clean failed', 'admin', async () => `Removed ${(await api(`/admin/queues/${name}/clean/failed`, { method: 'POST', query: { gracePeriod: grace.value } })).removed} failed task(s)`,
      { confirm: () => `Delete ${grace.selectedOptions[0].text} failed task records of ${name}?`, danger: true, name: 'clean-failed' }),
  ];
  const retryAll = action('Retry all failed', 'admin', async () => {
    const result = await api('/admin/retry-failed', { method: 'POST', query: { queue: name } });
    refresh();
    return `Retried ${result.retried}, skipped ${result.skipped}`;
  }, { confirm: `Retry every failed task of ${name}?`, name: 'retry-failed' });

  const searchInput = h('input', { id: 'search', type: 'search', value: search, placeholder: 'Task id, idempotency key or payload text' });
  const typeSelect = h('select', { id: 'type-filter' }, h('option', { value: '' }, 'Any type'));
  const searchForm = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'search' }, 'Search'), searchInput,
    h('label', { for: 'type-filter' }, 'Type'), typeSelect,
    h('button', { type: 'submit' }, 'Apply'));
  searchForm.addEventListener('submit', event => { event.preventDefault(); go({ q: searchInput.value.trim(), type: typeSelect.value, offset: '0' }); });

  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Overview'), ' / ', name),
    h('h1', {}, `Queue ${name}`),
    problem, summary, actions, searchForm, tabList, table, pager);

  let stopped = false;
  let paused = null;
  const types = new Set(type ? [type] : []);

  function renderActions() {
    const pauseButton = paused
      ? action('Resume', 'admin', async () => { await api(`/admin/queues/${name}/resume`, { method: 'POST' }); await refresh(); return `${name} resumed`; }, { name: 'resume' })
      : action('Pause', 'admin', async () => { await api(`/admin/queues/${name}/pause`, { method: 'POST' }); await refresh(); return `${name} paused`; }, { name: 'pause' });
    const admin = [pauseButton, retryAll, ...cleanButtons].filter(Boolean);
    const cleanChoice = admin.length ? h('label', { for: 'grace', class: 'inline' }, 'Clean ', grace) : null;
    actions.replaceChildren(...[...admin, cleanChoice, h('a', { href: `#/queues/${encodeURIComponent(name)}/errors`, class: 'button' }, 'Error queue')].filter(Boolean));
  }

  async function refresh() {
    try {
      const statusQuery = state === 'All' ? undefined : state;
      const [stats, page] = await Promise.all([
        api(`/stats/queues/${encodeURIComponent(name)}`),
        api('/tasks', { query: { queue: name, status: statusQuery, q: search, type, limit: pageSize, offset } }),
      ]);
      if (stopped) return;
      problem.replaceChildren();
      if (paused !== stats.paused) { paused = stats.paused; renderActions(); }
      renderSummary(summary, stats);
      renderTabs(stats);
      page.items.forEach(t => types.add(t.type));
      renderTypes();
      renderTable(page.items);
      renderPager(page.items.length);
    } catch (error) {
      if (!stopped) problem.replaceChildren(errorBox(error));
    }
  }

  function renderTypes() {
    const known = [...typeSelect.options].map(o => o.value);
    for (const t of [...types].sort()) if (!known.includes(t)) typeSelect.append(h('option', { value: t }, t));
    typeSelect.value = type;
  }

  function renderTabs(stats) {
    const counts = { Scheduled: stats.scheduled, Queued: stats.queued, Running: stats.running, Completed: stats.completed, Failed: stats.failed, Cancelled: stats.cancelled };
    tabList.replaceChildren(...tabs.map(tab => {
      const selected = tab === state;
      const button = h('button', { type: 'button', role: 'tab', 'aria-selected': String(selected), 'aria-controls': 'tasks-panel', tabindex: selected ? '0' : '-1', 'data-tab': tab },
        tab, counts[tab] !== undefined ? h('span', { class: 'count' }, number(counts[tab])) : null);
      button.addEventListener('click', () => go({ state: tab, offset: '0' }));
      button.addEventListener('keydown', event => {
        const index = tabs.indexOf(tab);
        const move = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (move) {
          const next = tabList.children[(index + move + tabs.length) % tabs.length];
          next.focus();
        }
      });
      return button;
    }));
  }

  function renderTable(items) {
    if (items.length === 0) {
      table.replaceChildren(h('p', { class: 'empty' }, 'No tasks here.'));
      return;
    }
    table.replaceChildren(h('table', { class: 'tasks' },
      h('thead', {}, h('tr', {}, ...['Task', 'Type', 'Status', 'Progress', 'Attempts', 'Created', 'Finished'].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...items.map(task => h('tr', { 'data-task': task.taskId },
        h('td', {}, h('a', { href: `#/tasks/${task.taskId}`, class: 'mono' }, task.taskId.slice(0, 8))),
        h('td', {}, task.type),
        h('td', {}, statusBadge(task.status)),
        h('td', {}, progressBar(task.progress, `Progress of ${task.taskId.slice(0, 8)}`)),
        h('td', {}, number(task.attempts)),
        h('td', {}, time(task.createdAt)),
        h('td', {}, time(task.finishedAt)))))));
  }

  function renderPager(count) {
    const previous = h('button', { type: 'button', disabled: offset === 0 }, '← Newer');
    previous.addEventListener('click', () => go({ offset: String(Math.max(0, offset - pageSize)) }));
    const next = h('button', { type: 'button', disabled: count < pageSize }, 'Older →');
    next.addEventListener('click', () => go({ offset: String(offset + pageSize) }));
    pager.replaceChildren(previous, h('span', {}, count ? `${offset + 1}–${offset + count}` : ''), next);
  }

  renderActions();
  const soon = throttle(refresh, 1000);
  const unsubscribe = live.onTaskChanged(change => { if (change.queue === name) soon(); });
  const timer = setInterval(refresh, 5000);
  refresh();
  return () => { stopped = true; unsubscribe(); clearInterval(timer); };
}

function renderSummary(section, stats) {
  const item = (label, value, name) => h('div', { class: 'stat', 'data-stat': name }, h('dt', {}, label), h('dd', {}, value));
  section.replaceChildren(h('dl', { class: 'stats' },
    item('State', stats.paused ? h('span', { class: 'badge paused', 'data-state': 'paused' }, 'Paused') : h('span', { class: 'badge status-running', 'data-state': 'running' }, 'Running'), 'state'),
    item('Waiting', number(stats.waiting), 'waiting'),
    item('Active', number(stats.active), 'active'),
    item('Consumers', number(stats.consumers), 'consumers'),
    item('Error queue', number(stats.errorQueueDepth), 'errors'),
    item('Publish/s', stats.rates?.publish?.toFixed(1) ?? '–', 'publish-rate')));
}
