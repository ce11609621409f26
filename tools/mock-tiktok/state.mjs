// The mock's memory: configuration, sellers' authorizations (grants), auth codes,
// tokens, pending authorizations, counters, faults, holds and the request log.
//
// Everything here is plain data plus decisions ("is this token valid?", "what does
// token/refresh answer?"); the HTTP layer in server.mjs turns the results into
// responses. All times come from `nowSec()`, which includes the configurable clock
// skew, so clients see one consistent server clock (Date header, timestamp window,
// expiries).

import { createHash, randomBytes } from 'node:crypto';

// ---------------------------------------------------------------------------
// Error codes (see shared/docs/tiktok-api.md §4 and README.md in this folder)
// ---------------------------------------------------------------------------

export const CODES = Object.freeze({
  SUCCESS: 0,
  ACCESS_TOKEN_INVALID: 105001,
  ACCESS_TOKEN_EXPIRED: 105002,
  SCOPE_MISSING: 105005,
  INVALID_SIGN: 106001,
  SHOP_CIPHER_MISSING: 106013,
  REFRESH_TOKEN_EXPIRED: 36004001,
  AUTH_CODE_INVALID: 36004002,
  APP_SECRET_INVALID: 36004003,
  APP_KEY_INVALID: 36004004,
  AUTH_RECORD_NOT_FOUND: 36004005,
  GRANT_TYPE_INVALID: 36004006,
  API_PATH_NOT_FOUND: 36009003,
  API_PARAM_INVALID: 36009004,
});

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

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

const DENIAL_FORMS = new Set(['auth_denied', 'access_denied']);
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

// ---------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------

/** A token string shaped like TikTok's: `ROW_` + random base64url. */
export function newTokenString() {
  return `ROW_${randomBytes(36).toString('base64url')}`;
}

let requestSequence = 0;

/**
 * A fresh request_id like TikTok's: yyyyMMddHHmmss (UTC) + 20 uppercase hex digits
 * (a 4-digit sequence, then randomness), e.g. 2026112313000100A1B2C3D4E5F60718293A.
 */
