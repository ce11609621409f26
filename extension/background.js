// Service worker: registers Chrome's listeners and routes the message protocol to the sw-*.js
// modules: one table of handlers, checked against one table of who may send each type
// (sw-access.js).
//
// Chrome may stop this worker at any moment, so everything it must remember lives in
// chrome.storage.local (the client's `tts:*` keys, our `settings` and `ext:flow` keys). The
// only module-level values are caches rebuilt from storage on demand, and facts about this
// worker instance itself. Every listener is registered synchronously at top level so that the
// event which woke the worker is delivered to it.
//
// The message protocol is documented in README.md ("Message protocol").
//
//   sw-access.js    who may send each message type (own pages, listed web pages)
//   sw-client.js    the wasm package, the settings, the one TikTokShopClient, error replies
//   sw-flow.js      Connect / Cancel / paste / tab capture, the flow deadline, start-up check
//   sw-accounts.js  accounts, overview, refresh, apiRequest, shops, import / export, refreshDue
//   sw-settings.js  getSettings / saveSettings, which web pages may talk to us
//   sw-badge.js     the toolbar badge, from the client's overview()

import { REFRESH_ALARM, REFRESH_ALARM_PERIOD_MINUTES, accountHandlers, refreshDueAccounts } from './sw-accounts.js';
import { scheduleBadgeUpdate, updateBadge } from './sw-badge.js';
import {
  getClient, getClientIfConfigured, namedError, noteStorageChange, serializeError, wasmReady,
} from './sw-client.js';
import { ACCESS } from './sw-access.js';
import {
  EXTENSION_ORIGIN, FLOW_DEADLINE_ALARM, cancelFlow, completeWithUrl, finishFlowHousekeeping,
  isFlowChannel, removeCaptureRule, settleFlowAtStartUp, startConnect,
} from './sw-flow.js';
import { publicSettings, requireAllowedWebPage, saveSettings } from './sw-settings.js';

/** Every message type's handler (`message` → the reply's fields); who may send it is in sw-access.js. */
const HANDLERS = {
  connect: async () => ({ flow: await startConnect() }),
  cancel: async () => ({ flow: await cancelFlow() }),
  flowState: async () => ({ flow: await (await getClient()).flowState() }),
  accounts: accountHandlers.accounts,
  overview: accountHandlers.overview,
  refresh: accountHandlers.refresh,
  apiRequest: accountHandlers.apiRequest,
  shops: accountHandlers.shops,
  disconnect: accountHandlers.disconnect,
  importChilkatJson: accountHandlers.importChilkatJson,
  exportChilkatJson: accountHandlers.exportChilkatJson,
  getSettings: publicSettings,
  saveSettings: (message) => saveSettings(message.settings),
  completeWithUrl: async (message) => ({ account: await completeWithUrl(message.url) }),
};

// Both tables name the same types: a type without a handler, or a handler nobody may call, is a bug.
const unmatched = [...Object.keys(ACCESS), ...Object.keys(HANDLERS)]
  .filter((type) => !Object.hasOwn(ACCESS, type) || !Object.hasOwn(HANDLERS, type));
if (unmatched.length) throw new Error(`Message types missing from HANDLERS or ACCESS: ${unmatched.join(', ')}`);

/** Whether a message comes from one of this extension's own pages (popup, options, capture). */
function isOwnPage(sender, external) {
  return !external && sender.id === chrome.runtime.id && typeof sender.url === 'string'
    && sender.url.startsWith(EXTENSION_ORIGIN);
}

/** `own` (this extension's pages) or `web` (a listed web page); anyone else is refused. */
async function senderKind(sender, external) {
  if (external) {
    await requireAllowedWebPage(sender); // Forbidden unless the user listed the page's origin
    return 'web';
  }
  if (isOwnPage(sender, external)) return 'own';
  throw namedError('Forbidden', 'Only the extension\'s own pages and the web pages listed in its options may send messages.');
}

/** Further conditions of the access table (sw-access.js); each throws `Forbidden` when not met. */
const CONDITIONS = {
  getOnly(message) {
    const method = String(message?.request?.method ?? 'GET').toUpperCase();
    if (method !== 'GET') {
      throw namedError('Forbidden', `Web pages may only send GET API requests through the extension, not ${method}.`);
    }
  },
  async flowChannel(message, type, sender) {
    if (!(await isFlowChannel(sender))) {
      throw namedError('Forbidden', `"${type}" is only accepted from the popup, or from the tab this connection opened.`);
    }
  },
};

async function handleMessage(message, sender, external) {
  try {
    const kind = await senderKind(sender, external);
    const type = message?.type;
    if (!Object.hasOwn(ACCESS, type)) throw namedError('UnknownMessage', `Unknown message type: ${String(type)}.`);
    const rule = ACCESS[type][kind];
    if (!rule) throw namedError('Forbidden', `"${type}" is only accepted from the extension's own pages.`);
    if (rule !== true) await CONDITIONS[rule](message, type, sender);
    await startup;
    return { ok: true, ...(await HANDLERS[type](message)) };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

// ---------------------------------------------------------------------------
// Start-up and listeners (top level, synchronous)

/** Settles once this worker instance's start-up check is done; every event handler waits for it. */
const startup = startUp().catch((error) => console.warn('Start-up check failed:', error.name, error.message));

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  handleMessage(message, sender, false).then(sendResponse);
  return true; // the response is sent asynchronously
});

chrome.runtime.onMessageExternal.addListener((message, sender, sendResponse) => {
  handleMessage(message, sender, true).then(sendResponse);
  return true;
});

chrome.alarms.onAlarm.addListener((alarm) => {
  const chore = async () => {
    await startup;
    const client = await getClientIfConfigured();
    if (!client) return;
    if (alarm.name === FLOW_DEADLINE_ALARM) {
      // Past its deadline the flow reads as 5 "timed out"; the capture rule must go with it.
      await finishFlowHousekeeping(client);
    } else if (alarm.name === REFRESH_ALARM) {
      await refreshDueAccounts(client);
    }
  };
  chore().catch((error) => console.warn(`Alarm ${alarm.name} failed:`, error.name));
});

chrome.storage.onChanged.addListener((changes, areaName) => {
  if (areaName !== 'local') return;
  noteStorageChange(changes);
  // Accounts change from this worker and from extension pages (their own clients): keep the
  // badge true, once per burst, from the client's index.
  if (Object.keys(changes).some((key) => key.startsWith('tts:') || key === 'settings')) {
    scheduleBadgeUpdate(getClientIfConfigured);
  }
});

/** How long after start-up the badge and the due refreshes run. */
const START_UP_CHORES_DELAY_MS = 300;

/** Runs once per worker instance, before any message is handled. Reads no account list. */
async function startUp() {
  await wasmReady;
  const alarmReady = chrome.alarms.get(REFRESH_ALARM).then((alarm) => alarm
    ?? chrome.alarms.create(REFRESH_ALARM, { periodInMinutes: REFRESH_ALARM_PERIOD_MINUTES }));
  const client = await getClientIfConfigured();
  if (!client) {
    await Promise.all([alarmReady, removeCaptureRule(), updateBadge(null)]);
    return;
  }
  await Promise.all([alarmReady, settleFlowAtStartUp(client)]);
  // Not awaited, and a moment later: the message that woke the worker is answered first (the
  // badge and the due refreshes read the account index, which costs milliseconds with 1,000
  // sellers); the client bounds the refreshes' concurrency.
  setTimeout(() => {
    updateBadge(client);
    refreshDueAccounts(client).catch((error) => console.warn('Start-up refresh failed:', error.name));
  }, START_UP_CHORES_DELAY_MS);
}
