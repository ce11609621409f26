// Worker module: the messages about connected sellers. Every answer is the client's (its
// in-memory index and accounts); nothing here reads the `tts:account:*` keys or decides a
// status. The scheduled refresh is sw-schedule.js.

import { getClient, namedError } from './sw-client.js';

const requireOpenId = (message) => {
  if (typeof message.openId !== 'string' || !message.openId) throw namedError('InvalidInput', 'This message needs an `openId`.');
  return message.openId;
};

const isCount = (value) => Number.isInteger(value) && value >= 0;

/**
 * `accounts`: with `limit`, one page `{ accounts, total, matching, counts }` of the accounts
 * matching `query` (reconnect-needed and damaged first; only that page's records are read);
 * without it, every account `{ accounts, total, counts }` (small stores, export lists).
 */
export async function listAccounts({ query, offset, limit }) {
  const client = await getClient();
  if (query !== undefined && typeof query !== 'string') throw namedError('InvalidInput', '`query` is a string.');
  if (offset !== undefined && !isCount(offset)) throw namedError('InvalidInput', '`offset` is a whole number ≥ 0.');
  if (limit === undefined) {
    if (query !== undefined || offset !== undefined) throw namedError('InvalidInput', '`query` and `offset` need a `limit`.');
    const [accounts, { total, counts }] = await Promise.all([client.accounts(), client.overview()]);
    return { accounts, total, counts };
  }
  if (!isCount(limit) || limit === 0) throw namedError('InvalidInput', '`limit` is a whole number ≥ 1.');
  const { accounts, total, matching, counts } = await client.accountsPage({ query: query ?? '', offset: offset ?? 0, limit });
  return { accounts, total, matching, counts };
}

export const accountHandlers = {
  accounts: listAccounts,
  overview: async () => (await getClient()).overview(),
  refresh: async (message) => ({ account: await (await getClient()).refresh(requireOpenId(message)) }),
  apiRequest: async (message) => {
    const client = await getClient();
    const request = message.request ?? {};
    if (typeof request.path !== 'string' || !request.path.startsWith('/')) {
      throw namedError('InvalidInput', 'apiRequest needs `request.path`, e.g. "/authorization/202309/shops".');
    }
    // `{ status, body }`, the body already parsed from TikTok's JSON.
    return { response: await client.apiFetch(requireOpenId(message), request) };
  },
  shops: async (message) => ({ shops: await (await getClient()).shops(requireOpenId(message)) }),
  disconnect: async (message) => {
    await (await getClient()).disconnect(requireOpenId(message));
    return {};
  },
  importChilkatJson: async (message) => {
    if (typeof message.text !== 'string') throw namedError('InvalidInput', 'importChilkatJson needs the file content as `text`.');
    const client = await getClient();
    // The client checks the file before storing anything, refuses to replace newer stored tokens
    // (NewerTokensStored) unless the person said so, and refreshes an expired access token at once.
    const { account, refreshed } = await client.importChilkatJson(message.text, { replaceNewer: message.replaceNewer === true });
    return { account, refreshed };
  },
  exportChilkatJson: async (message) => ({ text: await (await getClient()).exportChilkatJson(requireOpenId(message)) }),
};
