// Typed usage of the built package, checked with
//   node_modules/.bin/tsc -p tests/types --noEmit
// It exercises the public API through its declared types (extension/pkg/*.d.ts) so a
// change in the generated declarations that breaks callers fails the check.

import init, {
  TikTokShopClient,
  buildAuthorizeUrl,
  captureModes,
  newState,
  parseRedirect,
  parseTokenResponse,
  signRequest,
  validateConfig,
} from '../../extension/pkg/tiktok_shop_connect.js';
import type {
  AccountReason,
  AccountStatus,
  AccountSummary,
  AccountsPage,
  ApiCall,
  ApiResponse,
  AuthorizationStart,
  BeginOptions,
  CaptureMode,
  ClientConfig,
  CompleteOptions,
  DueRefreshReport,
  FailureReason,
  FlowState,
  ImportOutcome,
  InitOutput,
  Overview,
  PageRequest,
  RedirectCode,
  Shop,
  StatusCounts,
  TikTokShopStore,
  TokenSet,
} from '../../extension/pkg/tiktok_shop_connect.js';

/** An in-memory store with the shape of chrome.storage.local. */
export function memoryStore(): TikTokShopStore {
  const items: Record<string, unknown> = {};
  return {
    async get(keys: string | string[] | null): Promise<Record<string, unknown>> {
      if (keys === null) return { ...items };
      const out: Record<string, unknown> = {};
      for (const key of typeof keys === 'string' ? [keys] : keys) if (key in items) out[key] = items[key];
      return out;
    },
    async set(values: Record<string, unknown>): Promise<void> {
      Object.assign(items, values);
    },
    async remove(keys: string | string[]): Promise<void> {
      for (const key of typeof keys === 'string' ? [keys] : keys) delete items[key];
    },
  };
}

export const config: ClientConfig = {
  appKey: 'mock_app_key',
  appSecret: 'mock_app_secret',
  serviceId: 'mock_service_id',
  region: 'row',
  redirectUrl: 'https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/',
  endpoints: { apiBase: 'http://127.0.0.1:8787', tokenRefresh: 'http://127.0.0.1:8787/api/v2/token/refresh' },
  refreshMarginSecs: 300,
  flowTimeoutSecs: 240,
};

/** Human text for an account's status; exhaustive over AccountStatus. */
export function describeStatus(status: AccountStatus): string {
  switch (status) {
    case 'valid': return 'connected';
    case 'expiring': return 'token expiring soon';
    case 'accessExpired': return 'token expired, will refresh';
    case 'reconnectRequired': return 'connect again';
    case 'damaged': return 'unreadable record';
    default: {
      const unreachable: never = status;
      return unreachable;
    }
  }
}

/** Whether a flow is finished (3, 4 or 5). */
export function isFinished(flow: FlowState): boolean {
  return flow.state === 3 || flow.state === 4 || flow.state === 5;
}

