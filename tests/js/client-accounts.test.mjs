// TikTokShopClient in Node against the mock: many sellers (accountsPage, overview, refreshDue),
// no store read per call, and imports that never silently replace newer tokens.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';

import {
  SHOPS_PATH, accountReads, connect, control, initPackage, memoryStore, mockConfig, pkg, rejection, sleep,
  startMockServer,
} from './helpers.mjs';

let mock;
let ctl;

before(async () => {
  await initPackage();
  mock = await startMockServer({ port: 0 });
  ctl = control(mock);
});
after(() => mock?.close());
beforeEach(() => ctl.reset());

const REGIONS = ['GB', 'DE', 'FR'];
const openIdOf = (n) => `72${String(n).padStart(17, '0')}`;
const nameOf = (n) => `Seller ${String(n).padStart(2, '0')}`;

/** A client over an in-memory store with storage change events, as the extension's worker has. */
const newClient = (store = memoryStore({}, { events: true })) => ({ store, client: new pkg.TikTokShopClient(mockConfig(mock), store) });

/** Connects sellers 1…n through the mock, each with its own open ID, name and region. */
async function connectSellers(client, n) {
  for (let i = 1; i <= n; i += 1) {
    await ctl.post('config', { seller: { openId: openIdOf(i), sellerName: nameOf(i), sellerBaseRegion: REGIONS[i % REGIONS.length] } });
    await connect(client, mock);
  }
}

/** TikTok revokes these sellers; a refresh then marks each "reconnect required". */
async function revoke(client, ...numbers) {
  for (const n of numbers) {
    await ctl.post('revoke', { openId: openIdOf(n) });
    const error = await rejection(client.refresh(openIdOf(n)));
    assert.equal(error.name, 'ReconnectRequired');
  }
}

