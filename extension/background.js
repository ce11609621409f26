// Service worker: registers Chrome's listeners and dispatches. Everything else lives in
// modules by concern:
//
//   sw-protocol.js  the message protocol: one table, type → handler and who may send it
//   sw-client.js    the wasm package, the settings, the one TikTokShopClient, error replies
//   sw-flow.js      Connect / Cancel / paste / tab capture, the flow deadline, start-up check
//   sw-accounts.js  accounts, overview, refresh, apiRequest, shops, import / export
//   sw-schedule.js  the scheduled refresh and the chores after start-up
//   sw-settings.js  getSettings / saveSettings, which web pages may talk to us
//   sw-bridge.js    the team's own https pages: the content-script bridge, consent, permissions
//   sw-badge.js     the toolbar badge, from the client's overview()
//
// Chrome may stop this worker at any moment, so everything it must remember lives in
// chrome.storage.local (the client's `tts:*` keys, our `settings` key). The only module-level
// values are caches rebuilt from storage on demand, and facts about this worker instance itself.
// Every listener is registered synchronously at top level so that the event which woke the
// worker is delivered to it.

import { scheduleBadgeUpdate } from './sw-badge.js';
import { PAGE_ORIGINS_KEY, noteBridgeStorageChange, reconcileBridges } from './sw-bridge.js';
import {
  getClientIfConfigured, noteStorageChange, serializeError, wasmReady,
} from './sw-client.js';
import { FLOW_DEADLINE_ALARM, finishFlowHousekeeping, settleFlowAtStartUp } from './sw-flow.js';
import { admit } from './sw-protocol.js';
import {
  REFRESH_ALARM, ensureRefreshAlarm, refreshDueAccounts, scheduleStartUpChores,
} from './sw-schedule.js';

/** Runs once per worker instance, before any message is handled. Reads no account list. */
async function startUp() {
  await wasmReady();
  const client = await getClientIfConfigured();
  await Promise.all([ensureRefreshAlarm(), settleFlowAtStartUp(client), reconcile()]);
  scheduleStartUpChores(client);
}

/** The bridges follow the allowed origins and the granted permissions (sw-bridge.js). */
function reconcile() {
  return reconcileBridges().catch((error) => console.warn('Bridge reconciliation failed:', error.name, error.message));
}

/** Settles once this worker instance's start-up check is done; every event handler waits for it. */
const startup = startUp().catch((error) => console.warn('Start-up check failed:', error.name, error.message));

/** One message: its handler if the sender may send it (sw-protocol.js), after start-up. */
async function handleMessage(message, sender, external) {
  try {
    const handler = await admit(message, sender, external);
    await startup;
    return { ok: true, ...(await handler(message)) };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

/** Each alarm's chore, with the configured client. */
const ALARMS = {
  // Past its deadline the flow reads as 5 "timed out"; the capture rule must go with it.
  [FLOW_DEADLINE_ALARM]: finishFlowHousekeeping,
  [REFRESH_ALARM]: refreshDueAccounts,
};

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
    if (client && Object.hasOwn(ALARMS, alarm.name)) await ALARMS[alarm.name](client);
  };
  chore().catch((error) => console.warn(`Alarm ${alarm.name} failed:`, error.name));
});

chrome.storage.onChanged.addListener((changes, areaName) => {
  if (areaName !== 'local') return;
  noteStorageChange(changes);
  noteBridgeStorageChange(changes);
  // Accounts change from this worker and from extension pages (their own clients): keep the
  // badge true, once per burst, from the client's index (and the pages waiting for consent).
  if (Object.keys(changes).some((key) => key.startsWith('tts:') || key === 'settings' || key === PAGE_ORIGINS_KEY)) {
    scheduleBadgeUpdate(getClientIfConfigured);
  }
});

// Host access granted or revoked elsewhere (chrome://extensions): the bridges follow.
chrome.permissions.onAdded.addListener(() => startup.then(reconcile));
chrome.permissions.onRemoved.addListener(() => startup.then(reconcile));
