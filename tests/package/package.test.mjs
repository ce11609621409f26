// `make package` output (scripts/package.mjs): the Chrome and Firefox zips in dist/. Each holds
// exactly the files that run (no README, test, source map, .d.ts), everything those files load,
// and its browser's manifest: never the development `key`; Firefox's with its gecko ID and an
// event page; Chrome's with its service worker. The Firefox zip, unpacked, lints without errors.
// Run after `make package` (`make test-package` does both).

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { inflateRawSync } from 'node:zlib';

import {
  EXTENSION_DIR, isShipped, lintFirefox, packagePath,
} from '../../scripts/package.mjs';

/** The entries of a zip file (central directory): `Map<name, Buffer>`, directories left out. */
function readZip(buffer) {
  const eocd = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'a zip file');
  const count = buffer.readUInt16LE(eocd + 10);
  let at = buffer.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let i = 0; i < count; i += 1) {
    assert.equal(buffer.readUInt32LE(at), 0x02014b50, 'central directory entry');
    const method = buffer.readUInt16LE(at + 10);
    const compressedSize = buffer.readUInt32LE(at + 20);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const localHeader = buffer.readUInt32LE(at + 42);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    const dataStart = localHeader + 30 + buffer.readUInt16LE(localHeader + 26) + buffer.readUInt16LE(localHeader + 28);
    const data = buffer.subarray(dataStart, dataStart + compressedSize);
    assert.ok(method === 0 || method === 8, `${name}: stored or deflated`);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
  }
  return entries;
}

async function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...await listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

const sourceManifest = JSON.parse(await readFile(path.join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
const expectedFiles = (await listFiles(EXTENSION_DIR)).filter(isShipped).sort();
const zips = {};
for (const browser of ['chrome', 'firefox']) {
  const file = packagePath(sourceManifest.version, browser);
  const buffer = await readFile(file).catch(() => assert.fail(`${file} is missing: run make package`));
  zips[browser] = readZip(buffer);
}
const manifestOf = (browser) => JSON.parse(zips[browser].get('manifest.json').toString('utf8'));

/** Relative paths a shipped file loads: ES imports of .js files, script/link/img of .html files. */
function referencesOf(name, text) {
  const refs = [];
  const patterns = name.endsWith('.html')
    ? [/<script[^>]*\ssrc="([^"]+)"/g, /<link[^>]*\shref="([^"]+)"/g, /<img[^>]*\ssrc="([^"]+)"/g]
    : [/\bimport\s[^'"]*?from\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) {
    for (const [, ref] of text.matchAll(pattern)) {
      if (/^[a-z]+:/i.test(ref) || ref.startsWith('/')) continue;
      refs.push(path.posix.normalize(path.posix.join(path.posix.dirname(name), ref.split(/[?#]/)[0])));
    }
  }
  return refs;
}

for (const browser of ['chrome', 'firefox']) {
  test(`${browser} zip: exactly the files that run, and everything they load`, () => {
    const names = [...zips[browser].keys()].sort();
    assert.deepEqual(names, expectedFiles);
    for (const name of names) {
      assert.doesNotMatch(name, /(^|\/)(README|LICENSE)|\.md$|\.map$|\.d\.ts$|(^|\/)tests?\/|(^|\/)\./, name);
      if (name.startsWith('pkg/')) assert.match(name, /\.(js|wasm)$/, `${name}: of the wasm package only its .js and .wasm`);
    }
    for (const needed of ['manifest.json', 'background.js', 'popup.html', 'options.html', 'pkg/tiktok_shop_connect.js', 'pkg/tiktok_shop_connect_bg.wasm']) {
      assert.ok(names.includes(needed), `${needed} is shipped`);
    }
    for (const name of names.filter((n) => /\.(html|js)$/.test(n))) {
      for (const ref of referencesOf(name, zips[browser].get(name).toString('utf8'))) {
        assert.ok(names.includes(ref), `${name} loads ${ref}, which is in the zip`);
      }
    }
    const manifest = manifestOf(browser);
    const background = manifest.background.service_worker ?? manifest.background.scripts[0];
    for (const page of [background, manifest.action.default_popup, manifest.options_ui.page,
      ...manifest.web_accessible_resources.flatMap((entry) => entry.resources)]) {
      assert.ok(names.includes(page), `the manifest's ${page} is in the zip`);
    }
  });
}

test('chrome zip: the manifest has no development key and no Firefox keys; the worker is a service worker', () => {
  const manifest = manifestOf('chrome');
  assert.ok(sourceManifest.key, 'the source manifest has the development key');
  // A team's own public key when it packaged with CHROME_PUBLIC_KEY (README), else none.
  assert.equal(manifest.key, process.env.CHROME_PUBLIC_KEY?.trim() || undefined, 'never the development key');
  assert.notEqual(manifest.key, sourceManifest.key);
  assert.equal(manifest.browser_specific_settings, undefined);
  assert.deepEqual(manifest.background, { service_worker: 'background.js', type: 'module' });
  const { key: _key, browser_specific_settings: _gecko, background: _b, ...rest } = sourceManifest;
  const { background: _cb, key: _teamKey, ...chromeRest } = manifest;
  assert.deepEqual(chromeRest, rest, 'everything else as in extension/manifest.json');
});

test('firefox zip: the manifest has the gecko ID, an event page (background.scripts, module), no key', () => {
  const manifest = manifestOf('firefox');
  assert.equal(manifest.key, undefined);
  assert.equal(manifest.browser_specific_settings.gecko.id, sourceManifest.browser_specific_settings.gecko.id);
  assert.match(manifest.browser_specific_settings.gecko.id, /^[^@\s]+@[^@\s]+$/);
  assert.deepEqual(manifest.background, { scripts: ['background.js'], type: 'module' });
  assert.equal(manifest.externally_connectable, undefined, 'Firefox has no externally_connectable');
  assert.deepEqual(manifest.permissions, sourceManifest.permissions);
  assert.equal(manifest.version, sourceManifest.version);
});

test('firefox zip, unpacked: web-ext lint reports no error', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tts-package-lint-'));
  try {
    for (const [name, data] of zips.firefox) {
      await mkdir(path.join(dir, path.dirname(name)), { recursive: true });
      await writeFile(path.join(dir, name), data);
    }
    const { errors, warnings } = lintFirefox(dir);
    assert.deepEqual(errors, []);
    console.log(`web-ext lint: 0 errors, ${warnings.length} warning(s): ${warnings.map((w) => w.code).join(', ') || 'none'}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