describe('many sellers', () => {
  test('accountsPage: reconnect-needed first, then by name; search by name, open ID and region; pages', async () => {
    const { client } = newClient();
    await connectSellers(client, 12);
    await revoke(client, 11, 12);

    const first = await client.accountsPage({ offset: 0, limit: 5 });
    assert.equal(first.total, 12);
    assert.equal(first.matching, 12);
    assert.equal(first.counts.reconnectRequired, 2);
    assert.equal(first.counts.valid, 10);
    assert.deepEqual(first.accounts.map((account) => account.sellerName), [nameOf(11), nameOf(12), nameOf(1), nameOf(2), nameOf(3)]);
    assert.deepEqual(first.accounts.slice(0, 2).map((account) => account.status), ['reconnectRequired', 'reconnectRequired']);
    const second = await client.accountsPage({ offset: 5, limit: 5 });
    assert.deepEqual(second.accounts.map((account) => account.sellerName), [4, 5, 6, 7, 8].map(nameOf));
    const last = await client.accountsPage({ offset: 10, limit: 5 });
    assert.deepEqual(last.accounts.map((account) => account.sellerName), [nameOf(9), nameOf(10)]);

    const byName = await client.accountsPage({ query: 'seller 0', limit: 50 });
    assert.equal(byName.matching, 9);
    assert.equal(byName.total, 12);
    const byOpenId = await client.accountsPage({ query: openIdOf(7), limit: 50 });
    assert.deepEqual(byOpenId.accounts.map((account) => account.openId), [openIdOf(7)]);
    const byRegion = await client.accountsPage({ query: 'de', limit: 50 });
    assert.equal(byRegion.matching, 4, 'sellers 1, 4, 7, 10 are in DE');
    assert.ok(byRegion.accounts.every((account) => account.sellerBaseRegion === 'DE'));
    const none = await client.accountsPage({ query: 'nobody', limit: 50 });
    assert.deepEqual([none.matching, none.accounts.length, none.total], [0, 0, 12]);
  });

  test('overview: counts and the sellers needing attention, from memory: no account record read', async () => {
    const { client, store } = newClient();
    await connectSellers(client, 6);
    await revoke(client, 5);
    await sleep(20); // the store's change events are delivered
    const before = store.reads.length;
    const overview = await client.overview();
    assert.equal(accountReads(store, before), 0, 'overview() read no account record');
    assert.equal(overview.total, 6);
    assert.equal(overview.counts.reconnectRequired, 1);
    assert.equal(overview.counts.valid, 5);
    assert.deepEqual(overview.attention.map(({ openId, sellerName }) => ({ openId, sellerName })), [{ openId: openIdOf(5), sellerName: nameOf(5) }]);
    assert.equal(typeof overview.nextDueAt, 'number');
  });

  test('a storage event that arrives late (an older generation) does not roll back what the client knows', async () => {
    // chrome.storage delivers onChanged after the write resolved, possibly after the next write:
    // here the refresh journal's event (generation n) lands after the "reconnect" mark (n + 1).
    const { client } = newClient(memoryStore({}, { events: true, eventDelayMs: 30 }));
    await connectSellers(client, 2);
    await revoke(client, 2);
    assert.equal((await client.overview()).counts.reconnectRequired, 1);
    await sleep(100); // every event delivered
    assert.equal((await client.overview()).counts.reconnectRequired, 1, 'still marked after the late events');
    const [marked] = (await client.accountsPage({ query: openIdOf(2), limit: 1 })).accounts;
    assert.equal(marked.status, 'reconnectRequired');
  });

  test('apiFetch with a valid token reads no account record, and returns the parsed body', async () => {
    const { client, store } = newClient();
    await connectSellers(client, 1);
    await client.apiFetch(openIdOf(1), { path: SHOPS_PATH });
    await sleep(20);
    const before = store.reads.length;
    for (let i = 0; i < 10; i += 1) {
      const response = await client.apiFetch(openIdOf(1), { path: SHOPS_PATH });
      assert.equal(response.status, 200);
      assert.equal(response.body.code, 0);
      assert.equal(response.body.data.shops.length, 1);
    }
    assert.equal(accountReads(store, before), 0, '10 calls, no account read');
  });

  test('refreshDue refreshes every due account, at most `concurrency` at a time', async () => {
    const { client } = newClient();
    // Tokens that live 2 s: due once half their lifetime has passed.
    await ctl.post('config', { accessLifetimeSec: 2 });
    await connectSellers(client, 5);
    await ctl.post('config', { accessLifetimeSec: 7 * 24 * 3600 });
    await sleep(1200);
    const page = await client.accountsPage({ limit: 10 });
    assert.ok(page.accounts.every((account) => account.refreshDueAt <= Date.now() / 1000), 'all five are due');

    await ctl.post('hold', { endpoint: 'refresh', count: 5 });
    const done = client.refreshDue({ concurrency: 2 });
    let released = 0;
    let mostHeld = 0;
    while (released < 5) {
      const { held } = await ctl.get('held?min=1&timeoutMs=5000');
      await sleep(100); // would a third refresh start meanwhile?
      const { held: now } = await ctl.get('held');
      mostHeld = Math.max(mostHeld, held.length, now.length);
      const { released: ids } = await ctl.post('release', { all: true });
      released += ids.length;
    }
    const report = await done;
    assert.deepEqual(report, { due: 5, refreshed: 5, failed: 0 });
    assert.ok(mostHeld <= 2, `at most 2 refreshes at once (saw ${mostHeld})`);
    assert.equal((await ctl.counters()).refreshSuccess, 5);
    const again = await client.refreshDue({ concurrency: 2 });
    assert.equal(again.due, 0, 'nothing is due right after');
  });
});

