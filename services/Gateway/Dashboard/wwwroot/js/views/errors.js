import { api } from '../api.js';
import { h, action, number, time, json, errorBox } from '../ui.js';

const pageSize = 20;

/** A task queue's <queue>_error: each message with MassTransit's fault headers; redeliver or discard one or all. */
export function renderErrors(main, [name], query) {
  const offset = Math.max(0, parseInt(query.get('offset') ?? '0', 10) || 0);
  const problem = h('div');
  const header = h('div', { class: 'actions', role: 'group', 'aria-label': 'Error queue actions' });
  const list = h('div', { class: 'error-list' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  main.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Overview'), ' / ', h('a', { href: `#/queues/${encodeURIComponent(name)}` }, name), ' / error queue'),
    h('h1', {}, `Error queue ${name}_error`), problem, header, list, pager);

  let stopped = false;
  async function refresh() {
    try {
      const page = await api(`/admin/queues/${encodeURIComponent(name)}/errors`, { query: { offset, limit: pageSize } });
      if (stopped) return;
      problem.replaceChildren();
      header.replaceChildren(
        h('p', { class: 'depth', 'data-depth': page.total }, `${number(page.total)} message(s)`),
        ...[action('Redeliver all', 'admin', async () => {
          const result = await api(`/admin/queues/${encodeURIComponent(name)}/errors/redeliver`, { method: 'POST' });
          await refresh();
          return `Redelivered ${result.redelivered} message(s)`;
        }, { confirm: `Move every message of ${name}_error back to ${name}?`, name: 'redeliver-all' }),
        action('Discard all', 'admin', async () => {
          const result = await api(`/admin/queues/${encodeURIComponent(name)}/errors`, { method: 'DELETE' });
          await refresh();
          return `Discarded ${result.discarded} message(s)`;
        }, { confirm: `Drop every message of ${name}_error for good?`, danger: true, name: 'discard-all' })].filter(Boolean));
      list.replaceChildren(...(page.messages.length ? page.messages.map(message => item(message)) : [h('p', { class: 'empty' }, 'The error queue is empty.')]));
      const previous = h('button', { type: 'button', disabled: offset === 0 }, '← Previous');
      previous.addEventListener('click', () => { location.hash = `#/queues/${encodeURIComponent(name)}/errors?offset=${Math.max(0, offset - pageSize)}`; });
      const next = h('button', { type: 'button', disabled: offset + page.messages.length >= page.total }, 'Next →');
      next.addEventListener('click', () => { location.hash = `#/queues/${encodeURIComponent(name)}/errors?offset=${offset + pageSize}`; });
      pager.replaceChildren(previous, h('span', {}, page.messages.length ? `${offset + 1}–${offset + page.messages.length} of ${number(page.total)}` : ''), next);
    } catch (error) {
      if (!stopped) problem.replaceChildren(errorBox(error));
    }
  }

  function item(message) {
    const fault = message.fault ?? {};
    const field = (label, value) => h('div', { class: 'stat' }, h('dt', {}, label), h('dd', {}, value ?? '–'));
    const buttons = [
      action('Redeliver', 'admin', async () => {
        await api(`/admin/queues/${encodeURIComponent(name)}/errors/redeliver`, { method: 'POST', body: { messageIds: [message.messageId] } });
        await refresh();
        return 'Message moved back to its queue';
      }, { name: 'redeliver' }),
      action('Discard', 'admin', async () => {
        await api(`/admin/queues/${encodeURIComponent(name)}/errors/${encodeURIComponent(message.messageId)}`, { method: 'DELETE' });
        await refresh();
        return 'Message discarded';
      }, { confirm: 'Drop this message for good?', danger: true, name: 'discard' }),
    ].filter(Boolean);
    return h('article', { class: 'card error-message', 'data-message': message.messageId },
      h('h2', { class: 'mono' }, fault.exceptionType ?? 'Unknown fault'),
      h('p', {}, fault.message ?? ''),
      h('dl', { class: 'stats details' },
        field('Task', message.taskId ? h('a', { href: `#/tasks/${message.taskId}`, class: 'mono' }, message.taskId.slice(0, 8)) : null),
        field('Message id', h('span', { class: 'mono' }, message.messageId)),
        field('Faulted', time(fault.timestamp)),
        field('Sent', time(message.sentTime)),
        field('Retries', number(fault.retryCount)),
        field('Redeliveries', number(message.redeliveryCount)),
        field('Consumer', fault.consumerType),
        field('Input address', fault.inputAddress)),
      fault.stackTrace ? h('details', {}, h('summary', {}, 'Stack trace'), h('pre', { class: 'stack', tabindex: '0' }, fault.stackTrace)) : null,
      h('details', {}, h('summary', {}, 'Message'), h('pre', { class: 'json', tabindex: '0' }, json(message.message))),
      buttons.length ? h('div', { class: 'actions', role: 'group', 'aria-label': 'Message actions' }, ...buttons) : null);
  }

  const timer = setInterval(refresh, 10000);
  refresh();
  return () => { stopped = true; clearInterval(timer); };
}
