// Typed usage of the page client (www/tiktok-shop-connect.js), checked with
//   tsc -p tests/types/tsconfig.page-client.json
// A change of its declarations that breaks a web page's code fails the check.

import {
  TikTokShopConnect, bridgePresent, connectExtension, extensionError,
} from '../../www/tiktok-shop-connect.js';
import type {
  AccountList, AccountSummary, AccountsPage, ApiResponse, ExtensionError, FlowState, Message, Overview, Reply, Shop, Via,
} from '../../www/tiktok-shop-connect.js';

interface ShopsBody {
  code: number;
  data?: { shops?: Array<{ id: string; name: string; cipher: string }> };
}

export async function run(extensionId: string): Promise<string[]> {
  const lines: string[] = [];
  const log: Array<[Message, Reply]> = [];
  const client: TikTokShopConnect = await connectExtension({
    extensionId, handshakeMs: 300, onExchange: (message, reply) => log.push([message, reply]),
  });
  const via: Via = client.via;
  lines.push(via, client.extensionId ?? '-', String(await bridgePresent()));

  const all: AccountList = await client.accounts();
  const page: AccountsPage = await client.accounts({ query: 'shop', offset: 0, limit: 25 });
  lines.push(`${all.total} ${page.matching} ${page.counts.reconnectRequired}`);
  const first: AccountSummary | undefined = page.accounts[0];
  const overview: Overview = await client.overview();
  lines.push(String(overview.attention.length));

  const flow: FlowState = await client.connect();
  if (flow.pending) lines.push(`${flow.stateName} until ${flow.deadline ?? '-'}`);
  const now: FlowState = await client.flowState();
  lines.push(now.failureLabel ?? now.stateName);

  if (first) {
    const shops: Shop[] = await client.shops(first.openId);
    lines.push(shops.map((shop) => shop.cipher).join(','));
    const response: ApiResponse<ShopsBody> = await client.fetch<ShopsBody>(first.openId, {
      path: '/authorization/202309/shops', query: { page_size: '20' },
    });
    lines.push(`${response.status} ${response.body.code} ${response.body.data?.shops?.[0]?.name ?? ''}`);
  }

  try {
    await client.send({ type: 'refresh', openId: 'x' });
  } catch (error: unknown) {
    const named = error as ExtensionError;
    switch (named.name) {
      case 'ConsentRequired': lines.push('allow this page in the extension\'s popup'); break;
      case 'Forbidden': lines.push('not for web pages'); break;
      case 'ReconnectRequired': lines.push(`reconnect (${named.code ?? '-'}, ${named.requestId ?? '-'})`); break;
      default: lines.push(`${named.name}: ${named.message}`);
    }
  }
  const reply: Reply = await client.request({ type: 'flowState' });
  lines.push(reply.ok ? 'ok' : reply.error.name);
  lines.push(extensionError({ name: 'ExtensionUnavailable', message: 'gone' }).name);
  lines.push(new TikTokShopConnect('bridge').via, String(log.length));
  return lines;
}

// Wrong calls the declarations must reject.

// @ts-expect-error: fetch needs a path.
export const noPath = (client: TikTokShopConnect) => client.fetch('open-id', {});

// @ts-expect-error: query values are strings.
export const numericQuery = (client: TikTokShopConnect) => client.fetch('open-id', { path: '/x', query: { page_size: 20 } });

// @ts-expect-error: only the two ways exist.
export const badVia = () => connectExtension({ via: 'iframe' });

// @ts-expect-error: shops needs the seller's open ID.
export const noOpenId = (client: TikTokShopConnect) => client.shops();

// @ts-expect-error: a page with a query needs a limit.
export const pageWithoutLimit = (client: TikTokShopConnect) => client.accounts({ query: 'x' });

// @ts-expect-error: a seller's summary carries no token.
export const noToken = async (client: TikTokShopConnect) => (await client.accounts()).accounts[0]?.accessToken;

// @ts-expect-error: connect resolves with the flow, not a reply.
export const notAReply = async (client: TikTokShopConnect) => (await client.connect()).ok;
