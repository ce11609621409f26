// The JavaScript half of the bindings: the few calls that are shorter, or only possible, in JS.
//
// One module, not an `inline_js` snippet per Rust file. Every snippet is a module of its own,
// and a page or worker that loads the package fetches them all at once. With five snippets,
// `make test-wasm`'s service-worker suite hung in about half of its runs, before any test ran.
// Chromium opened a new connection per module. The test runner's server (tiny_http 0.12, inside
// wasm-bindgen-test-runner) holds a thread per keep-alive connection. Its task pool can queue a
// connection with no thread to serve it when connections arrive together. The worker's module
// graph then never finished loading: the unread requests sat in the socket (ss: Recv-Q 523).
// With this one file, 20 of 20 runs passed. A real extension is not affected: it loads the package
// from chrome-extension://, not over HTTP. Fewer modules also load faster.
//
// Each section names the Rust file that declares its functions; keep them in step.

// --- src/wasm/platform.rs
export function ttsLock(locks, name) {
  // [promise, cancel]: the promise resolves with the lock's release function once the browser
  // grants the lock, which is held until that function is called (the callback's promise
  // settles then). cancel() (the waiter gave up) releases it, now or as soon as it is granted.
  let cancelled = false;
  let release;
  const promise = new Promise((granted, failed) => {
    locks.request(name, () => cancelled ? undefined : new Promise((r) => { release = r; granted(r); }))
      .catch(failed);
  });
  return [promise, () => { cancelled = true; if (release) release(); }];
}
export function ttsSleep(ms) {
  // setTimeout of the global scope; where there is none, at once.
  return new Promise((resolve) => {
    const setTimeout = globalThis.setTimeout;
    if (typeof setTimeout === 'function') setTimeout(resolve, ms); else resolve();
  });
}
export function ttsFillRandom(bytes) {
  // crypto.getRandomValues of the global scope over `bytes`, the module's own memory: filled
  // in place, nothing copied. 1: there is no crypto; 2: it has no getRandomValues().
  const crypto = globalThis.crypto;
  if (crypto == null) return 1;
  if (typeof crypto.getRandomValues !== 'function') return 2;
  crypto.getRandomValues(bytes);
  return 0;
}
export function ttsLocks() {
  // navigator.locks of the global scope, when there is one.
  return globalThis.navigator?.locks;
}
export function ttsInNode() {
  const p = globalThis.process;
  return p != null && p.versions != null && typeof p.versions.node === 'string';
}

// --- src/wasm/store.rs
export function ttsMissingMethod(store) {
  // The name of the first of get, set, remove that the store lacks, else undefined.
  for (const name of ['get', 'set', 'remove']) {
    if (store == null || typeof store[name] !== 'function') return name;
  }
  return undefined;
}
export function ttsTextOf(items, key) {
  // items[key] when it is a string.
  const value = items?.[key];
  return typeof value === 'string' ? value : undefined;
}
export function ttsChanges(changes, prefix) {
  // [key, newValue, oldValue.generation, …] of the changed keys that start with `prefix`.
  const out = [];
  for (const key of Object.keys(changes)) {
    if (!key.startsWith(prefix)) continue;
    const change = changes[key];
    const old = change.oldValue;
    out.push(key, change.newValue, typeof old === 'object' && old !== null ? old.generation : undefined);
  }
  return out;
}

// --- src/wasm/transport.rs
export function ttsFetch(url, method, headerLines, body, timeoutMs) {
  const headers = {};
  const lines = headerLines ? headerLines.split('\n') : [];
  for (let i = 0; i + 1 < lines.length; i += 2) headers[lines[i]] = lines[i + 1];
  // The time limit aborts the request and the reading of its body alike.
  const signal = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  // no-store: token and API answers must never be cached, and identical URLs (the same call
  // twice in one second has the same timestamp and sign) would otherwise queue behind each
  // other on Chrome's HTTP cache lock, one at a time.
  return fetch(url, { method, headers, body: body ?? undefined, cache: 'no-store', signal })
    .then((response) => response.arrayBuffer().then((buffer) => [
      response.status, response.headers.get('date'), new Uint8Array(buffer),
    ]))
    .catch((error) => {
      // [status, date, body, timedOut]: a timeout answers, any other failure throws.
      if (signal?.aborted) return [0, null, null, true];
      throw error;
    });
}

// --- src/wasm/client.rs
export function ttsApiResponse(status, body) {
  // apiFetch's answer: { status, body }, the body's JSON parsed by the engine.
  return { status, body: JSON.parse(body) };
}

// --- src/wasm/exports.rs
export function ttsBodyBytes(body) {
  // A request body as bytes: a string as UTF-8, a Uint8Array as it is, null or undefined as
  // none; anything else undefined.
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body == null) return new Uint8Array(0);
  return undefined;
}
