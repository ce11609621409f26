// Popup: a view of the stored flow and accounts, re-rendered whenever storage
// changes. Opening the TikTok window closes the popup, so nothing here may
// depend on the popup staying open: all state comes from the worker, which
// reads it from chrome.storage.local.

import { sendToWorker } from './lib/messages.js';
import {
  countdown, describeFlow, formatDate, statusBadge,
} from './lib/format.js';

const $ = (id) => document.getElementById(id);

/** Per-account messages (Test results, errors) survive re-renders while the popup stays open. */
const accountNotes = new Map();

async function render() {
  let settings;
  try {
    settings = await sendToWorker('getSettings');
  } catch (error) {
    showLoadError(error);
    return;
  }
  $('load-error').hidden = true;
  $('setup-missing').hidden = settings.configured;
  if (!settings.configured) {
    $('setup-missing-text').textContent = `Settings are missing: ${settings.configError}`;
    $('flow').hidden = true;
    $('connect').hidden = true;
    $('accounts').replaceChildren();
    return;
  }
  try {
    const [{ flow }, { accounts }] = await Promise.all([sendToWorker('flowState'), sendToWorker('accounts')]);
    renderFlow(flow, accounts);
    renderAccounts(accounts);
    const pending = flow.state === 1 || flow.state === 2;
    // In paste mode the paste box is the way to finish; elsewhere it is a fallback.
    if (pending && settings.settings.captureMode === 'paste') $('paste').open = true;
    $('connect').hidden = pending;
    $('connect').textContent = accounts.length ? 'Connect another shop' : 'Connect TikTok Shop';
  } catch (error) {
    showLoadError(error);
  }
}

function showLoadError(error) {
  $('load-error').textContent = error.message;
  $('load-error').hidden = false;
}

function renderFlow(flow, accounts) {
  const section = $('flow');
  section.hidden = !flow.state;
  section.dataset.state = String(flow.state);
  if (!flow.state) return;
  const connected = accounts.find((account) => account.openId === flow.openId);
  const { headline, detail } = describeFlow(flow, connected?.sellerName);
  $('flow-state').textContent = headline;
  $('flow-code').textContent = String(flow.state);
  section.className = `flow flow-${flow.state}`;
  $('flow-detail').textContent = detail ?? '';
  $('flow-detail').hidden = !detail;
  const pending = flow.state === 1 || flow.state === 2;
  $('flow-pending-actions').hidden = !pending;
  const countdownEl = $('flow-countdown');
  if (pending && flow.deadline) {
    countdownEl.dataset.deadline = String(flow.deadline);
  } else {
    delete countdownEl.dataset.deadline;
    countdownEl.textContent = '';
  }
}

function renderAccounts(accounts) {
  const list = $('accounts');
  const template = $('account-template');
  list.replaceChildren(...accounts.map((account) => {
    const item = template.content.firstElementChild.cloneNode(true);
    const field = (testId) => item.querySelector(`[data-testid="${testId}"]`);
    item.dataset.openId = account.openId;
    item.dataset.status = account.status;
    field('seller-name').textContent = account.sellerName || account.openId;
    const badge = statusBadge(account.status);
    field('status').textContent = badge.label;
    field('status').className = `status status-${badge.kind}`;
    field('status-reason').textContent = account.statusReason ?? '';
    field('status-reason').hidden = !account.statusReason;
    field('region').textContent = account.sellerBaseRegion;
    field('user-type').textContent = account.userTypeLabel;
    field('scopes').textContent = account.grantedScopes.length ? account.grantedScopes.join(', ') : '(none listed)';
    if (account.status === 'reconnectRequired') {
      // Its expiry means nothing once the authorization is gone: say what matters instead.
      delete field('access-expiry').dataset.expiresAt;
      field('access-expiry').textContent = 'not usable until the seller connects again';
    } else {
      field('access-expiry').dataset.expiresAt = String(account.accessTokenExpiresAt);
    }
    field('refresh-expiry').textContent = `until ${formatDate(account.refreshTokenExpiresAt)}`;
    const note = accountNotes.get(account.openId);
    if (note) showAccountNote(item, note);
    return item;
  }));
  tick();
}

