// The built wasm package (extension/pkg) in Node, pointed at the mock TikTok server: for the
// Node tests of the package (tests/js/) and `make bench`. Loads the wasm-opt-optimised `.wasm`
// from disk, so whatever calls the package also proves the optimised build instantiates and runs.

import { readFile } from 'node:fs/promises';
import path from 'node:path';

import init, * as pkg from '../extension/pkg/tiktok_shop_connect.js';
import { REPO_ROOT, mockEndpoints } from './mock-tiktok/spawn.mjs';

export { pkg };

export const WASM_PATH = path.join(REPO_ROOT, 'extension', 'pkg', 'tiktok_shop_connect_bg.wasm');

export const APP_KEY = 'mock_app_key';
export const APP_SECRET = 'mock_app_secret';
export const SERVICE_ID = 'mock_service_id';
export const SHOPS_PATH = '/authorization/202309/shops';

let ready;
/** Instantiates the package once per process from the `.wasm` bytes on disk. */
export function initPackage() {
  ready ??= readFile(WASM_PATH).then((bytes) => init({ module_or_path: bytes }));
  return ready;
}

/**
 * An in-memory store with the shape of `chrome.storage.local`. Values are deep-copied
 * on the way in and out, as chrome.storage does. `items` is the raw content, for
 * inspection by tests; `reads` lists every `get` (its keys, `null` for everything).
 * With `{ events: true }` it also has `onChanged` (addListener / removeListener), fired
 * after every write with `{ key: { oldValue, newValue } }` in a later task (`eventDelayMs`
 * later: chrome delivers them late, after further writes), as chrome.storage.local.onChanged is.
 */
export function memoryStore(initial = {}, { events = false, eventDelayMs = 0 } = {}) {
  const items = structuredClone(initial);
  const reads = [];
  const listeners = new Set();
  const fire = (changes) => {
    if (!Object.keys(changes).length) return;
    for (const listener of listeners) setTimeout(() => listener(structuredClone(changes)), eventDelayMs);
  };
  const store = {
    items,
    reads,
    async get(keys) {
      reads.push(keys == null ? null : [].concat(keys));
      if (keys == null) return structuredClone(items);
      const out = {};
      for (const key of [].concat(keys)) if (key in items) out[key] = structuredClone(items[key]);
      return out;
    },
    async set(obj) {
      const changes = {};
      for (const [key, value] of Object.entries(structuredClone(obj))) {
        changes[key] = { oldValue: items[key], newValue: value };
        items[key] = value;
      }
      fire(changes);
    },
    async remove(keys) {
      const changes = {};
      for (const key of [].concat(keys)) {
        if (key in items) changes[key] = { oldValue: items[key] };
        delete items[key];
      }
      fire(changes);
    },
  };
  if (events) {
    store.onChanged = {
      addListener: (listener) => listeners.add(listener),
      removeListener: (listener) => listeners.delete(listener),
    };
  }
  return store;
}

/** A client config pointing every endpoint at the mock. */
export function mockConfig(mock, extra = {}) {
  return {
    appKey: APP_KEY,
    appSecret: APP_SECRET,
    serviceId: SERVICE_ID,
    redirectUrl: `${mock.url}/__mock/callback`,
    endpoints: mockEndpoints(mock.url),
    ...extra,
  };
}

/** Helpers for the mock's control API (`/__mock/...`). */
export function control(mock) {
  const call = async (method, route, body) => {
    const res = await fetch(`${mock.url}/__mock/${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`mock ${method} ${route} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    get: (route) => call('GET', route),
    post: (route, body = {}) => call('POST', route, body),
    del: (route) => call('DELETE', route),
    counters: () => call('GET', 'counters'),
    tokens: () => call('GET', 'tokens'),
    reset: () => call('POST', 'reset', {}),
  };
}

/**
 * Connects the mock's current seller through `client`: begins the authorization,
 * approves it through the control API, completes it. Returns the account summary.
 */
export async function connect(client, mock) {
  const { url, state } = await client.beginAuthorization();
  const page = await fetch(url);
  await page.text();
  const { redirectUrl } = await control(mock).post('approve', { state });
  return client.completeAuthorization(redirectUrl);
}