describe('import', () => {
  /** Connects the mock's seller with 1-hour tokens, exports that file, then refreshes to 7-day tokens: the file is older. */
  async function olderFile() {
    const { client, store } = newClient();
    await ctl.post('config', { accessLifetimeSec: 3600 });
    const account = await connect(client, mock);
    const older = await client.exportChilkatJson(account.openId);
    await ctl.post('config', { accessLifetimeSec: 7 * 24 * 3600 });
    const refreshed = await client.refresh(account.openId);
    assert.ok(refreshed.accessTokenExpiresAt > account.accessTokenExpiresAt);
    return { client, store, account, older, refreshed };
  }

  test('an older file is refused with NewerTokensStored and changes nothing; replaceNewer replaces', async () => {
    const { client, store, account, older, refreshed } = await olderFile();
    const key = `tts:account:${account.openId}`;
    // The record and the index (Node has no Web Locks: the lock fallback's own key may change).
    const snapshot = () => JSON.stringify([store.items[key], store.items['tts:index']]);
    const before = snapshot();

    const error = await rejection(client.importChilkatJson(older));
    assert.equal(error.name, 'NewerTokensStored');
    assert.equal(snapshot(), before, 'the stored record is byte-identical after the refusal');
    const kept = await client.accountsPage({ query: account.openId, limit: 1 });
    assert.equal(kept.accounts[0].accessTokenExpiresAt, refreshed.accessTokenExpiresAt);

    const { account: replaced, refreshed: wasRefreshed } = await client.importChilkatJson(older, { replaceNewer: true });
    assert.equal(replaced.accessTokenExpiresAt, account.accessTokenExpiresAt, 'the file\'s tokens are stored');
    assert.equal(wasRefreshed, false);
    assert.equal(await client.exportChilkatJson(account.openId), older);
  });

  test('expiries JavaScript cannot hold are refused before the store is touched', async () => {
    const { client } = newClient();
    const account = await connect(client, mock);
    const file = JSON.parse(await client.exportChilkatJson(account.openId));
    await client.disconnect(account.openId);
    const { store, client: fresh } = newClient();
    for (const [field, value] of [
      ['access_token_expire_in', 2 ** 53 + 2],
      ['refresh_token_expire_in', '9007199254740993'], // 2^53 + 1, written as digits: no JS number holds it
      ['access_token_expire_in', 946684799], // 1999-12-31
      ['refresh_token_expire_in', 253402300800], // year 10000
    ]) {
      const text = JSON.stringify(file).replace(`"${field}":${file.data[field]}`, `"${field}":${value}`);
      assert.notEqual(text, JSON.stringify(file), field);
      const error = await rejection(fresh.importChilkatJson(text));
      assert.equal(error.name, 'InvalidInput', `${field} ${value}: ${error.message}`);
      assert.deepEqual(Object.keys(store.items).filter((key) => key.startsWith('tts:account:')), [], 'nothing stored');
    }
  });

  test('a store without get, set or remove is refused by name', () => {
    const all = { async get() { return {}; }, async set() {}, async remove() {} };
    for (const [store, missing] of [
      [{ set: all.set, remove: all.remove }, 'get'],
      [{ get: all.get, remove: all.remove }, 'set'],
      [{ get: all.get, set: all.set, remove: 'not a function' }, 'remove'],
      [null, 'get'],
    ]) {
      assert.throws(() => new pkg.TikTokShopClient(mockConfig(mock), store), (error) => {
        assert.equal(error.name, 'InvalidInput');
        assert.match(error.message, new RegExp(`the store has no ${missing}\\(\\) method`));
        return true;
      }, missing);
    }
    assert.ok(new pkg.TikTokShopClient(mockConfig(mock), all));
  });

  test('a UTF-8 BOM before the JSON is accepted', async () => {
    const { client } = newClient();
    const account = await connect(client, mock);
    const text = await client.exportChilkatJson(account.openId);
    const other = newClient();
    const { account: imported } = await other.client.importChilkatJson(`\uFEFF${text}`);
    assert.equal(imported.openId, account.openId);
  });

  test('an unreadable record is listed as damaged, first, with its reason; import over it asks; disconnect removes it', async () => {
    const { client, store } = newClient();
    const account = await connect(client, mock);
    const file = await client.exportChilkatJson(account.openId);
    const key = `tts:account:${account.openId}`;
    await store.set({ [key]: { schemaVersion: 2, generation: 3, tokens: 'not a token set' } });
    await sleep(20);

    // The client that saw the write, and a new one that finds it while reading the page.
    const page = await client.accountsPage({ limit: 10 });
    assert.equal(page.total, 1);
    assert.equal(page.counts.damaged, 1);
    const [damaged] = page.accounts;
    assert.equal(damaged.openId, account.openId);
    assert.equal(damaged.status, 'damaged');
    assert.equal(damaged.reason, 'damaged');
    assert.ok(damaged.statusReason, 'it says why');
    const { client: reader } = newClient(store);
    const [found] = (await reader.accountsPage({ limit: 10 })).accounts;
    assert.equal(found.status, 'damaged');
    assert.equal((await reader.overview()).counts.damaged, 1);

    const snapshot = JSON.stringify(store.items[key]);
    const error = await rejection(reader.importChilkatJson(file));
    assert.equal(error.name, 'NewerTokensStored', 'replacing an unreadable record needs a yes');
    assert.equal(JSON.stringify(store.items[key]), snapshot);

    await reader.disconnect(account.openId);
    assert.ok(!(key in store.items));
    assert.equal((await reader.overview()).total, 0);
  });
});
