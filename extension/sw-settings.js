// Worker module: the options page's settings. The secret goes in and never comes out;
// validation, ranges and defaults are the core's (validateConfig, captureModes): a value left
// empty is stored unset, and a wrong one gets the core's own message.

import { captureModes } from './pkg/tiktok_shop_connect.js';
import { usesSignInWindow } from './lib/config.js';
import {
  checkSettings, namedError, readSettings, wasmReady, writeSettings,
} from './sw-client.js';

const ENDPOINT_NAMES = ['authorize', 'tokenGet', 'tokenRefresh', 'apiBase'];

/**
 * What the options page may see: everything except the secret, plus whether one is set, and the
 * capture modes the core knows (the page has no wasm of its own).
 */
export async function publicSettings() {
  await wasmReady();
  const settings = await readSettings();
  const { appSecret, ...rest } = settings ?? {};
  let configError = null;
  if (settings) {
    try {
      await checkSettings(settings);
    } catch (error) {
      configError = error.message;
    }
  }
  return {
    configured: Boolean(settings) && !configError,
    configError: settings ? configError : 'Not set up yet: enter the app key, app secret and service ID.',
    settings: { ...rest, appSecretSet: Boolean(appSecret) },
    redirectUrl: chrome.identity.getRedirectURL(),
    extensionId: chrome.runtime.id,
    captureModes: captureModes(),
  };
}

/** Validates and stores new settings. An empty secret keeps the stored one, unless an endpoint changed. */
export async function saveSettings(input) {
  if (!input || typeof input !== 'object') throw namedError('InvalidInput', 'saveSettings needs a `settings` object.');
  await wasmReady();
  const previous = (await readSettings()) ?? {};
  const endpoints = {};
  for (const name of ENDPOINT_NAMES) endpoints[name] = String(input.endpoints?.[name] ?? '').trim();
  const endpointsChanged = ENDPOINT_NAMES.some((name) => endpoints[name] !== (previous.endpoints?.[name] ?? ''));
  const newSecret = String(input.appSecret ?? '').trim();
  if (!newSecret && previous.appSecret && endpointsChanged) {
    // Otherwise whoever changes an endpoint would get the stored secret sent to a host of their choosing.
    throw namedError('SecretRequired', 'An endpoint changed: enter the app secret again to send it to the new endpoint.');
  }
  const settings = {
    appKey: String(input.appKey ?? '').trim(),
    appSecret: newSecret || previous.appSecret || '',
    serviceId: String(input.serviceId ?? '').trim(),
    // Unset: the core's default region; an unknown one gets the core's message.
    region: optionalText(input.region),
    // Unset or unknown: the core's default mode (it decides, when the flow begins).
    captureMode: captureModes().includes(input.captureMode) ? input.captureMode : undefined,
    registeredRedirectUrl: String(input.registeredRedirectUrl ?? '').trim(),
    endpoints,
    // As given (empty: the core's default); the core validates them and says what is wrong.
    refreshMarginSecs: optionalNumber(input.refreshMarginSecs, 'The refresh margin'),
    flowTimeoutSecs: optionalNumber(input.flowTimeoutSecs, 'The sign-in timeout'),
    allowedWebOrigins: webOrigins(input.allowedWebOrigins),
  };
  if (!usesSignInWindow(settings) && !/^https?:\/\//.test(settings.registeredRedirectUrl)) {
    throw namedError('InvalidConfig', 'Tab capture and paste modes need the redirect URL registered in Partner Center (https://…).');
  }
  await checkSettings(settings); // throws InvalidConfig with the core's message
  await writeSettings(settings);
  return publicSettings();
}

/** The pages externally_connectable lets in at all; the user picks which of them may talk to us. */
const WEB_ORIGIN_PATTERN = /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/;

/** Normalises the allowed web page origins (an array, or one per line); rejects anything else. */
function webOrigins(value) {
  const list = Array.isArray(value) ? value : String(value ?? '').split(/[\s,]+/);
  const origins = [...new Set(list.map((origin) => String(origin).trim().replace(/\/+$/, '')).filter(Boolean))];
  const wrong = origins.find((origin) => !WEB_ORIGIN_PATTERN.test(origin));
  if (wrong) {
    throw namedError('InvalidConfig', `"${wrong}" is not a local web page origin such as http://localhost:8080 or http://127.0.0.1:5173.`);
  }
  return origins;
}

/** Text from a form field, or undefined when it is empty. */
function optionalText(value) {
  const text = String(value ?? '').trim();
  return text || undefined;
}

/** A number from a form field, or undefined when it is empty; not a number is an error, not a default. */
function optionalNumber(value, what) {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw namedError('InvalidConfig', `${what} must be a number of seconds, not "${String(value)}".`);
  return number;
}

/**
 * Any page on localhost / 127.0.0.1 can message the extension (externally_connectable); only the
 * origins the user listed in the options page may use it, since it acts with a seller's token.
 */
export async function requireAllowedWebPage(sender) {
  const origin = sender.origin ?? (sender.url ? new URL(sender.url).origin : 'an unknown page');
  const allowed = (await readSettings())?.allowedWebOrigins ?? [];
  if (!allowed.includes(origin)) {
    throw namedError('Forbidden', `The page ${origin} may not use TikTok Shop Connect: add it under "Web pages allowed to use this extension" in the extension's options.`);
  }
}
