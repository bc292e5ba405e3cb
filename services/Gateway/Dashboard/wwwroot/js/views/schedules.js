import { api } from '../api.js';
import { h, action, time, errorBox } from '../ui.js';

/** The Scheduler's crons with time zone and fire times; pause, resume, run now. */
export function renderSchedules(main) {
  const problem = h('div');
  const table = h('div', { class: 'table-wrap standalone' });
  main.append(h('h1', {}, 'Schedules'), problem, table);

  let stopped = false;
  async function refresh() {
    try {
      const list = await api('/schedules');
      if (stopped) return;
      problem.replaceChildren();
      table.replaceChildren(list.schedules.length === 0 ? h('p', { class: 'empty' }, 'No crons are configured.') : h('table', { class: 'schedules' },
        h('thead', {}, h('tr', {}, ...['Name', 'Cron', 'Time zone', 'Task type', 'State', 'Previous fire', 'Next fire', ''].map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...list.schedules.map(row))));
    } catch (error) {
      if (!stopped) problem.replaceChildren(errorBox(error));
    }
  }

  function row(schedule) {
    const path = `/schedules/${encodeURIComponent(schedule.name)}`;
    const state = !schedule.enabled ? 'Disabled' : schedule.paused ? 'Paused' : 'Active';
    const buttons = schedule.enabled ? [
      schedule.paused
        ? action('Resume', 'admin', async () => { await api(`${path}/resume`, { method: 'POST' }); await refresh(); return `${schedule.name} resumed`; }, { name: 'resume' })
        : action('Pause', 'admin', async () => { await api(`${path}/pause`, { method: 'POST' }); await refresh(); return `${schedule.name} paused`; }, { name: 'pause' }),
      action('Run now', 'admin', async () => { await api(`${path}/run`, { method: 'POST' }); await refresh(); return `${schedule.name} submitted a task`; },
        { confirm: `Submit one ${schedule.taskType} task now?`, name: 'run' }),
    ].filter(Boolean) : [];
    return h('tr', { 'data-schedule': schedule.name },
      h('th', { scope: 'row' }, schedule.name),
      h('td', { class: 'mono' }, schedule.cron),
      h('td', {}, schedule.timeZone),
      h('td', {}, schedule.taskType),
      h('td', {}, h('span', { class: `badge ${state.toLowerCase()}` }, state)),
      h('td', {}, time(schedule.previousFireTimeUtc)),
      h('td', {}, time(schedule.nextFireTimeUtc)),
      h('td', {}, buttons.length ? h('div', { class: 'actions' }, ...buttons) : null));
  }

  const timer = setInterval(refresh, 15000);
  refresh();
  return () => { stopped = true; clearInterval(timer); };
}
