// Worker module: the wasm package, the stored settings and the one TikTokShopClient.
//
// Both values kept here are caches of chrome.storage.local, rebuilt on demand: the settings
// (dropped whenever the `settings` key changes) and the client built from them. Sharing one
// client between messages lets its single-flight refresh and its in-memory accounts serve
// every message; it follows storage changes made by other contexts itself.

import init, { TikTokShopClient, validateConfig } from './pkg/tiktok_shop_connect.js';
import { configFor } from './lib/config.js';

let wasmLoading = null;

/**
 * Loads the wasm package, once per worker instance (background.js starts it at once). Loaded on
 * first call rather than on import, so that the protocol table (sw-protocol.js) can be imported
 * where there is no chrome.* (the e2e suite reads it in Node).
 */
export function wasmReady() {
  wasmLoading ??= init({ module_or_path: chrome.runtime.getURL('pkg/tiktok_shop_connect_bg.wasm') });
  return wasmLoading;
}

export const SETTINGS_KEY = 'settings';

/** An Error with a `name` that the pages can switch on, like the client's errors. */
export function namedError(name, message, extra = {}) {
  return Object.assign(new Error(message), { name }, extra);
}

/** Fields of a client error that are safe to send to a page (the client never puts secrets in them). */
const ERROR_FIELDS = ['code', 'tiktokMessage', 'requestId', 'httpStatus', 'scope', 'reason'];

export function serializeError(error) {
  const out = { name: error?.name || 'Error', message: String(error?.message ?? error) };
  for (const field of ERROR_FIELDS) {
    if (error?.[field] !== undefined) out[field] = error[field];
  }
  return out;
}

/** Promise of the stored settings (`null` when the options page was never saved). */
let settingsRead = null;

/** The stored settings; `null` when the options page was never saved. One storage read per change. */
export function readSettings() {
  settingsRead ??= chrome.storage.local.get(SETTINGS_KEY).then(
    ({ [SETTINGS_KEY]: stored }) => stored ?? null,
    (error) => {
      settingsRead = null;
      throw error;
    },
  );
  return settingsRead;
}

/** Called for every chrome.storage change: a changed `settings` key is read again next time. */
export function noteStorageChange(changes) {
  if (Object.hasOwn(changes, SETTINGS_KEY)) settingsRead = null;
}

/** Writes new settings and keeps them as the cached value. */
export async function writeSettings(settings) {
  await chrome.storage.local.set({ [SETTINGS_KEY]: settings });
  settingsRead = Promise.resolve(settings);
}

/** How long a replaced client stays usable for what still holds it (a flow waiting for its redirect). */
const RETIRED_CLIENT_GRACE_MS = 10 * 60 * 1000;

/** A client replaced by new settings stops following storage changes once nothing can still be using it. */
function retire(client) {
  if (client) setTimeout(() => client.free(), RETIRED_CLIENT_GRACE_MS);
}

let cachedClient = null;
let cachedSettings = null;
let cachedSettingsJson = null;

/** The client for the stored settings; throws `NotConfigured` when there are none. */
export async function getClient() {
  await wasmReady();
  const settings = await readSettings();
  if (!settings) {
    throw namedError('NotConfigured', 'TikTok Shop Connect is not set up yet: open the options page and enter the app key, app secret and service ID.');
  }
  if (settings !== cachedSettings) {
    // Re-read settings are a new object: only a different value needs a new client.
    const settingsJson = JSON.stringify(settings);
    if (!cachedClient || settingsJson !== cachedSettingsJson) {
      retire(cachedClient);
      cachedClient = new TikTokShopClient(configFor(settings), chrome.storage.local);
      cachedSettingsJson = settingsJson;
    }
    cachedSettings = settings;
  }
  return cachedClient;
}

/** The client, or `null` when the extension is not configured (for background chores). */
export async function getClientIfConfigured() {
  try {
    return await getClient();
  } catch (error) {
    if (error.name === 'NotConfigured' || error.name === 'InvalidConfig') return null;
    throw error;
  }
}

/** The core's validation of a ClientConfig built from settings: throws `InvalidConfig` with its message. */
export async function checkSettings(settings) {
  await wasmReady();
  validateConfig(configFor(settings));
}
