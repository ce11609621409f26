// Worker module: the team's own https pages. A person allows an origin in the options page
// (which asks Chrome for host access to that origin alone); the worker then registers the
// content-script bridge (bridge.js) for it, and the page talks to the worker through it. The
// first message from an origin asks the person (the popup's consent prompt, the badge); until
// they allow it the page gets `ConsentRequired`, and once they deny it `Forbidden`.
//
// What is allowed lives in chrome.storage.local under `pageOrigins`:
//   { "<origin>": { consent: "undecided" | "pending" | "allowed" | "denied", addedAt, requestedAt? } }
// The origin is always the core's normal form (normalizePageOrigin). The registered scripts and
// the granted host permissions follow that record: start-up (and any permission change)
// reconciles them (reconcileBridges).
//
// Nothing here touches chrome.* or the wasm at import time (sw-protocol.js is read in Node).

import { normalizePageOrigin } from './pkg/tiktok_shop_connect.js';
import { namedError, readSettings, wasmReady } from './sw-client.js';

export const PAGE_ORIGINS_KEY = 'pageOrigins';
const SCRIPT_PREFIX = 'bridge:';
const BRIDGE_SCRIPT = 'bridge.js';

const scriptId = (origin) => `${SCRIPT_PREFIX}${origin}`;
const hostPattern = (origin) => `${origin}/*`;
const nowSecs = () => Math.floor(Date.now() / 1000);

/** Promise of the stored record (a cache of storage, dropped when the key changes). */
let stored = null;
/** Serialises read-modify-write updates of the record within this worker. */
let writes = Promise.resolve();

/** Called for every chrome.storage change. */
export function noteBridgeStorageChange(changes) {
  if (Object.hasOwn(changes, PAGE_ORIGINS_KEY)) stored = null;
}

function readOrigins() {
  stored ??= chrome.storage.local.get(PAGE_ORIGINS_KEY).then(
    ({ [PAGE_ORIGINS_KEY]: value }) => (value && typeof value === 'object' ? value : {}),
    (error) => {
      stored = null;
      throw error;
    },
  );
  return stored;
}

/**
 * Serialises what registers or unregisters bridges (allow, remove, reconcile) within this worker.
 * Run side by side, a reconcile (a permission was just granted) that read the record before an
 * allow wrote it, but the registrations after the allow registered, would unregister the new bridge.
 */
let registrations = Promise.resolve();

function oneAtATime(operation) {
  const run = registrations.then(operation);
  registrations = run.catch(() => {});
  return run;
}

/** Applies `change(record)` (which edits a copy in place) and writes the result, one at a time. */
function updateOrigins(change) {
  const run = writes.then(async () => {
    const next = structuredClone(await readOrigins());
    change(next);
    await chrome.storage.local.set({ [PAGE_ORIGINS_KEY]: next });
    stored = Promise.resolve(next);
    return next;
  });
  writes = run.catch(() => {});
  return run;
}

/** The core's normal form of an origin from a message; `InvalidInput` with its message otherwise. */
async function originFrom(message) {
  await wasmReady();
  return normalizePageOrigin(String(message?.origin ?? ''));
}

const hasHostAccess = (origin) => chrome.permissions.contains({ origins: [hostPattern(origin)] });

/** Origin → the registered bridge script of it. */
async function registeredBridges() {
  const scripts = await chrome.scripting.getRegisteredContentScripts();
  return new Map(scripts.filter((script) => script.id.startsWith(SCRIPT_PREFIX))
    .map((script) => [script.id.slice(SCRIPT_PREFIX.length), script]));
}

/** Registers the bridge for `origin`: its pages' top frames only, from document start, kept across restarts. */
function registerBridge(origin) {
  return chrome.scripting.registerContentScripts([{
    id: scriptId(origin),
    matches: [hostPattern(origin)],
    js: [BRIDGE_SCRIPT],
    runAt: 'document_start',
    allFrames: false,
    persistAcrossSessions: true,
  }]);
}

const unregisterBridge = (origin) => chrome.scripting.unregisterContentScripts({ ids: [scriptId(origin)] });

/** What the options page and the popup show: every allowed origin with its consent and whether it works. */
export async function listPageOrigins() {
  const [origins, bridges] = await Promise.all([readOrigins(), registeredBridges()]);
  const list = await Promise.all(Object.entries(origins).sort(([a], [b]) => (a < b ? -1 : 1))
    .map(async ([origin, entry]) => ({
      origin,
      consent: entry.consent,
      ...(entry.requestedAt ? { requestedAt: entry.requestedAt } : {}),
      hostAccess: await hasHostAccess(origin),
      registered: bridges.has(origin),
    })));
  return { origins: list };
}

/** The origins whose first request waits for the person's answer (badge, popup). */
export async function pendingOrigins() {
  return Object.entries(await readOrigins()).filter(([, entry]) => entry.consent === 'pending').map(([origin]) => origin);
}

/**
 * `allowPageOrigin`: the options page asked Chrome for host access to the origin (inside the
 * person's click) and now hands it over. Registers the bridge; the origin is then listed with
 * its consent undecided (kept as it was when it was listed already).
 */
