// Generated from the Rust structs by src/typescript.rs: do not edit by hand.
// `UPDATE_TYPES=1 cargo test --lib typescript` rewrites it; `make lint` checks it.

/** How a flow's redirect is captured. */
export type CaptureMode = "identity" | "tab" | "paste";
export type ClientConfig = { 
/**
 * App key.
 */
appKey: string, 
/**
 * App secret.
 */
appSecret: string, 
/**
 * Service ID.
 */
serviceId: string, 
/**
 * `"row"` (default) or `"us"`.
 */
region?: "row" | "us", 
/**
 * The redirect URL registered in Partner Center.
 */
redirectUrl: string, 
/**
 * Endpoint overrides.
 */
endpoints?: EndpointOverrides, 
/**
 * Refresh margin in seconds (default 300).
 */
refreshMarginSecs?: number, 
/**
 * Flow timeout in seconds (default 240).
 */
flowTimeoutSecs?: number, 
/**
 * Limit of token/get and token/refresh in ms (default 30000).
 */
tokenTimeoutMs?: number, 
/**
 * Limit of an API call in ms (default 60000).
 */
apiTimeoutMs?: number, };
export type EndpointOverrides = { 
/**
 * Replaces [`Endpoints::authorize`].
 */
authorize?: string, 
/**
 * Replaces [`Endpoints::token_get`].
 */
tokenGet?: string, 
/**
 * Replaces [`Endpoints::token_refresh`].
 */
tokenRefresh?: string, 
/**
 * Replaces [`Endpoints::api_base`].
 */
apiBase?: string, };
export type AuthorizationStart = { 
/**
 * The authorization page URL.
 */
url: string, 
/**
 * The state sent to TikTok.
 */
state: string, };
export type BeginOptions = { 
/**
 * How the redirect is captured: `identity` (default), `tab` or `paste`.
 */
captureMode?: CaptureMode, 
/**
 * The program instance starting the flow (a service worker's lifetime), so that a later
 * instance knows whether the flow can still finish.
 */
workerId?: string, };
export type CompleteOptions = { 
/**
 * `true` when it came through a channel bound to the flow (the sign-in window's result,
 * the flow's own tab, the person's paste): only then does a denial without `state` end
 * the flow.
 */
bound?: boolean, };
export type FailOptions = { 
/**
 * Fail the pending flow only if its authorization page is this one.
 */
authorizeUrl?: string, };
export type FailureReason = "cancelled" | "windowClosed" | "interrupted" | "timedOut" | "pageLoadFailed" | "tokenExchangeFailed" | "invalidRedirect";
export type FlowState = { 
/**
 * Chilkat's number, 0–5 (a pending flow past its deadline reads as 5).
 */
state: 0 | 1 | 2 | 3 | 4 | 5, 
/**
 * The state in words.
 */
stateName: string, 
/**
 * Whether the flow is under way (state 1 or 2): Connect waits, Cancel applies.
 */
pending: boolean, 
/**
 * Why it failed (state 5), Chilkat's `FailureInfo`: the reason's label, then the detail.
 */
failureInfo?: string, 
/**
 * Why it failed, as a reason code (state 5).
 */
failureReason?: FailureReason, 
/**
 * Why it failed, in words for a person (state 5).
 */
failureLabel?: string, 
/**
 * What the failure adds to its reason, if anything (state 5).
 */
failureDetail?: string, 
/**
 * The denial's response (state 4): `error=<TikTok's code>`.
 */
errorResponse?: string, 
/**
 * TikTok's denial code from the known list, or `unknown` (state 4).
 */
denialCode?: string, 
/**
 * The deadline of a pending flow.
 */
deadline?: number, 
/**
 * When a pending flow began.
 */
startedAt?: number, 
/**
 * The connected seller (state 3).
 */
openId?: string, 
/**
 * How a pending flow's redirect is captured (`identity`, `tab`, `paste`).
 */
captureMode?: CaptureMode, 
/**
 * The tab a pending flow opened.
 */
tabId?: number, };
export type AccountStatus = "valid" | "expiring" | "accessExpired" | "reconnectRequired" | "damaged";
export type AccountReason = "refreshInterrupted" | "authorizationLost" | "otherAppKey" | "tokensNotSaved" | "damaged";
export type AccountSummary = { 
/**
 * The seller's `open_id`.
 */
openId: string, 
/**
 * The seller's name.
 */
sellerName: string, 
/**
 * The seller's base region.
 */
sellerBaseRegion: string, 
/**
 * TikTok's `user_type` number.
 */
userType: number, 
/**
 * `"seller"`, `"creator"`, `"partner"` or `"other"`.
 */
userTypeLabel: string, 
/**
 * The granted scopes.
 */
grantedScopes: Array<string>, 
/**
 * When the access token expires (Unix seconds).
 */
accessTokenExpiresAt: number, 
/**
 * When the refresh token expires (Unix seconds).
 */
refreshTokenExpiresAt: number, 
/**
 * When a refresh of the access token becomes due (Unix seconds).
 */
refreshDueAt: number, 
/**
 * Whether a refresh is due now (the scheduler refreshes it; a call refreshes it first).
 */
refreshDue: boolean, 
/**
 * How usable the account is.
 */
status: AccountStatus, 
/**
 * Why, unless valid: a sentence for people.
 */
statusReason?: string, 
/**
 * Why, as a code pages can switch on.
 */
reason?: AccountReason, 
/**
 * When the tokens were last refreshed.
 */
lastRefreshAt?: number, 
/**
 * When the account was connected.
 */
connectedAt: number, 
/**
 * The app key the account is bound to.
 */
appKey: string, 
/**
 * The region the account is bound to.
 */
region: string, };
export type ApiCall = { 
/**
 * `GET` (default), `POST`, `PUT`, `PATCH` or `DELETE`.
 */
method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", 
/**
 * The path, such as `/authorization/202309/shops`.
 */
path: string, 
/**
 * Business query parameters.
 */
query?: { [key in string]?: string }, 
/**
 * The JSON body.
 */
body?: string | null, 
/**
 * The shop cipher, for shop-scoped endpoints.
 */
shopCipher?: string, 
/**
 * Abandon the call after this many ms (default: the client's `apiTimeoutMs`, 60 s).
 */
timeoutMs?: number, };
export type StatusCounts = { 
/**
 * Ready.
 */
valid: number, 
/**
 * Due for a refresh.
 */
expiring: number, 
/**
 * Access token expired.
 */
accessExpired: number, 
/**
 * The seller must connect again.
 */
reconnectRequired: number, 
/**
 * Unreadable records.
 */
damaged: number, };
export type PageRequest = { 
/**
 * A case-insensitive part of the seller name, `open_id` or region; empty: every account.
 */
query?: string, 
/**
 * How many matching accounts to skip.
 */
offset?: number, 
/**
 * How many to return.
 */
limit?: number, };
export type AccountsPage = { 
/**
 * The page: those needing attention first, then by seller name.
 */
accounts: Array<AccountSummary>, 
/**
 * How many accounts are stored.
 */
total: number, 
/**
 * How many match the query.
 */
matching: number, 
/**
 * All accounts by status.
 */
counts: StatusCounts, };
export type AttentionItem = { 
/**
 * The seller's `open_id`.
 */
openId: string, 
/**
 * The seller's name (empty for a damaged record).
 */
sellerName: string, 
/**
 * Its status.
 */
status: AccountStatus, };
export type Overview = { 
/**
 * How many accounts are stored.
 */
total: number, 
/**
 * By status.
 */
counts: StatusCounts, 
/**
 * The first sellers (by name) that need reconnecting or are damaged, at most
 * [`ATTENTION_LIMIT`].
 */
attention: Array<AttentionItem>, 
/**
 * The earliest time a refresh becomes due, among accounts that can be refreshed.
 */
nextDueAt?: number, };
export type DueRefreshOptions = { 
/**
 * How many refreshes run at once (at least 1): the rest wait, so user calls are never
 * starved of connections.
 */
concurrency?: number, 
/**
 * How many due accounts to refresh in this round at most.
 */
limit?: number, };
export type DueRefreshReport = { 
/**
 * How many accounts were due.
 */
due: number, 
/**
 * How many were refreshed (or found refreshed by someone else).
 */
refreshed: number, 
/**
 * How many failed (the account says why).
 */
failed: number, };
export type ImportOptions = { 
/**
 * Replace stored tokens of the same seller even when they are newer than the imported ones
 * (the person confirmed it).
 */
replaceNewer?: boolean, };
export type ImportOutcome = { 
/**
 * The account as it is now.
 */
account: AccountSummary, 
/**
 * Whether the imported access token had expired and was refreshed at once.
 */
refreshed: boolean, };
export type Shop = { 
/**
 * The shop cipher, for shop-scoped calls.
 */
cipher: string, 
/**
 * The shop code.
 */
code: string, 
/**
 * The shop ID.
 */
id: string, 
/**
 * The shop name.
 */
name: string, 
/**
 * The shop region.
 */
region: string, 
/**
 * `LOCAL` or `CROSS_BORDER`.
 */
sellerType: string, };
export type TokenSet = { 
/**
 * The access token.
 */
accessToken: string, 
/**
 * When the access token expires (Unix seconds).
 */
accessTokenExpiresAt: number, 
/**
 * The refresh token.
 */
refreshToken: string, 
/**
 * When the refresh token expires (Unix seconds).
 */
refreshTokenExpiresAt: number, 
/**
 * The seller's `open_id`.
 */
openId: string, 
/**
 * The seller's name.
 */
sellerName: string, 
/**
 * The seller's base region.
 */
sellerBaseRegion: string, 
/**
 * TikTok's `user_type` number.
 */
userType: number, 
/**
 * The granted scopes.
 */
grantedScopes: Array<string>, 
/**
 * The `request_id` of the response.
 */
requestId?: string | null, };
export type RedirectCode = { 
/**
 * The single-use code.
 */
code: string, 
/**
 * `app_key`, when TikTok sent it.
 */
appKey?: string, 
/**
 * `locale`, when TikTok sent it.
 */
locale?: string, 
/**
 * `shop_region`, when TikTok sent it.
 */
shopRegion?: string, };
