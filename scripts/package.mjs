#!/usr/bin/env node
// `make package`: the extension as the two files a team installs, in dist/ (git-ignored):
//
//   dist/tiktok-shop-connect-<version>-chrome.zip    Chrome / Chromium (Load unpacked from the
//                                                    unzipped folder, or a store upload)
//   dist/tiktok-shop-connect-<version>-firefox.zip   Firefox (`web-ext build`; `web-ext lint`
//                                                    must report no error, or this fails)
//
// Each holds only what runs: the pages, scripts and styles of extension/, the wasm package's
// .js and .wasm (no .d.ts, no package.json), and a manifest made for that browser from
// extension/manifest.json — never a README, a test, a source map or the development `key`.
// The manifest transforms and the file rule are exported: the Firefox e2e suite installs the
// same Firefox variant, and tests/package/ checks the zips against them.

import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const EXTENSION_DIR = path.join(REPO_ROOT, 'extension');
export const DIST_DIR = path.join(REPO_ROOT, 'dist');
export const PACKAGE_NAME = 'tiktok-shop-connect';
export const BROWSERS = ['chrome', 'firefox'];

/** What a file name must end with to be shipped (besides manifest.json and _locales' messages). */
const SHIPPED_EXTENSIONS = ['.html', '.js', '.mjs', '.css', '.wasm', '.png', '.svg', '.ico', '.webp', '.woff2'];

/**
 * Whether a file of extension/ (path relative to it, with `/`) runs in the browser: pages,
 * scripts, styles, images, the wasm; of pkg/ only the .js and .wasm that wasm-bindgen wrote.
 * Never documentation, tests, source maps, TypeScript declarations or dotfiles.
 */
export function isShipped(relPath) {
  const parts = relPath.split('/');
  const base = parts.at(-1);
  if (parts.some((part) => part.startsWith('.') || part === 'test' || part === 'tests' || part === 'node_modules')) return false;
  if (base.endsWith('.map') || base.endsWith('.d.ts') || base.endsWith('.ts') || base.endsWith('.md')) return false;
  if (relPath === 'manifest.json') return true;
  if (parts[0] === '_locales') return base === 'messages.json';
  if (parts[0] === 'pkg') return base.endsWith('.js') || base.endsWith('.wasm');
  return SHIPPED_EXTENSIONS.some((ext) => base.endsWith(ext));
}

/**
 * Chrome's manifest: without the development `key` and without Firefox's keys
 * (`browser_specific_settings`, `background.scripts`), which Chrome would list as warnings.
 * `publicKey`: a team's own public key (base64 SPKI DER, env `CHROME_PUBLIC_KEY` for
 * `make package`) pins the extension ID, and so the redirect URL, to the team's (README.md).
 */
export function chromeManifest(source, { publicKey = process.env.CHROME_PUBLIC_KEY } = {}) {
  const manifest = structuredClone(source);
  delete manifest.key;
  if (publicKey?.trim()) manifest.key = publicKey.trim();
  delete manifest.browser_specific_settings;
  if (manifest.background?.service_worker) delete manifest.background.scripts;
  return manifest;
}

/**
 * Firefox's manifest: the worker as an event page (`background.scripts`, `type: module`;
 * Firefox has no extension service workers), the gecko ID kept (it gives the redirect URL),
 * and without what Firefox does not support (`key`, `externally_connectable`: web pages reach
 * the extension there only through a content-script bridge).
 */
export function firefoxManifest(source) {
  const manifest = structuredClone(source);
  delete manifest.key;
  delete manifest.externally_connectable;
  const background = manifest.background ?? {};
  const scripts = background.scripts ?? [background.service_worker];
  manifest.background = { scripts, ...(background.type ? { type: background.type } : {}) };
  if (!manifest.browser_specific_settings?.gecko?.id) {
    throw new Error('manifest.json: browser_specific_settings.gecko.id is required for Firefox');
  }
  return manifest;
}

const MANIFEST_FOR = { chrome: chromeManifest, firefox: firefoxManifest };

/** Every file under `dir`, relative, with `/`, sorted. */
async function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...await listFiles(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/**
 * Writes the `browser` variant of the extension into `outDir` (created; must not exist or be
 * empty): the shipped files of `extensionDir` and that browser's manifest. Returns the file list.
 */
export async function stageExtension(browser, outDir, { extensionDir = EXTENSION_DIR } = {}) {
  const toManifest = MANIFEST_FOR[browser];
  if (!toManifest) throw new Error(`unknown browser ${browser} (one of ${BROWSERS.join(', ')})`);
  const pkgFiles = await readdir(path.join(extensionDir, 'pkg')).catch(() => []);
  if (!pkgFiles.some((name) => name.endsWith('.wasm'))) {
    throw new Error(`${path.join(extensionDir, 'pkg')} has no .wasm: run make build first`);
  }
  const files = (await listFiles(extensionDir)).filter(isShipped);
  await mkdir(outDir, { recursive: true });
  for (const rel of files) {
    if (rel === 'manifest.json') continue;
    await cp(path.join(extensionDir, rel), path.join(outDir, rel));
  }
  const manifest = toManifest(JSON.parse(await readFile(path.join(extensionDir, 'manifest.json'), 'utf8')));
  await writeFile(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return files;
}

/** `dist/tiktok-shop-connect-<version>-<browser>.zip` */
export const packagePath = (version, browser) => path.join(DIST_DIR, `${PACKAGE_NAME}-${version}-${browser}.zip`);

function webExt(args) {
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', 'web-ext');
  const result = spawnSync(bin, [...args, '--no-config-discovery'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  return result;
}

/** `web-ext lint` of a staged Firefox folder: `{ errors, warnings }` (arrays of `{ code, message, file }`). */
export function lintFirefox(sourceDir) {
  const result = webExt(['lint', '--source-dir', sourceDir, '--output', 'json', '--self-hosted']);
  const report = JSON.parse(result.stdout);
  const pick = ({ code, message, file }) => ({ code, message, file });
  return { errors: report.errors.map(pick), warnings: report.warnings.map(pick) };
}

async function main() {
  const { version } = JSON.parse(await readFile(path.join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
  const work = await mkdtemp(path.join(tmpdir(), 'tts-package-'));
  await mkdir(DIST_DIR, { recursive: true });
  try {
    for (const browser of BROWSERS) {
      const stage = path.join(work, browser);
      const files = await stageExtension(browser, stage);
      if (browser === 'firefox') {
        const { errors, warnings } = lintFirefox(stage);
        for (const { code, message, file } of [...errors, ...warnings]) {
          console.log(`  web-ext lint: ${errors.some((e) => e.code === code) ? 'error' : 'warning'} ${code} ${file ?? ''}: ${message}`);
        }
        if (errors.length) throw new Error(`web-ext lint: ${errors.length} error(s) in the Firefox package`);
        console.log(`  web-ext lint: 0 errors, ${warnings.length} warning(s)`);
      }
      const out = packagePath(version, browser);
      await rm(out, { force: true });
      const build = webExt(['build', '--source-dir', stage, '--artifacts-dir', DIST_DIR,
        '--filename', path.basename(out), '--overwrite-dest']);
      if (build.status !== 0) throw new Error(`web-ext build (${browser}) failed:\n${build.stdout}${build.stderr}`);
      const { size } = await stat(out);
      console.log(`${path.relative(REPO_ROOT, out)}: ${files.length} files, ${size} bytes`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`package: ${error.message}`);
    process.exit(1);
  });
}
