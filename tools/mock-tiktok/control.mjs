// The control API (/__mock/…) that tests and the demo use to steer the mock: config, reset,
// pending authorizations, token expiry and revocation, faults, latency, holds, counters, the
// request log and a token snapshot. Plain JSON, not TikTok envelopes.

import { ConfigError } from './config.mjs';
import { FAULT_KINDS, FAULT_STAGES, releaseHeld, waitForHeld } from './faults.mjs';
import { jsonReply } from './replies.mjs';

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function parseJsonBody(body) {
  if (body.length === 0) return {};
  try {
    const value = JSON.parse(body.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ControlError(400, 'body must be a JSON object');
    }
    return value;
  } catch (error) {
    if (error instanceof ControlError) throw error;
    throw new ControlError(400, `body is not valid JSON: ${error.message}`);
  }
}

function optionalString(payload, key) {
  const value = payload[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ControlError(400, `${key} must be a string`);
  return value;
}

function nonNegativeInteger(payload, key, fallback) {
  const value = payload[key] ?? fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new ControlError(400, `${key} must be a non-negative integer`);
  }
  return value;
}

function configView(state) {
  return { ...state.config, redirectUrlResolved: state.redirectUrl() };
}

function heldView(state) {
  return state.heldRequests.map(({ release, ...visible }) => visible);
}


/** Each control route: "METHOD /path" → (state, payload, url) => JSON-able result. */
const CONTROL_ROUTES = {
  'GET /__mock/health': (state) => ({ ok: true, url: state.baseUrl }),

  'GET /__mock/config': (state) => configView(state),
  'POST /__mock/config': (state, payload) => {
    state.updateConfig(payload);
    return configView(state);
  },

  'POST /__mock/reset': (state) => {
    releaseHeld(state); // answer parked requests rather than leave sockets hanging
    state.resetAll();
    return { ok: true, config: configView(state) };
  },

  'GET /__mock/pending': (state) => ({ pending: state.pendingAuthorizations }),
  'POST /__mock/approve': (state, payload) => {
    const pending = state.takePending({ id: optionalString(payload, 'id'), state: optionalString(payload, 'state') });
    if (!pending) throw new ControlError(404, 'no matching pending authorization');
    return state.approveRedirect(pending.state);
  },
  'POST /__mock/deny': (state, payload) => {
    const form = optionalString(payload, 'form');
    const pending = state.takePending({ id: optionalString(payload, 'id'), state: optionalString(payload, 'state') });
    if (!pending) throw new ControlError(404, 'no matching pending authorization');
    return state.denyRedirect(pending.state, form);
  },
  'POST /__mock/issue-code': (state, payload) => {
    // Skips the page: as if the seller opened the authorize URL and clicked Authorize.
    state.counters.authorize += 1;
    return state.approveRedirect(optionalString(payload, 'state'));
  },

  'POST /__mock/expire-access': (state, payload) => ({
    expired: state.expireAccessTokens(optionalString(payload, 'openId')),
  }),
  'POST /__mock/expire-refresh': (state, payload) => ({
    expired: state.expireRefreshTokens(optionalString(payload, 'openId')),
  }),
  'POST /__mock/revoke': (state, payload) => ({
    revoked: state.revokeGrants(optionalString(payload, 'openId')),
  }),

  'POST /__mock/fault': (state, payload) => {
    const endpoint = optionalString(payload, 'endpoint');
    if (!endpoint) throw new ControlError(400, 'endpoint is required (refresh, token, api, shops, orders, authorize or a path)');
    if (!FAULT_KINDS.has(payload.kind)) {
      throw new ControlError(400, `kind must be one of ${[...FAULT_KINDS].join(', ')}`);
    }
    const stage = payload.stage ?? 'before';
    if (!FAULT_STAGES.has(stage)) throw new ControlError(400, 'stage must be "before" or "after"');
    const fault = {
      id: state.makeId('fault_'),
      endpoint,
      kind: payload.kind,
      remaining: nonNegativeInteger(payload, 'times', 1),
      delayMs: nonNegativeInteger(payload, 'delayMs', 1000),
      stage,
    };
    if (fault.remaining === 0) throw new ControlError(400, 'times must be at least 1');
    state.faults.push(fault);
    return { fault, faults: state.faults };
  },
  'GET /__mock/faults': (state) => ({ faults: state.faults }),
  'DELETE /__mock/faults': (state) => {
    state.faults = [];
    return { faults: [] };
  },

  'POST /__mock/latency': (state, payload) => {
    for (const key of Object.keys(payload)) {
      if (!(key in state.latency)) {
        throw new ControlError(400, `unknown latency key "${key}" (known: ${Object.keys(state.latency).join(', ')})`);
      }
      state.latency[key] = nonNegativeInteger(payload, key, 0);
    }
    return { latency: state.latency };
  },
  'GET /__mock/latency': (state) => ({ latency: state.latency }),

  'POST /__mock/hold': (state, payload) => {
    const endpoint = optionalString(payload, 'endpoint');
    if (!endpoint) throw new ControlError(400, 'endpoint is required');
    const rule = { id: state.makeId('hold_'), endpoint, remaining: nonNegativeInteger(payload, 'count', 1) };
    if (rule.remaining === 0) throw new ControlError(400, 'count must be at least 1');
    state.holdRules.push(rule);
    return { hold: rule, holds: state.holdRules };
  },
  'GET /__mock/held': async (state, _payload, url) => {
    const min = Number(url.searchParams.get('min') ?? 0);
    const timeoutMs = Number(url.searchParams.get('timeoutMs') ?? 5000);
    const satisfied = min > 0 ? await waitForHeld(state, min, timeoutMs) : true;
    return { held: heldView(state), holds: state.holdRules, timedOut: !satisfied };
  },
  'POST /__mock/release': (state, payload) => {
    const id = optionalString(payload, 'id');
    if (id !== undefined && payload.all) throw new ControlError(400, 'give either id or all, not both');
    const released = releaseHeld(state, id);
    if (id !== undefined && released.length === 0) throw new ControlError(404, `no held request ${id}`);
    return { released };
  },

  'GET /__mock/counters': (state) => state.counters,
  'GET /__mock/requests': (state, _payload, url) => {
    const limit = Number(url.searchParams.get('limit') ?? 50);
    return { requests: state.requestLog.slice(-Math.max(1, limit)) };
  },
  'GET /__mock/tokens': (state) => state.tokensSnapshot(),
};

export async function handleControl(state, method, url, body) {
  const handler = CONTROL_ROUTES[`${method} ${url.pathname}`];
  if (!handler) {
    const known = Object.keys(CONTROL_ROUTES).join(', ');
    return jsonReply(404, { error: `unknown control route ${method} ${url.pathname}; known: ${known}` });
  }
  try {
    const payload = method === 'GET' ? {} : parseJsonBody(body);
    return jsonReply(200, await handler(state, payload, url));
  } catch (error) {
    if (error instanceof ControlError) return jsonReply(error.status, { error: error.message });
    if (error instanceof ConfigError) return jsonReply(400, { error: error.message });
    throw error;
  }
}
