// Fault injection and holds, steered through the control API (control.mjs) and applied by the
// router (router.mjs) to TikTok-facing requests: a fault replaces, delays or drops one answer
// ("before" the handler runs, or "after" on the computed reply); a hold parks an evaluated
// reply until it is released.

import { setTimeout as sleep } from 'node:timers/promises';

import { gatewayErrorPage } from './pages.mjs';
import { htmlReply } from './replies.mjs';

/** What `POST /__mock/fault` accepts. */
export const FAULT_KINDS = new Set(['http500', 'html', 'malformed', 'delay', 'drop']);
export const FAULT_STAGES = new Set(['before', 'after']);

/** Takes one use of the first fault matching any of the request's endpoint tags. */
export function takeFault(state, tags, stage) {
  const fault = state.faults.find((candidate) => candidate.stage === stage && tags.includes(candidate.endpoint));
  if (!fault) return undefined;
  fault.remaining -= 1;
  if (fault.remaining <= 0) state.faults.splice(state.faults.indexOf(fault), 1);
  state.counters.faultsApplied += 1;
  return fault;
}

/** Takes one use of the first hold rule matching the request; true → hold it. */
export function takeHold(state, tags) {
  const rule = state.holdRules.find((candidate) => tags.includes(candidate.endpoint));
  if (!rule) return false;
  rule.remaining -= 1;
  if (rule.remaining <= 0) state.holdRules.splice(state.holdRules.indexOf(rule), 1);
  return true;
}

/** The reply for a fault that replaces the real answer (all kinds except delay/drop). */
function faultReply(kind, fullUrl, computedReply) {
  switch (kind) {
    case 'http500':
      return { status: 500, headers: { 'Content-Type': 'text/plain' }, body: 'Internal Server Error', code: null };
    case 'html':
      return htmlReply(502, gatewayErrorPage(fullUrl));
    case 'malformed': {
      // Truncated JSON: half of the real reply when there is one, else a canned prefix.
      const whole = computedReply?.body || '{"code":0,"message":"success","data":{"access_token":"ROW_x"}}';
      return {
        status: 200,
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: whole.slice(0, Math.max(1, Math.floor(whole.length / 2))),
        code: null,
      };
    }
    default:
      throw new Error(`not a replacing fault kind: ${kind}`);
  }
}

/**
 * Applies a fault taken for this request. Returns 'continue' (delay done),
 * 'dropped' (socket destroyed) or a replacement reply.
 */
export async function applyFault(fault, res, fullUrl, computedReply) {
  if (fault.kind === 'delay') {
    await sleep(fault.delayMs);
    return 'continue';
  }
  if (fault.kind === 'drop') {
    res.socket?.destroy();
    return 'dropped';
  }
  return faultReply(fault.kind, fullUrl, computedReply);
}

/**
 * Parks an evaluated reply until /__mock/release. The reply was computed at
 * arrival, so e.g. an API call made with a token that was expired then still
 * answers 105002/401 even if a refresh completed while it was held.
 */
export function holdReply(state, logEntry, reply) {
  return new Promise((resolve) => {
    state.counters.held += 1;
    state.heldRequests.push({
      id: state.makeId('held_'),
      method: logEntry.method,
      path: logEntry.path,
      endpoint: logEntry.endpoint,
      arrivedAt: logEntry.at,
      status: reply.status,
      code: reply.code,
      release: resolve,
    });
  });
}

/** Releases held requests: one by id, or all. Returns the released ids. */
export function releaseHeld(state, id) {
  const released = id === undefined ? [...state.heldRequests] : state.heldRequests.filter((held) => held.id === id);
  state.heldRequests = state.heldRequests.filter((held) => !released.includes(held));
  for (const held of released) {
    state.counters.released += 1;
    held.release();
  }
  return released.map((held) => held.id);
}

/** Waits (polling) until at least `min` requests are held or `timeoutMs` passes. */
export async function waitForHeld(state, min, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (state.heldRequests.length < min && Date.now() < deadline) await sleep(5);
  return state.heldRequests.length >= min;
}