/** The popup's headline for a reason code; exhaustive over AccountReason. */
export function describeReason(reason: AccountReason): string {
  switch (reason) {
    case 'refreshInterrupted': return 'Refresh interrupted — reconnect';
    case 'authorizationLost': return 'authorization lost';
    case 'otherAppKey': return 'connected with another app key';
    case 'tokensNotSaved': return 'new tokens not saved yet';
    case 'damaged': return 'unreadable record';
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

export function summarize(account: AccountSummary): string {
  const expires = new Date(account.accessTokenExpiresAt * 1000).toISOString();
  const due = new Date(account.refreshDueAt * 1000).toISOString();
  const scopes: string[] = account.grantedScopes;
  const reason: string | undefined = account.statusReason;
  const code = account.reason === undefined ? '' : ` [${describeReason(account.reason)}]`;
  return `${account.sellerName} (${account.openId}, ${account.userTypeLabel}) ${describeStatus(account.status)} until ${expires}, `
    + `refresh due ${due}; ${scopes.length} scopes${reason === undefined ? '' : `: ${reason}`}${code}`;
}

/** "3 of 1000 need reconnecting" from the counts every list and overview carry. */
export function needing(counts: StatusCounts, total: number): string {
  return `${counts.reconnectRequired + counts.damaged} of ${total} need reconnecting`;
}

/** Builds a signed-API call description for a shop-scoped endpoint. */
export function ordersCall(shop: Shop, pageSize: number): ApiCall {
  return {
    method: 'POST',
    path: '/order/202309/orders/search',
    query: { page_size: String(pageSize) },
    body: JSON.stringify({ order_status: 'UNPAID' }),
    shopCipher: shop.cipher,
  };
}

export async function run(wasm: BufferSource): Promise<string[]> {
  const output: InitOutput = await init({ module_or_path: wasm });
  const lines: string[] = [`memory pages: ${output.memory.buffer.byteLength / 65536}`];

  validateConfig(config);
  const state: string = newState();
  const authorizeUrl: string = buildAuthorizeUrl({ serviceId: config.serviceId, region: 'us' }, state);
  lines.push(authorizeUrl);

  const sign: string = signRequest('e59af819cc', '/authorization/202309/shops', { app_key: '29a39d', timestamp: '1623812664' }, null, 'application/json');
  const signBytes: string = signRequest('secret', '/x', {}, new TextEncoder().encode('{}'));
  lines.push(sign, signBytes);

  const tokens: TokenSet = parseTokenResponse(200, '{"code":0,"message":"success","data":{}}');
  const expiresAt: number = tokens.refreshTokenExpiresAt;
  lines.push(String(expiresAt));

  const redirect: RedirectCode = parseRedirect(`${config.redirectUrl}?code=ROW_x&state=${state}`, config.redirectUrl, state);
  const region: string | undefined = redirect.shopRegion;
  lines.push(redirect.code, region ?? '-');

  using client = new TikTokShopClient(config, memoryStore());
  const begin: BeginOptions = { captureMode: 'tab', workerId: 'worker-1' };
  const start: AuthorizationStart = await client.beginAuthorization(begin);
  const modes: CaptureMode[] = captureModes();
  const tabbed: FlowState = await client.setFlowTab(7);
  const mode: CaptureMode | undefined = tabbed.captureMode;
  lines.push(modes.join(','), mode ?? '-', String(tabbed.tabId ?? '-'));
  const settled: FlowState = await client.settleOrphanedFlow('worker-2');
  lines.push(String(settled.pending));
  const flow: FlowState = await client.flowState();
  if (flow.pending && flow.deadline !== undefined) lines.push(`${start.url} until ${flow.deadline}`);
  if (!isFinished(flow)) lines.push(flow.stateName);

  const reason: FailureReason = 'windowClosed';
  const failed: FlowState = await client.failAuthorization(reason, 'closed by the user', { authorizeUrl: start.url });
  lines.push(failed.stateName, failed.failureReason ?? '-', failed.failureLabel ?? '-', failed.failureDetail ?? '-');
  if (failed.denialCode !== undefined) lines.push(failed.denialCode);
  await client.cancelAuthorization();
  await client.checkFlowDeadline();

  try {
    const options: CompleteOptions = { bound: true };
    const account: AccountSummary = await client.completeAuthorization(`${config.redirectUrl}?code=ROW_x&state=${start.state}`, options);
    lines.push(String(account.refreshDue));
    lines.push(summarize(account));
  } catch (error: unknown) {
    if (error instanceof Error) lines.push(`${error.name}: ${error.message}`);
  }

  const overview: Overview = await client.overview();
  lines.push(needing(overview.counts, overview.total));
  for (const seller of overview.attention) lines.push(`${seller.sellerName || seller.openId}: ${describeStatus(seller.status)}`);
  if (overview.nextDueAt !== undefined) lines.push(`next refresh due ${overview.nextDueAt}`);
  const request: PageRequest = { query: 'shop', offset: 0, limit: 25 };
  const page: AccountsPage = await client.accountsPage(request);
  lines.push(`${page.accounts.length} of ${page.matching} matching, ${needing(page.counts, page.total)}`);
  await client.accountsPage();
  const report: DueRefreshReport = await client.refreshDue({ concurrency: 4 });
  lines.push(`${report.refreshed}/${report.due} refreshed, ${report.failed} failed`);
  await client.refreshDue();

  const accounts: AccountSummary[] = await client.accounts();
  for (const account of accounts) {
    const refreshed: AccountSummary = await client.refresh(account.openId);
    const shops: Shop[] = await client.shops(refreshed.openId);
    const first = shops[0];
    if (first !== undefined) {
      const response: ApiResponse = await client.apiFetch(account.openId, ordersCall(first, 20));
      const status: number = response.status;
      // The body is TikTok's JSON, already parsed.
      const body: { code: number; data?: { total_count?: number } } = response.body;
      lines.push(`${status} ${body.code} ${body.data?.total_count ?? 0}`);
    }
    const exported: string = await client.exportChilkatJson(account.openId);
    const outcome: ImportOutcome = await client.importChilkatJson(exported);
    const replaced: ImportOutcome = await client.importChilkatJson(exported, { replaceNewer: true });
    lines.push(summarize(outcome.account), String(outcome.refreshed), String(replaced.refreshed));
    await client.disconnect(account.openId);
  }
  return lines;
}

// Wrong calls the declarations must reject.

// @ts-expect-error: region is 'row' | 'us', not any string.
export const badRegion: ClientConfig = { ...config, region: 'eu' };

// @ts-expect-error: the client needs a store.
export const noStore = () => new TikTokShopClient(config);

// @ts-expect-error: query values are strings, not numbers.
export const numericQuery = () => signRequest('s', '/p', { page_size: 20 }, null);

// @ts-expect-error: not a FailureReason ('timedOut' is recorded by the client itself, not a typo like this).
export const badReason = (client: TikTokShopClient) => client.failAuthorization('closed');

// @ts-expect-error: not a capture mode.
export const badMode = (client: TikTokShopClient) => client.beginAuthorization({ captureMode: 'window' });

// @ts-expect-error: apiFetch needs a path.
export const noPath = (client: TikTokShopClient) => client.apiFetch('open-id', { method: 'GET' });

// @ts-expect-error: only the declared HTTP methods are accepted.
export const badMethod: ApiCall = { path: '/x', method: 'TRACE' };

// @ts-expect-error: a page is asked for with numbers, not strings.
export const badLimit = (client: TikTokShopClient) => client.accountsPage({ limit: '25' });

// @ts-expect-error: importChilkatJson resolves to { account, refreshed }, not a summary.
export const notASummary = async (client: TikTokShopClient) => (await client.importChilkatJson('{}')).openId;

// @ts-expect-error: replaceNewer is a boolean.
export const badReplace = (client: TikTokShopClient) => client.importChilkatJson('{}', { replaceNewer: 'yes' });

// @ts-expect-error: accounts() resolves to summaries, which carry no tokens.
export const noToken = async (client: TikTokShopClient) => (await client.accounts())[0]?.accessToken;
