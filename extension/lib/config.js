// Settings (what the options page stores under `settings`) → the core's
// ClientConfig (docs/js-api.md). Shared by the worker and any extension page
// that builds its own client, so both talk to the same endpoints.

export const CAPTURE_MODES = ['identity', 'tab', 'paste'];

/** Drops empty endpoint overrides so the client uses TikTok's defaults for them. */
function cleanEndpoints(endpoints = {}) {
  const cleaned = {};
  for (const [name, value] of Object.entries(endpoints)) {
    if (typeof value === 'string' && value.trim()) cleaned[name] = value.trim();
  }
  return cleaned;
}

/**
 * The ClientConfig for stored settings. The redirect URL is the one registered in
 * Partner Center: chrome.identity's for the sign-in window, else the team's page.
 */
export function configFor(settings) {
  const identityMode = !settings.captureMode || settings.captureMode === 'identity';
  return {
    appKey: settings.appKey ?? '',
    appSecret: settings.appSecret ?? '',
    serviceId: settings.serviceId ?? '',
    region: settings.region || 'row',
    redirectUrl: (identityMode ? chrome.identity.getRedirectURL() : settings.registeredRedirectUrl) ?? '',
    endpoints: cleanEndpoints(settings.endpoints),
    // Unset: the core's defaults (its validation is the one source of ranges and defaults).
    refreshMarginSecs: settings.refreshMarginSecs ?? undefined,
    flowTimeoutSecs: settings.flowTimeoutSecs ?? undefined,
  };
}
