import { api } from '../api.js';
import * as live from '../live.js';
import * as session from '../session.js';
import { h, action, number, time, duration, statusBadge, progressBar, throttle, json, errorBox } from '../ui.js';

const errorQueuePages = 5;  // how far (× 100 messages) the task view looks for the task's fault in the error queue

/** One task: status and live progress, data (redacted by the API), attempts, error with the fault's stack trace, result. */
export function renderTask(main, [id]) {
  const body = h('div', { 'aria-live': 'polite' });
  const problem = h('div');
  main.append(h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Overview'), ' / ', h('span', { id: 'crumb-queue' }), ' / task'), h('h1', {}, 'Task ', h('span', { class: 'mono' }, id)), problem, body);

  let stopped = false;
  let fault = undefined;  // the error-queue message of this task, looked up once it failed (admins only)

  async function refresh() {
    try {
      const task = await api(`/tasks/${id}`);
      if (stopped) return;
      if (task.status === 'Failed' && fault === undefined && session.can('admin')) fault = await findFault(task).catch(() => null);
      if (task.status !== 'Failed') fault = undefined;
      problem.replaceChildren();
      render(task);
    } catch (error) {
      if (!stopped) problem.replaceChildren(errorBox(error));
    }
  }

  function render(task) {
    const crumb = document.getElementById('crumb-queue');
    crumb.replaceChildren(h('a', { href: `#/queues/${encodeURIComponent(task.queue)}` }, task.queue));
    const actions = [
      ['Failed', 'Cancelled'].includes(task.status)
        ? action('Retry', 'producer', async () => { await api(`/tasks/${id}/retry`, { method: 'POST' }); await refresh(); return 'Task queued again'; }, { name: 'retry' })
        : null,
      ['Scheduled', 'Queued', 'Running'].includes(task.status) && !task.cancelRequestedAt
        ? action('Cancel', 'producer', async () => { await api(`/tasks/${id}`, { method: 'DELETE' }); await refresh(); return 'Cancellation requested'; },
          { confirm: 'Cancel this task?', danger: true, name: 'cancel' })
        : null,
    ].filter(Boolean);
    const field = (label, value) => h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value ?? '–'));
    // Through h(): it drops the sections that do not apply (replaceChildren would print "null").
    body.replaceChildren(h('div', {},
      h('div', { class: 'card task-head' },
        h('div', { class: 'task-status', 'data-status': task.status }, statusBadge(task.status), ' ', h('strong', {}, task.type),
          task.cancelRequestedAt ? h('span', { class: 'badge warn' }, 'Cancelling') : null),
        progressBar(task.progress, 'Task progress'),
        task.progressMessage ? h('p', { class: 'muted' }, task.progressMessage) : null,
        actions.length ? h('div', { class: 'actions', role: 'group', 'aria-label': 'Task actions' }, ...actions) : null),
      h('dl', { class: 'card stats details' },
        field('Queue', task.queue),
        field('Priority', number(task.priority)),
        field('Attempts', number(task.attempts)),
        field('Idempotency key', task.idempotencyKey),
        field('Created', time(task.createdAt)),
        field('Run at', time(task.runAt)),
        field('Started', time(task.startedAt)),
        field('Finished', time(task.finishedAt)),
        field('Timeout', duration(task.timeout)),
        field('Trace id', task.traceId ? h('span', { class: 'mono', 'data-trace-id': '' }, task.traceId) : null),
        field('Parent task', task.parentTaskId ? h('a', { href: `#/tasks/${task.parentTaskId}`, class: 'mono' }, task.parentTaskId.slice(0, 8)) : null)),
      task.error ? errorSection(task.error, fault) : null,
      h('section', { class: 'card' }, h('h2', {}, 'Attempts'), timeline(task.attemptHistory)),
      h('section', { class: 'card' }, h('h2', {}, 'Data'), h('pre', { class: 'json', tabindex: '0' }, json(task.data))),
      task.result !== null && task.result !== undefined ? h('section', { class: 'card' }, h('h2', {}, 'Result'), h('pre', { class: 'json', tabindex: '0', 'data-result': '' }, json(task.result))) : null));
  }

  const soon = throttle(refresh, 400);
  const unsubscribe = live.onTaskChanged(change => { if (change.taskId === id.toLowerCase()) soon(); });
  refresh();
  return () => { stopped = true; unsubscribe(); };
}

function errorSection(error, fault) {
  return h('section', { class: 'card error-details', 'aria-labelledby': 'error-title' },
    h('h2', { id: 'error-title' }, 'Error'),
    h('p', {}, h('strong', { class: 'mono' }, error.type), ': ', error.message),
    fault?.fault?.stackTrace
      ? h('details', { open: true }, h('summary', {}, 'Stack trace'), h('pre', { class: 'stack', 'data-stack-trace': '', tabindex: '0' }, fault.fault.stackTrace))
      : h('p', { class: 'muted' }, session.can('admin')
        ? 'No stack trace: the task\'s message is no longer in the error queue (redelivered or discarded), or the error came from the task itself.'
        : 'The stack trace is kept with the message in the error queue, which admins can see.'),
    fault ? h('p', {}, h('a', { href: `#/queues/${encodeURIComponent(fault.queue)}/errors` }, 'See it in the error queue')) : null);
}

function timeline(attempts) {
  if (!attempts?.length) return h('p', { class: 'muted' }, 'Not started yet.');
  return h('ol', { class: 'timeline' }, ...attempts.map(a => h('li', { class: a.failedAt ? 'failed' : 'ok' },
    h('strong', {}, `Attempt ${a.attempt || '–'}`), ' started ', time(a.startedAt),
    a.failedAt ? [' · failed ', time(a.failedAt), ' after ', duration(new Date(a.failedAt) - new Date(a.startedAt))] : null,
    a.error ? h('div', { class: 'mono small' }, `${a.errorType ?? 'Error'}: ${a.error}`) : null)));
}

/** The task's message in its queue's error queue, which carries MassTransit's fault headers (the stack trace among them). */
async function findFault(task) {
  for (let page = 0; page < errorQueuePages; page++) {
    const result = await api(`/admin/queues/${encodeURIComponent(task.queue)}/errors`, { query: { offset: page * 100, limit: 100 } });
    const found = result.messages.find(m => m.taskId === task.taskId);
    if (found) return { ...found, queue: task.queue };
    if (result.messages.length < 100) break;
  }
  return null;
}
