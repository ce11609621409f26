// Settings (what the options page stores under `settings`) → the core's
// ClientConfig (types/tiktok-shop-connect.d.ts). Shared by the worker and any extension page
// that builds its own client, so both talk to the same endpoints. Nothing here restates a core
// default: what the settings leave unset stays unset, and the core fills it in.

import { captureModeOf } from '../pkg/tiktok_shop_connect.js';

/** Drops empty endpoint overrides so the client uses TikTok's defaults for them. */
function cleanEndpoints(endpoints = {}) {
  const cleaned = {};
  for (const [name, value] of Object.entries(endpoints)) {
    if (typeof value === 'string' && value.trim()) cleaned[name] = value.trim();
  }
  return cleaned;
}

/**
 * Whether the flow's redirect comes back through the browser's sign-in window (chrome.identity's
 * redirect URL) rather than a page the seller lands on (tab capture, paste: the team's registered
 * URL). Which mode an unset or unknown setting means is the core's to say (captureModeOf).
 * Needs the wasm module initialised (the worker's modules await wasmReady first).
 */
export function usesSignInWindow(settings) {
  return captureModeOf(settings.captureMode) === 'identity';
}

/** The ClientConfig for stored settings, with the redirect URL registered in Partner Center. */
export function configFor(settings) {
  return {
    appKey: settings.appKey ?? '',
    appSecret: settings.appSecret ?? '',
    serviceId: settings.serviceId ?? '',
    region: settings.region || undefined,
    redirectUrl: (usesSignInWindow(settings) ? chrome.identity.getRedirectURL() : settings.registeredRedirectUrl) ?? '',
    endpoints: cleanEndpoints(settings.endpoints),
    // Unset: the core's defaults (its validation is the one source of ranges and defaults).
    refreshMarginSecs: settings.refreshMarginSecs ?? undefined,
    flowTimeoutSecs: settings.flowTimeoutSecs ?? undefined,
  };
}
