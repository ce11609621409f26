// Placeholder until generated.
/** The client configuration. */
export interface ClientConfig {
  appKey: string;
  appSecret: string;
  serviceId: string;
  /** "row" (rest of world, default) or "us". */
  region?: "row" | "us";
  /** The redirect URL registered in Partner Center (chrome.identity.getRedirectURL()). */
  redirectUrl: string;
  endpoints?: { authorize?: string; tokenGet?: string; tokenRefresh?: string; apiBase?: string };
  /** Refresh this many seconds before the access token expires (default 300). */
  refreshMarginSecs?: number;
  /** How long the seller has to authorize (default 240). */
  flowTimeoutSecs?: number;
  /** Time limit of token/get and token/refresh in ms (default 30000). */
  tokenTimeoutMs?: number;
  /** Time limit of an API call in ms (default 60000; a call can say otherwise). */
  apiTimeoutMs?: number;
}

export interface AuthorizationStart { url: string; state: string }

/** How the redirect reached you: `bound` when through a channel bound to the flow. */
export interface CompleteOptions { bound?: boolean }
export type CaptureMode = "identity" | "tab" | "paste";
export interface BeginOptions { captureMode?: CaptureMode; workerId?: string }
export interface FailOptions { authorizeUrl?: string }

export type FailureReason = "cancelled" | "windowClosed" | "interrupted" | "timedOut"
  | "pageLoadFailed" | "tokenExchangeFailed" | "invalidRedirect";

/** Where the authorization stands, numbered like Chilkat's AuthFlowState. */
export interface FlowState {
  state: 0 | 1 | 2 | 3 | 4 | 5;
  stateName: string;
  pending: boolean;
  failureInfo?: string;
  failureLabel?: string;
  failureDetail?: string;
  denialCode?: string;
  captureMode?: CaptureMode;
  tabId?: number;
  failureReason?: FailureReason;
  errorResponse?: string;
  deadline?: number;
  startedAt?: number;
  openId?: string;
}

export type AccountStatus = "valid" | "expiring" | "accessExpired" | "reconnectRequired" | "damaged";

/** A reason code beside the sentence in `statusReason`. */
export type AccountReason = "refreshInterrupted" | "authorizationLost" | "otherAppKey"
  | "tokensNotSaved" | "damaged";

/** A connected account, without any secret. Times are Unix seconds. */
export interface AccountSummary {
  openId: string;
  sellerName: string;
  sellerBaseRegion: string;
  userType: number;
  userTypeLabel: string;
  grantedScopes: string[];
  accessTokenExpiresAt: number;
  refreshTokenExpiresAt: number;
  /** When a refresh of the access token becomes due (Unix seconds). */
  refreshDueAt: number;
  refreshDue: boolean;
  status: AccountStatus;
  statusReason?: string;
  reason?: AccountReason;
  lastRefreshAt?: number;
  connectedAt: number;
  appKey: string;
  region: string;
}

export interface ApiCall {
  /** Abandon the call after this many ms (default: the client's apiTimeoutMs, 60000). */
  timeoutMs?: number;
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string>;
  body?: string | null;
  shopCipher?: string;
}


export interface StatusCounts { valid: number; expiring: number; accessExpired: number; reconnectRequired: number; damaged: number }

export interface PageRequest { query?: string; offset?: number; limit?: number }

export interface AccountsPage { accounts: AccountSummary[]; total: number; matching: number; counts: StatusCounts }

export interface Overview {
  total: number;
  counts: StatusCounts;
  attention: { openId: string; sellerName: string; status: AccountStatus }[];
  nextDueAt?: number;
}

export interface DueRefreshOptions { concurrency?: number; limit?: number }

export interface DueRefreshReport { due: number; refreshed: number; failed: number }

export interface ImportOptions { replaceNewer?: boolean }

export interface ImportOutcome { account: AccountSummary; refreshed: boolean }

export interface Shop { cipher: string; code: string; id: string; name: string; region: string; sellerType: string }

/** The token model, tokens included. */
export interface TokenSet {
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  openId: string;
  sellerName: string;
  sellerBaseRegion: string;
  userType: number;
  grantedScopes: string[];
  requestId?: string | null;
}

export interface RedirectCode { code: string; appKey?: string; locale?: string; shopRegion?: string }
