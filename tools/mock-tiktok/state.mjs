// The mock's memory: configuration, sellers' authorizations (grants), auth codes,
// tokens, pending authorizations, counters, faults, holds and the request log.
//
// Everything here is plain data plus decisions ("is this token valid?", "what does
// token/refresh answer?"); the HTTP layer (router.mjs) turns the results into
// responses; faults.mjs takes faults and holds from the lists kept here. TikTok's codes
// and messages come from tiktok-codes.json (codes.mjs). All times come from `nowSec()`,
// which includes the configurable clock skew, so clients see one consistent server clock
// (Date header, timestamp window, expiries).

import { tiktokAnswer } from './codes.mjs';
import { ConfigError, DENIAL_FORMS, defaultConfig, mergeConfig } from './config.mjs';
import { newRequestId, newTokenString } from './ids.mjs';

// What this module exported before config.mjs, ids.mjs and codes.mjs were split out of it.
export { ConfigError, defaultConfig, defaultSeller, mergeConfig } from './config.mjs';
export { newRequestId, newTokenString, shopCipherFor, shopsOf } from './ids.mjs';

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

  /** The envelope of TikTok's answer `name` (tiktok-codes.json), placeholders from `values`. */
  answer(name, values = {}, data = {}) {
    const { code, message } = tiktokAnswer(name, values);
    return this.envelope(code, message, data);
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
      return this.answer('appKeyInvalid');
    }
    if (query.get('app_secret') !== this.config.appSecret) {
      return this.answer('appSecretInvalid');
    }
    if (query.get('grant_type') !== expectedGrantType) {
      return this.answer('grantTypeInvalid', { grantType: expectedGrantType });
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
      return this.answer('authCodeInvalid');
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
    return this.answer('tokenSuccess', {}, this.tokenData(grant, accessToken));
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
      return this.answer('authRecordNotFound');
    }
    if (grant.refreshExpiresAt <= this.nowSec()) {
      return this.answer('refreshTokenExpired');
    }
    if (this.config.rotateRefreshToken) {
      refreshRecord.status = 'rotated';
      grant.previousRefreshTokens.push(grant.refreshToken);
      grant.refreshToken = newTokenString();
      this.registerRefreshToken(grant);
    }
    // refresh_token_expire_in is the seller's chosen authorization duration: unchanged.
    const accessToken = this.issueAccessToken(grant);
    return this.answer('tokenSuccess', {}, this.tokenData(grant, accessToken));
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
      return tiktokAnswer('accessTokenInvalid');
    }
    // Expired: TikTok answers HTTP 401 here.
    if (record.expiresAt <= this.nowSec()) {
      return tiktokAnswer('accessTokenExpired');
    }
    if (requiredScope && !grant.seller.grantedScopes.includes(requiredScope)) {
      return tiktokAnswer('scopeMissing', { scope: requiredScope });
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

  // --- request log -------------------------------------------------------------

  /** Appends a log entry (raw: this is a test mock), keeping the last few hundred. */
  logRequest(entry) {
    this.requestLog.push(entry);
    if (this.requestLog.length > REQUEST_LOG_LIMIT) this.requestLog.shift();
    return entry;
  }
}
