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

/**
 * The fixed sentence for a denial: the core's `denialCode` is TikTok's code from its allowlist
 * (`access_denied`, …) or `unknown`, never the redirect's own words (whoever crafted the redirect
 * chose those).
 */
export function denialSentence(denialCode) {
  return denialCode && denialCode !== 'unknown'
    ? `TikTok answered "${denialCode}". Press Connect to try again.`
    : 'TikTok gave no known reason. Press Connect to try again.';
}

/** The flow state (Chilkat's 1–5) as a headline and an optional detail line; the words of a failure are the core's. */
export function describeFlow(flow, accountName) {
  switch (flow.state) {
    case 1: return { headline: 'Waiting for you to authorize on TikTok…' };
    case 2: return { headline: 'Exchanging the authorization code for tokens…' };
    case 3: return { headline: `Connected${accountName ? `: ${accountName}` : ''}.` };
    case 4: return {
      headline: 'Access denied: the seller declined the authorization.',
      detail: denialSentence(flow.denialCode),
    };
    case 5: return {
      headline: `Failed: ${flow.failureLabel ?? flow.stateName}.`,
      detail: flow.failureDetail,
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
