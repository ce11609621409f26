// The mock's configuration: defaults, the seller who authorizes, and the validated merge of
// startup options and control-API patches (unknown keys and wrong types fail loudly).

const DAY_SEC = 24 * 60 * 60;

/** The seller who authorizes when nobody configured another one. */
export function defaultSeller() {
  return {
    openId: '7494845009386375941',
    sellerName: 'Mock Test Shop',
    sellerBaseRegion: 'GB',
    userType: 0,
    grantedScopes: ['seller.authorization.info', 'seller.shop.info', 'seller.order.info'],
    // null → one shop derived from the seller (see shopsOf).
    shops: null,
  };
}

/** Defaults of every configurable setting; keys are also the control-API keys. */
export function defaultConfig() {
  return {
    appKey: 'mock_app_key',
    appSecret: 'mock_app_secret',
    serviceId: 'mock_service_id',
    // null → `${server url}/__mock/callback` (resolved once the port is known).
    redirectUrl: null,
    accessLifetimeSec: 7 * DAY_SEC,
    // ~100 years: real refresh tokens were seen expiring in 2123 and 2125.
    refreshLifetimeSec: 100 * 365 * DAY_SEC,
    authCodeLifetimeSec: 30 * 60,
    rotateRefreshToken: false,
    autoApprove: false,
    autoDeny: false,
    denialForm: 'auth_denied',
    clockSkewSec: 0,
    locale: 'en',
    seller: defaultSeller(),
  };
}

/** The two documented forms of TikTok's denial redirect. */
export const DENIAL_FORMS = new Set(['auth_denied', 'access_denied']);
const BOOLEAN_KEYS = new Set(['rotateRefreshToken', 'autoApprove', 'autoDeny']);
const NUMBER_KEYS = new Set([
  'accessLifetimeSec',
  'refreshLifetimeSec',
  'authCodeLifetimeSec',
  'clockSkewSec',
]);
const STRING_KEYS = new Set(['appKey', 'appSecret', 'serviceId', 'locale']);
const SELLER_KEYS = new Set(Object.keys(defaultSeller()));

/** Thrown for a bad control-API payload or option; the server answers 400. */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Returns `base` with `patch` merged in (seller merged field by field). Unknown keys
 * and wrong types are rejected, so a typo in a test fails loudly instead of being
 * silently ignored.
 */
export function mergeConfig(base, patch = {}) {
  const merged = structuredClone(base);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (BOOLEAN_KEYS.has(key)) {
      if (typeof value !== 'boolean') throw new ConfigError(`${key} must be a boolean`);
      merged[key] = value;
    } else if (NUMBER_KEYS.has(key)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ConfigError(`${key} must be a finite number`);
      }
      merged[key] = value;
    } else if (STRING_KEYS.has(key)) {
      if (typeof value !== 'string') throw new ConfigError(`${key} must be a string`);
      merged[key] = value;
    } else if (key === 'redirectUrl') {
      if (value !== null) {
        try {
          new URL(value);
        } catch {
          throw new ConfigError('redirectUrl must be an absolute URL or null');
        }
      }
      merged.redirectUrl = value;
    } else if (key === 'denialForm') {
      if (!DENIAL_FORMS.has(value)) {
        throw new ConfigError(`denialForm must be one of ${[...DENIAL_FORMS].join(', ')}`);
      }
      merged.denialForm = value;
    } else if (key === 'seller') {
      if (typeof value !== 'object' || value === null) throw new ConfigError('seller must be an object');
      for (const sellerKey of Object.keys(value)) {
        if (!SELLER_KEYS.has(sellerKey)) {
          throw new ConfigError(`unknown seller field "${sellerKey}" (known: ${[...SELLER_KEYS].join(', ')})`);
        }
      }
      merged.seller = { ...merged.seller, ...structuredClone(value) };
    } else {
      throw new ConfigError(`unknown config key "${key}"`);
    }
  }
  return merged;
}
