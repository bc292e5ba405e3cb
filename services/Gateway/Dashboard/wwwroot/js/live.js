// One SignalR connection to the Gateway's /hubs/tasks for the whole dashboard: every task change, pushed.
import * as session from './session.js';

const listeners = new Set();
let connection = null;

function setStatus(text, state) {
  const element = document.getElementById('live');
  element.textContent = text;
  element.dataset.state = state;
}

/** Calls <c>listener</c> with each changed task (taskId, queue, status, progress, …); returns the unsubscribe. */
export function onTaskChanged(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function start() {
  if (connection) return;
  if (!window.signalR) {
    setStatus('Live updates unavailable', 'off');
    return;
  }
  connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/tasks', { accessTokenFactory: () => session.current()?.token ?? '' })
    .withAutomaticReconnect([0, 2000, 5000, 10000, 30000])
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on('taskChanged', change => listeners.forEach(listener => listener(change)));
  connection.onreconnecting(() => setStatus('Reconnecting…', 'wait'));
  connection.onreconnected(() => subscribe());
  connection.onclose(() => {
    setStatus('Offline', 'off');
    // Automatic reconnection gave up (or never connected): keep trying while signed in.
    setTimeout(() => connect(), 10000);
  });
  await connect();
}

async function connect() {
  if (!connection || !session.current() || connection.state !== signalR.HubConnectionState.Disconnected) return;
  try {
    setStatus('Connecting…', 'wait');
    await connection.start();
    await subscribe();
  } catch {
    setStatus('Offline', 'off');
    setTimeout(() => connect(), 10000);
  }
}

async function subscribe() {
  await connection.invoke('SubscribeAll');
  setStatus('Live', 'on');
}

export async function stop() {
  const closing = connection;
  connection = null;
  if (closing) await closing.stop();
  setStatus('Offline', 'off');
}
