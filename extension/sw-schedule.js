// Worker module: what runs on its own, without a message: the scheduled refresh (an alarm every
// minute) and the chores after start-up. What is due is the core's policy (client.refreshDue);
// this only says when to ask.

import { updateBadge } from './sw-badge.js';

export const REFRESH_ALARM = 'refresh-due';
const REFRESH_ALARM_PERIOD_MINUTES = 1;
/** Concurrent token refreshes of one scheduled run: bounded, so user calls are never starved. */
const REFRESH_CONCURRENCY = 4;
/** How long after start-up the badge and the due refreshes run. */
const START_UP_CHORES_DELAY_MS = 300;

/** Creates the refresh alarm unless it exists (alarms outlive the worker, not the browser session). */
export async function ensureRefreshAlarm() {
  const alarm = await chrome.alarms.get(REFRESH_ALARM);
  if (!alarm) await chrome.alarms.create(REFRESH_ALARM, { periodInMinutes: REFRESH_ALARM_PERIOD_MINUTES });
}

/** The alarm's and start-up's chore: refresh what the core's policy says is due, a few at a time. */
export async function refreshDueAccounts(client) {
  const { due, refreshed, failed } = await client.refreshDue({ concurrency: REFRESH_CONCURRENCY });
  // A failure marks its account when that is the cause (reconnect needed); the badge follows storage.
  if (failed) console.warn(`Scheduled refresh: ${failed} of ${due} due account(s) failed, ${refreshed} refreshed.`);
}

/**
 * The badge and the due refreshes, a moment after start-up and not awaited: the message that
 * woke the worker is answered first (both read the account index, which costs milliseconds with
 * 1,000 sellers); the client bounds the refreshes' concurrency. `client` null: not configured.
 */
export function scheduleStartUpChores(client) {
  if (!client) {
    updateBadge(null);
    return;
  }
  setTimeout(() => {
    updateBadge(client);
    refreshDueAccounts(client).catch((error) => console.warn('Start-up refresh failed:', error.name));
  }, START_UP_CHORES_DELAY_MS);
}
