// Presentation helpers shared by the popup and the options page.

/** "3d 4h", "12m 05s", "expired 2m ago": a countdown to a Unix time in seconds. */
export function countdown(targetSecs, nowSecs = Date.now() / 1000) {
  const remaining = Math.floor(targetSecs - nowSecs);
  const text = duration(Math.abs(remaining));
  return remaining >= 0 ? `expires in ${text}` : `expired ${text} ago`;
}

function duration(totalSecs) {
  const days = Math.floor(totalSecs / 86400);
  const hours = Math.floor((totalSecs % 86400) / 3600);
  const minutes = Math.floor((totalSecs % 3600) / 60);
  const seconds = totalSecs % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** A Unix time in seconds as a local date, e.g. "12 Mar 2125". */
export const formatDate = (secs) => new Date(secs * 1000).toLocaleDateString(undefined, {
  year: 'numeric', month: 'short', day: 'numeric',
});

/** Human words for the client's flow failure reasons. */
const FAILURE_REASONS = {
  cancelled: 'cancelled',
  windowClosed: 'the TikTok window was closed before authorizing',
  interrupted: 'interrupted: the extension restarted while waiting',
  timedOut: 'timed out',
  pageLoadFailed: 'the authorization page could not be loaded',
  tokenExchangeFailed: 'the token exchange failed',
  invalidRedirect: 'the redirect was not valid',
};

/** The core's own short labels of the failure reasons (its failureInfo is "label" or "label: detail"). */
const CORE_LABELS = new Set(['cancelled', 'window closed', 'interrupted', 'timed out',
  'authorization page could not be loaded', 'token exchange failed', 'invalid redirect']);

/** What failureInfo adds to the headline, if anything. */
function failureDetail({ failureInfo, failureReason }) {
  if (!failureInfo || failureInfo === failureReason || CORE_LABELS.has(failureInfo)) return undefined;
  const separator = failureInfo.indexOf(': ');
  const label = separator > 0 ? failureInfo.slice(0, separator) : '';
  return CORE_LABELS.has(label) ? failureInfo.slice(separator + 2) : failureInfo;
}

/**
 * TikTok's denial codes, each with a fixed sentence. Only these codes are ever shown: the core
 * keeps TikTok's error code from its allowlist, never a redirect's raw query (whoever crafted
 * the redirect chose that text).
 */
const DENIALS = {
  access_denied: 'TikTok answered "access_denied". Press Connect to try again.',
  auth_denied: 'TikTok answered "auth_denied". Press Connect to try again.',
};

/**
 * The fixed sentence for a denial's `errorResponse`: TikTok's code (`access_denied`, …), or a
 * query whose `error` is one (what cores before the allowlist stored). Anything else: a
 * sentence that names no code.
 */
export function denialSentence(errorResponse) {
  const value = String(errorResponse ?? '');
  const code = Object.hasOwn(DENIALS, value) ? value : new URLSearchParams(value).get('error') ?? '';
  return Object.hasOwn(DENIALS, code) ? DENIALS[code] : 'TikTok gave no known reason. Press Connect to try again.';
}

/** The flow state (Chilkat's 1–5) as a headline and an optional detail line. */
export function describeFlow(flow, accountName) {
  switch (flow.state) {
    case 1: return { headline: 'Waiting for you to authorize on TikTok…' };
    case 2: return { headline: 'Exchanging the authorization code for tokens…' };
    case 3: return { headline: `Connected${accountName ? `: ${accountName}` : ''}.` };
    case 4: return {
      headline: 'Access denied: the seller declined the authorization.',
      // A fixed sentence, never the redirect's own words (failureInfo and the query are not shown).
      detail: denialSentence(flow.errorResponse),
    };
    case 5: return {
      headline: `Failed: ${FAILURE_REASONS[flow.failureReason] ?? flow.failureReason ?? 'unknown reason'}.`,
      detail: failureDetail(flow),
    };
    default: return { headline: '' };
  }
}

/** The status badge of an account: label and CSS modifier. */
export function statusBadge(status) {
  switch (status) {
    case 'valid': return { label: 'OK', kind: 'ok' };
    case 'expiring': return { label: 'Expiring', kind: 'warn' };
    case 'accessExpired': return { label: 'Expiring', kind: 'warn' };
    case 'reconnectRequired': return { label: 'Reconnect needed', kind: 'bad' };
    case 'damaged': return { label: 'Damaged', kind: 'bad' };
    default: return { label: status, kind: 'warn' };
  }
}

/** Whether a seller must connect again before its tokens can be used (its card offers Reconnect). */
export const needsReconnect = (account) => account.status === 'reconnectRequired' || account.status === 'damaged';

/** Headlines for the client's status reason codes; its `statusReason` sentence gives the detail. */
const REASON_HEADLINES = {
  refreshInterrupted: 'Refresh interrupted — reconnect',
  tokensNotSaved: 'New tokens could not be saved yet — they are kept and saved again on the next call',
  damaged: 'The stored record cannot be read — reconnect or disconnect',
};

/** What an account's status line says: `{ headline, detail }`, either may be empty. */
export function describeReason(account) {
  const headline = REASON_HEADLINES[account.reason] ?? '';
  let detail = account.statusReason ?? '';
  if (!headline) return { headline: detail, detail: '' };
  // The sentence may begin with the headline's words: say them once.
  if (detail.toLowerCase().startsWith(headline.toLowerCase())) detail = detail.slice(headline.length).replace(/^[\s:.;—-]+/, '');
  return { headline, detail };
}
