import { api } from '../api.js';
import * as live from '../live.js';
import { h, number, duration, sparkline, throttle, errorBox, statusBadge } from '../ui.js';

const pollMs = 5000;
const latencyHistory = [];  // p95 samples since the dashboard opened: /stats/system gives only the current hour's.

/** One card per task queue, throughput and latency, system health; refreshed on every task change and every few seconds. */
export function renderOverview(main) {
  const health = h('section', { class: 'card health', 'aria-labelledby': 'health-title' });
  const charts = h('section', { class: 'charts' });
  const queues = h('section', { class: 'queues', 'aria-label': 'Task queues' });
  const problem = h('div');
  main.append(h('h1', {}, 'Overview'), problem, h('div', { class: 'overview-top' }, health, charts), h('h2', {}, 'Queues'), queues);

  let stopped = false;
  async function refresh() {
    try {
      const [queueStats, system, summary] = await Promise.all([api('/stats/queues'), api('/stats/system'), api('/health').catch(e => ({ status: e.status === 503 ? 'Unhealthy' : 'Unknown', checks: {} }))]);
      if (stopped) return;
      problem.replaceChildren();
      queues.replaceChildren(...queueStats.map(queueCard));
      renderHealth(health, summary);
      if (system.lastHour.p95ProcessingMs !== null) latencyHistory.push(Math.round(system.lastHour.p95ProcessingMs));
      if (latencyHistory.length > 120) latencyHistory.shift();
      renderCharts(charts, system);
    } catch (error) {
      if (!stopped) problem.replaceChildren(errorBox(error));
    }
  }

  const soon = throttle(refresh, 1500);
  const unsubscribe = live.onTaskChanged(soon);
  const timer = setInterval(refresh, pollMs);
  refresh();
  return () => { stopped = true; unsubscribe(); clearInterval(timer); };
}

function queueCard(queue) {
  const stat = (label, value, name) => h('div', { class: 'stat', 'data-stat': name }, h('dt', {}, label), h('dd', {}, number(value)));
  return h('article', { class: `card queue${queue.paused ? ' paused' : ''}`, 'data-queue': queue.name },
    h('header', {},
      h('h3', {}, h('a', { href: `#/queues/${encodeURIComponent(queue.name)}` }, queue.name)),
      queue.paused ? h('span', { class: 'badge paused', 'data-state': 'paused' }, 'Paused') : null,
      !queue.brokerReachable ? h('span', { class: 'badge warn' }, 'Broker unreachable') : null),
    h('dl', { class: 'stats' },
      stat('Waiting', queue.waiting, 'waiting'),
      stat('Active', queue.active, 'active'),
      stat('Scheduled', queue.scheduled, 'scheduled'),
      stat('Completed', queue.completed, 'completed'),
      stat('Failed', queue.failed, 'failed'),
      stat('Error queue', queue.errorQueueDepth, 'errors'),
      stat('Consumers', queue.consumers, 'consumers')),
    queue.errorQueueDepth > 0 ? h('a', { class: 'more', href: `#/queues/${encodeURIComponent(queue.name)}/errors` }, `Error queue (${number(queue.errorQueueDepth)})`) : null);
}

function renderHealth(section, summary) {
  const check = (label, value) => h('li', {}, h('span', {}, label), value ? statusBadge(value.status) : h('span', { class: 'badge' }, 'n/a'));
  section.replaceChildren(
    h('h2', { id: 'health-title' }, 'System health ', statusBadge(summary.status)),
    h('ul', { class: 'checks' },
      check('RabbitMQ', summary.checks?.rabbitmq),
      check('PostgreSQL', summary.checks?.postgres),
      check('Redis', summary.checks?.redis)));
}

function renderCharts(section, system) {
  const perMinute = system.completedPerMinute.map(m => m.completed);
  const hour = system.lastHour;
  section.replaceChildren(
    h('div', { class: 'card chart' },
      h('h2', {}, 'Throughput'),
      sparkline(perMinute, 'Completed per minute, last 15 minutes'),
      h('p', {}, `${number(perMinute.at(-1) ?? 0)} completed this minute · ${number(hour.completed)} completed, ${number(hour.failed)} failed in the last hour`)),
    h('div', { class: 'card chart' },
      h('h2', {}, 'Latency'),
      sparkline(latencyHistory, 'p95 processing time (ms) since this page opened'),
      h('p', {}, `p95 ${duration(hour.p95ProcessingMs)} · average ${duration(hour.averageProcessingMs)} · success ${hour.successRate === null ? '–' : (hour.successRate * 100).toFixed(1) + '%'} (last hour)`)),
    h('div', { class: 'card chart totals' },
      h('h2', {}, 'All tasks'),
      h('dl', { class: 'stats' }, ...['scheduled', 'queued', 'running', 'completed', 'failed', 'cancelled'].map(s =>
        h('div', { class: 'stat' }, h('dt', {}, s[0].toUpperCase() + s.slice(1)), h('dd', {}, number(system.totals[s])))))));
}