export function allowPageOrigin(message) {
  return oneAtATime(async () => {
    const origin = await originFrom(message);
    if (!(await hasHostAccess(origin))) {
      throw namedError('PermissionRequired', `TikTok Shop Connect has no access to ${origin}: press Allow in the options page and accept Chrome's prompt.`);
    }
    if (!(await registeredBridges()).has(origin)) await registerBridge(origin);
    await updateOrigins((origins) => {
      origins[origin] ??= { consent: 'undecided', addedAt: nowSecs() };
    });
    return listPageOrigins();
  });
}

/** Whether host access to `origin` serves something else too (tab capture's page, an endpoint override). */
async function usedElsewhere(origin) {
  const settings = (await readSettings()) ?? {};
  const urls = [settings.captureMode === 'tab' ? settings.registeredRedirectUrl : '', ...Object.values(settings.endpoints ?? {})];
  return urls.some((url) => {
    try {
      return new URL(url).origin === origin;
    } catch {
      return false;
    }
  });
}

/**
 * `removePageOrigin`: unregisters the bridge, forgets the origin and its consent, and drops the
 * host permission (unless the settings still need it; a permission the manifest itself lists
 * cannot be dropped). `permissionRemoved` says whether it was.
 */
export function removePageOrigin(message) {
  return oneAtATime(async () => {
    const origin = await originFrom(message);
    if ((await registeredBridges()).has(origin)) await unregisterBridge(origin);
    await updateOrigins((origins) => {
      delete origins[origin];
    });
    let permissionRemoved = false;
    if (!(await usedElsewhere(origin))) {
      permissionRemoved = await chrome.permissions.remove({ origins: [hostPattern(origin)] }).catch(() => false);
    }
    return { ...(await listPageOrigins()), permissionRemoved };
  });
}

/** `decideConsent`: the person's answer in the popup, remembered until the origin is removed. */
export async function decideConsent(message) {
  const origin = await originFrom(message);
  if (typeof message.allow !== 'boolean') throw namedError('InvalidInput', 'decideConsent needs `allow`: true or false.');
  if (!Object.hasOwn(await readOrigins(), origin)) {
    throw namedError('InvalidInput', `${origin} is not an allowed page origin: allow it in the options page first.`);
  }
  await updateOrigins((origins) => {
    if (origins[origin]) origins[origin] = { consent: message.allow ? 'allowed' : 'denied', addedAt: origins[origin].addedAt };
  });
  return listPageOrigins();
}

/**
 * The origin of a message sent by the bridge, or null when it is not one: a content script of
 * this extension (its ID) in a tab's top frame on an https page, never an extension page.
 */
export function bridgeSenderOrigin(sender) {
  if (sender?.id !== chrome.runtime.id || !sender.tab || sender.frameId !== 0) return null;
  if (typeof sender.url !== 'string' || sender.url.startsWith(chrome.runtime.getURL(''))) return null;
  let origin = sender.origin;
  try {
    origin ??= new URL(sender.url).origin;
  } catch {
    return null;
  }
  return typeof origin === 'string' && origin.startsWith('https://') ? origin : null;
}

/**
 * Admits the bridge of `origin` once the person allowed it. The first request of an undecided
 * origin is recorded as pending (the popup asks, the badge shows it); until then
 * `ConsentRequired`; a denied origin, or one no longer listed, gets `Forbidden`.
 */
export async function requireBridgeConsent(origin) {
  const entry = (await readOrigins())[origin];
  if (!entry) {
    throw namedError('Forbidden', `The page ${origin} may not use TikTok Shop Connect: allow it under "Team pages (https)" in the extension's options.`);
  }
  if (entry.consent === 'allowed') return;
  if (entry.consent === 'denied') {
    throw namedError('Forbidden', `Using TikTok Shop Connect from ${origin} was denied in its popup. To be asked again, remove the page in the extension's options and allow it again.`);
  }
  if (entry.consent !== 'pending') {
    await updateOrigins((origins) => {
      if (origins[origin] && origins[origin].consent !== 'allowed' && origins[origin].consent !== 'denied') {
        origins[origin] = { ...origins[origin], consent: 'pending', requestedAt: nowSecs() };
      }
    });
  }
  throw namedError('ConsentRequired', `${origin} asks to use TikTok Shop Connect: open the extension's toolbar popup and choose Allow or Deny, then try again.`);
}

/**
 * Makes the registered scripts follow the allowed origins and the granted permissions: a bridge
 * for every allowed origin with host access, none for anything else. Run at start-up and when
 * a permission is added or removed (say, in chrome://extensions).
 */
export function reconcileBridges() {
  return oneAtATime(async () => {
    const [origins, bridges] = await Promise.all([readOrigins(), registeredBridges()]);
    for (const origin of bridges.keys()) {
      if (!Object.hasOwn(origins, origin)) await unregisterBridge(origin);
    }
    for (const origin of Object.keys(origins)) {
      const access = await hasHostAccess(origin);
      if (access && !bridges.has(origin)) await registerBridge(origin);
      if (!access && bridges.has(origin)) await unregisterBridge(origin);
    }
  });
}
