// A searchable, paged list of sellers for the extension's pages, at any number of sellers:
// one `accounts` message per load ({ query, offset: 0, limit: what is shown }), in the
// core's order (reconnect-needed and damaged first), patched into the list by open ID so
// that a reload after a storage change redraws only the sellers whose summary changed.

import { sendToWorker } from './messages.js';

/**
 * `list`: the <ul>; `pageSize`: how many sellers one page (and each "Show more") adds;
 * `render(account, element | null)`: draws a seller into its element (a new one when null)
 * and returns it; `onLoaded(page, query)`: after each load, with the reply
 * `{ accounts, total, matching, counts }`.
 */
export function sellerList({ list, pageSize, render, onLoaded }) {
  let query = '';
  let limit = pageSize;
  let loads = 0;
  /** The summary each element was last drawn from (JSON), to skip unchanged sellers. */
  const drawn = new WeakMap();

  function patch(accounts) {
    const old = new Map();
    for (const element of list.children) old.set(element.dataset.openId, element);
    let cursor = list.firstElementChild;
    for (const account of accounts) {
      const json = JSON.stringify(account);
      let element = old.get(account.openId);
      old.delete(account.openId);
      if (!element) element = render(account, null);
      else if (drawn.get(element) !== json) render(account, element);
      drawn.set(element, json);
      if (element === cursor) cursor = cursor.nextElementSibling;
      else list.insertBefore(element, cursor);
    }
    for (const element of old.values()) element.remove();
  }

  /** Loads what is shown (the first `limit` sellers matching the query); resolves with the page, or null if a newer load superseded it. */
  async function load() {
    const mine = ++loads;
    const page = await sendToWorker('accounts', { query, offset: 0, limit });
    if (mine !== loads) return null;
    patch(page.accounts);
    onLoaded(page, query);
    return page;
  }

  return {
    load,
    get query() { return query; },
    get shown() { return list.children.length; },
    /** A new search: back to the first page. */
    search(text) {
      query = text.trim();
      limit = pageSize;
      return load();
    },
    /** One more page below what is shown. */
    showMore() {
      limit = list.children.length + pageSize;
      return load();
    },
    /** The element of a shown seller, if any. */
    element: (openId) => [...list.children].find((element) => element.dataset.openId === openId) ?? null,
  };
}

/** Calls `fn` once, `ms` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * Calls `fn` once for a burst of calls, `ms` after the first one: a long burst (storage changes
 * during a refresh storm) still shows progress every `ms`.
 */
export function coalesce(fn, ms) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}

/** 1234 → "1,234". */
export const formatCount = (n) => Number(n).toLocaleString('en-US');

/** "1 seller" / "3 sellers". */
export const sellers = (n) => `${formatCount(n)} seller${n === 1 ? '' : 's'}`;