export function newRequestId(nowMs = Date.now()) {
  const stamp = new Date(nowMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  requestSequence = (requestSequence + 1) % 0x10000;
  const sequence = requestSequence.toString(16).padStart(4, '0');
  return `${stamp}${sequence}${randomBytes(8).toString('hex')}`.toUpperCase();
}

/** Deterministic shop cipher for a seller, so tests can predict it if they want. */
export function shopCipherFor(openId, index = 0) {
  const digest = createHash('sha256').update(`${openId}:${index}`).digest('base64url');
  return `ROW_${digest.slice(0, 28)}`;
}

/** The shops a seller's token covers: the configured list, or one derived shop. */
export function shopsOf(seller) {
  if (Array.isArray(seller.shops)) return seller.shops;
  return [
    {
      cipher: shopCipherFor(seller.openId),
      code: `${seller.sellerBaseRegion}LCMOCK01`,
      id: `${seller.openId.slice(0, 10)}000001`,
      name: seller.sellerName,
      region: seller.sellerBaseRegion,
      seller_type: 'LOCAL',
    },
  ];
}

// ---------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------

function emptyCounters() {
  return {
    authorize: 0, // GET /open/authorize (and legacy /oauth/authorize)
    authorizeApproved: 0, // redirects carrying a code
    authorizeDenied: 0, // redirects carrying an error
    tokenGet: 0, // GET /api/v2/token/get requests
    tokenGetSuccess: 0,
    tokenRefresh: 0, // GET /api/v2/token/refresh requests
    refreshSuccess: 0,
    refreshByCode: {},
    api: 0, // signed API requests (all endpoints)
    apiSuccess: 0,
    apiByCode: {}, // envelope code → count, for evaluated API requests
    shops: 0,
    orders: 0,
    faultsApplied: 0,
    held: 0,
    released: 0,
  };
}

// ---------------------------------------------------------------------------
// The state
// ---------------------------------------------------------------------------

/** Number of requests kept for GET /__mock/requests. */
const REQUEST_LOG_LIMIT = 500;

export class MockState {
  /** @param {object} startupOptions  config keys (see defaultConfig) */
  constructor(startupOptions = {}) {
    /** What `reset` restores: defaults overlaid with the startup options. */
    this.startupConfig = mergeConfig(defaultConfig(), startupOptions);
    /** Server base URL (http://127.0.0.1:PORT); set by the server once listening. */
    this.baseUrl = null;
    this.heldRequests = [];
    this.resetAll();
  }

  /** Forget everything and restore the startup configuration. */
  resetAll() {
    this.config = structuredClone(this.startupConfig);
    this.pendingAuthorizations = []; // {id, state, createdAt}
    this.authCodes = new Map(); // code → {code, seller, expiresAt, used}
    this.grants = new Map(); // grantId → grant (one per successful token/get)
    this.accessTokens = new Map(); // token → {token, grantId, expiresAt, status}
    this.refreshTokens = new Map(); // token → {token, grantId, status}
    this.counters = emptyCounters();
    this.faults = []; // {id, endpoint, kind, remaining, delayMs, stage}
    this.holdRules = []; // {id, endpoint, remaining}
    this.latency = { refreshMs: 0, apiMs: 0, tokenMs: 0, authorizeMs: 0 };
    this.requestLog = [];
    this.nextId = 1;
  }

  /** Merges a control-API config patch into the live config (validated, see mergeConfig). */
  updateConfig(patch) {
    this.config = mergeConfig(this.config, patch);
    return this.config;
  }

  /** A short unique id for pending authorizations, faults, holds, log entries. */
  makeId(prefix) {
    return `${prefix}${this.nextId++}`;
  }

  // --- clock -----------------------------------------------------------------

  /** Server time in ms, including the configured skew. */
  nowMs() {
    return Date.now() + this.config.clockSkewSec * 1000;
  }

  /** Server time in Unix seconds, including the configured skew. */
  nowSec() {
    return Math.floor(this.nowMs() / 1000);
  }

  /** A TikTok envelope with a fresh request_id. */
  envelope(code, message, data = {}) {
    return { code, message, data, request_id: newRequestId(this.nowMs()) };
  }

  /** The redirect URL registered "in Partner Center" for this app. */
  redirectUrl() {
    return this.config.redirectUrl ?? `${this.baseUrl}/__mock/callback`;
  }

  // --- authorization page ----------------------------------------------------

  /** Records an authorization waiting for the seller's decision. */
  addPending(state) {
    const pending = { id: this.makeId('auth_'), state, createdAt: this.nowSec() };
    this.pendingAuthorizations.push(pending);
    return pending;
  }

  /**
   * Finds (and removes) a pending authorization: by its id, else the latest with
   * `state`, else the latest of all. Returns undefined when there is none.
   */
  takePending({ id, state } = {}) {
    let index;
    if (id !== undefined) {
      index = this.pendingAuthorizations.findIndex((pending) => pending.id === id);
    } else if (state !== undefined) {
      index = this.pendingAuthorizations.findLastIndex((pending) => pending.state === state);
    } else {
      index = this.pendingAuthorizations.length - 1;
    }
    if (index < 0) return undefined;
    return this.pendingAuthorizations.splice(index, 1)[0];
  }

  /** Issues a single-use auth code for the configured seller; returns the success redirect. */
  approveRedirect(state) {
    const seller = structuredClone(this.config.seller);
    const code = newTokenString();
    this.authCodes.set(code, {
      code,
      seller,
      expiresAt: this.nowSec() + this.config.authCodeLifetimeSec,
      used: false,
    });
    this.counters.authorizeApproved += 1;
    const url = new URL(this.redirectUrl());
    url.searchParams.append('code', code);
    if (state !== undefined) url.searchParams.append('state', state);
    url.searchParams.append('app_key', this.config.appKey);
    url.searchParams.append('locale', this.config.locale);
    url.searchParams.append('shop_region', seller.sellerBaseRegion);
    return { redirectUrl: url.toString(), code, state };
  }

  /** The denial redirect, in either documented form (default: config.denialForm). */
  denyRedirect(state, form = this.config.denialForm) {
    if (!DENIAL_FORMS.has(form)) {
      throw new ConfigError(`form must be one of ${[...DENIAL_FORMS].join(', ')}`);
    }
    this.counters.authorizeDenied += 1;
    const url = new URL(this.redirectUrl());
    // Parameter order follows the two documented forms exactly.
    if (form === 'auth_denied') {
      url.searchParams.append('code', 'null');
      url.searchParams.append('error', 'auth_denied');
    } else {
      url.searchParams.append('error', 'access_denied');
      url.searchParams.append('code', 'null');
    }
    if (state !== undefined) url.searchParams.append('state', state);
    return { redirectUrl: url.toString(), state, form };
  }

  // --- token endpoints -------------------------------------------------------

  /** Checks app_key / app_secret / grant_type shared by token/get and token/refresh. */
  checkAppCredentials(query, expectedGrantType) {
    if (query.get('app_key') !== this.config.appKey) {
      return this.envelope(CODES.APP_KEY_INVALID, 'invalid app_key');
    }
    if (query.get('app_secret') !== this.config.appSecret) {
      return this.envelope(CODES.APP_SECRET_INVALID, 'invalid app_secret');
    }
    if (query.get('grant_type') !== expectedGrantType) {
      return this.envelope(
        CODES.GRANT_TYPE_INVALID,
        `invalid grant_type: expected "${expectedGrantType}"`,
      );
    }
    return null;
  }

  /** Token data as TikTok returns it, for a grant and its current access token. */
  tokenData(grant, accessToken) {
    return {
      access_token: accessToken.token,
      access_token_expire_in: accessToken.expiresAt,
      refresh_token: grant.refreshToken,
      refresh_token_expire_in: grant.refreshExpiresAt,
      open_id: grant.seller.openId,
      seller_name: grant.seller.sellerName,
      seller_base_region: grant.seller.sellerBaseRegion,
      user_type: grant.seller.userType,
      granted_scopes: [...grant.seller.grantedScopes],
    };
  }

  /** Issues a new access token for a grant; every earlier one is "rotated away". */
  issueAccessToken(grant) {
    for (const token of grant.accessTokens) {
      const record = this.accessTokens.get(token);
      if (record.status === 'active') record.status = 'rotated';
    }
    const record = {
      token: newTokenString(),
      grantId: grant.id,
      expiresAt: this.nowSec() + this.config.accessLifetimeSec,
      status: 'active',
    };
    this.accessTokens.set(record.token, record);
    grant.accessTokens.push(record.token);
    return record;
  }

  /** GET /api/v2/token/get → envelope. */
  exchangeAuthCode(query) {
    const credentialError = this.checkAppCredentials(query, 'authorized_code');
    if (credentialError) return credentialError;
    const authCode = this.authCodes.get(query.get('auth_code') ?? '');
    if (!authCode || authCode.used || authCode.expiresAt <= this.nowSec()) {
      return this.envelope(CODES.AUTH_CODE_INVALID, 'invalid auth code');
    }
    authCode.used = true;
    const grant = {
      id: this.makeId('grant_'),
      seller: authCode.seller,
      refreshToken: newTokenString(),
      refreshExpiresAt: this.nowSec() + this.config.refreshLifetimeSec,
      revoked: false,
      accessTokens: [],
      previousRefreshTokens: [],
      createdAt: this.nowSec(),
    };
    this.grants.set(grant.id, grant);
    this.registerRefreshToken(grant);
    const accessToken = this.issueAccessToken(grant);
    return this.envelope(CODES.SUCCESS, 'success', this.tokenData(grant, accessToken));
  }

  /** Makes the grant's current refresh token the active one (at token/get and on rotation). */
  registerRefreshToken(grant) {
    this.refreshTokens.set(grant.refreshToken, {
      token: grant.refreshToken,
      grantId: grant.id,
      status: 'active',
    });
  }

  /** GET /api/v2/token/refresh → envelope. */
  refresh(query) {
    const credentialError = this.checkAppCredentials(query, 'refresh_token');
    if (credentialError) return credentialError;
    const refreshRecord = this.refreshTokens.get(query.get('refresh_token') ?? '');
    const grant = refreshRecord && this.grants.get(refreshRecord.grantId);
    if (!refreshRecord || refreshRecord.status !== 'active' || grant.revoked) {
      return this.envelope(CODES.AUTH_RECORD_NOT_FOUND, 'can not find related auth record');
    }
    if (grant.refreshExpiresAt <= this.nowSec()) {
      return this.envelope(CODES.REFRESH_TOKEN_EXPIRED, 'rt has expired');
    }
    if (this.config.rotateRefreshToken) {
      refreshRecord.status = 'rotated';
      grant.previousRefreshTokens.push(grant.refreshToken);
      grant.refreshToken = newTokenString();
      this.registerRefreshToken(grant);
    }
    // refresh_token_expire_in is the seller's chosen authorization duration: unchanged.
    const accessToken = this.issueAccessToken(grant);
    return this.envelope(CODES.SUCCESS, 'success', this.tokenData(grant, accessToken));
  }

  /**
   * Classifies an access token for a signed API call.
   * @returns {{grant}|{status, code, message}}
   */
  checkAccessToken(token, requiredScope) {
    const record = this.accessTokens.get(token);
    const grant = record && this.grants.get(record.grantId);
    // A token replaced by a refresh, revoked, or never issued: invalid (HTTP 200).
    if (!record || record.status !== 'active' || grant.revoked) {
      return { status: 200, code: CODES.ACCESS_TOKEN_INVALID, message: 'access token is invalid' };
    }
    // Expired: TikTok answers HTTP 401 here.
    if (record.expiresAt <= this.nowSec()) {
      return { status: 401, code: CODES.ACCESS_TOKEN_EXPIRED, message: 'access token is expired' };
    }
    if (requiredScope && !grant.seller.grantedScopes.includes(requiredScope)) {
      return {
        status: 401,
        code: CODES.SCOPE_MISSING,
        message: `access denied: the seller did not grant the scope "${requiredScope}"`,
      };
    }
    return { grant };
  }

  // --- control-API token manipulation ------------------------------------------

  /** Grants of one seller, or all grants when openId is undefined. */
  grantsOf(openId) {
    return [...this.grants.values()].filter(
      (grant) => openId === undefined || grant.seller.openId === openId,
    );
  }

  /** Every active access token of the seller(s) expires now. Returns how many. */
  expireAccessTokens(openId) {
    let count = 0;
    for (const grant of this.grantsOf(openId)) {
      for (const token of grant.accessTokens) {
        const record = this.accessTokens.get(token);
        if (record.status === 'active') {
          record.expiresAt = this.nowSec() - 1;
          count += 1;
        }
      }
    }
    return count;
  }

  /** The seller's authorization duration ends now (refresh → 36004001). */
  expireRefreshTokens(openId) {
    const grants = this.grantsOf(openId);
    for (const grant of grants) grant.refreshExpiresAt = this.nowSec() - 1;
    return grants.length;
  }

  /** The seller deauthorized the app (refresh → 36004005, API → 105001). */
  revokeGrants(openId) {
    const grants = this.grantsOf(openId);
    for (const grant of grants) grant.revoked = true;
    return grants.length;
  }

  /** Snapshot for GET /__mock/tokens. */
  tokensSnapshot() {
    const now = this.nowSec();
    const grants = [...this.grants.values()].map((grant) => {
      const current = this.accessTokens.get(grant.accessTokens.at(-1));
      return {
        grantId: grant.id,
        openId: grant.seller.openId,
        sellerName: grant.seller.sellerName,
        accessToken: current.token,
        accessTokenExpireIn: current.expiresAt,
        accessTokenExpired: current.expiresAt <= now,
        refreshToken: grant.refreshToken,
        refreshTokenExpireIn: grant.refreshExpiresAt,
        refreshTokenExpired: grant.refreshExpiresAt <= now,
        revoked: grant.revoked,
        rotatedAccessTokens: grant.accessTokens.slice(0, -1),
        previousRefreshTokens: [...grant.previousRefreshTokens],
      };
    });
    // The latest grant of each seller, for the common "one seller" assertions.
    const bySeller = {};
    for (const grant of grants) bySeller[grant.openId] = grant;
    return { now, grants, bySeller };
  }

  // --- faults, holds, latency ----------------------------------------------------

  /** Takes one use of the first fault matching any of the request's endpoint tags. */
  takeFault(tags, stage) {
    const fault = this.faults.find(
      (candidate) => candidate.stage === stage && tags.includes(candidate.endpoint),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    this.counters.faultsApplied += 1;
    return fault;
  }

  /** Takes one use of the first hold rule matching the request; true → hold it. */
  takeHold(tags) {
    const rule = this.holdRules.find((candidate) => tags.includes(candidate.endpoint));
    if (!rule) return false;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.holdRules.splice(this.holdRules.indexOf(rule), 1);
    return true;
  }

  // --- request log -------------------------------------------------------------

  /** Appends a log entry (raw: this is a test mock), keeping the last few hundred. */
  logRequest(entry) {
    this.requestLog.push(entry);
    if (this.requestLog.length > REQUEST_LOG_LIMIT) this.requestLog.shift();
    return entry;
  }
}