/** Shows a Test result or an error under an account. */
function showAccountNote(item, note) {
  const message = item.querySelector('[data-testid="account-message"]');
  message.textContent = note.message ?? '';
  message.hidden = !note.message;
  message.classList.toggle('error', Boolean(note.error));
  const shops = item.querySelector('[data-testid="shops"]');
  shops.replaceChildren(...(note.shops ?? []).map((shop) => {
    const li = document.createElement('li');
    li.dataset.testid = 'shop';
    li.textContent = `${shop.name} (${shop.region}) · cipher ${shop.cipher}`;
    return li;
  }));
  shops.hidden = !note.shops?.length;
}

/** Once a second: live countdowns, and a re-render when the flow deadline passes. */
function tick() {
  const now = Date.now() / 1000;
  for (const el of document.querySelectorAll('[data-expires-at]')) {
    el.textContent = countdown(Number(el.dataset.expiresAt), now);
  }
  const flowCountdown = $('flow-countdown');
  if (flowCountdown.dataset.deadline) {
    const deadline = Number(flowCountdown.dataset.deadline);
    flowCountdown.textContent = deadline > now ? `(${Math.ceil(deadline - now)} s left)` : '';
    if (deadline <= now) {
      // Past the deadline the flow reads as 5 "timed out"; ask once.
      delete flowCountdown.dataset.deadline;
      scheduleRender();
    }
  }
}

// Storage events come in bursts (flow + account written together); coalesce them.
let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(async () => {
    renderQueued = false;
    await render();
  });
}

async function onAccountAction(event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const item = button.closest('[data-open-id]');
  const openId = item.dataset.openId;
  const action = button.dataset.action;
  button.disabled = true;
  try {
    if (action === 'refresh') {
      const { account } = await sendToWorker('refresh', { openId });
      accountNotes.set(openId, { message: `Refreshed: access token ${countdown(account.accessTokenExpiresAt)}.` });
    } else if (action === 'test') {
      const { shops } = await sendToWorker('shops', { openId });
      accountNotes.set(openId, { message: `${shops.length} authorized shop${shops.length === 1 ? '' : 's'}:`, shops });
    } else if (action === 'disconnect') {
      await sendToWorker('disconnect', { openId });
      accountNotes.delete(openId);
    }
  } catch (error) {
    if (error.name === 'ReconnectRequired') {
      // The account's status line already says why; the badge turns red on re-render.
      accountNotes.delete(openId);
    } else {
      const scope = error.scope ? ` (missing permission: ${error.scope})` : '';
      accountNotes.set(openId, { message: `${error.message}${scope}`, error: true });
    }
  } finally {
    button.disabled = false;
  }
  await render();
}

async function onConnect() {
  $('connect').disabled = true;
  try {
    // The worker replies once the flow is pending; the TikTok window then usually closes this popup.
    await sendToWorker('connect');
  } catch (error) {
    showLoadError(error);
  } finally {
    $('connect').disabled = false;
  }
  await render();
}

async function onCancel() {
  try {
    await sendToWorker('cancel');
  } catch (error) {
    showLoadError(error);
  }
  await render();
}

async function onPaste(event) {
  event.preventDefault();
  try {
    await sendToWorker('completeWithUrl', { url: $('paste-url').value });
    $('paste-url').value = '';
  } catch (error) {
    showLoadError(error);
  }
  await render();
}

$('connect').addEventListener('click', onConnect);
$('cancel').addEventListener('click', onCancel);
$('paste-form').addEventListener('submit', onPaste);
$('accounts').addEventListener('click', onAccountAction);
$('setup-open-options').addEventListener('click', () => chrome.runtime.openOptionsPage());
$('open-options').addEventListener('click', (event) => {
  event.preventDefault();
  chrome.runtime.openOptionsPage();
});
chrome.storage.onChanged.addListener((changes, areaName) => {
  if (areaName === 'local') scheduleRender();
});
setInterval(tick, 1000);
render();
