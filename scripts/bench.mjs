// `make bench`: the figures of issue 8's "Benchmarks", side by side in one process and one run,
// printed as one table and written with an SVG chart to bench-output/ (git-ignored):
//
//   A. Node (scripts/bench-node.mjs), against the mock TikTok server in its own process with
//      rotating single-use refresh tokens, refresh 50 ms, API 5 ms: this client's apiFetch,
//      @badgateway/oauth2-client's OAuth2Fetch, axios-auth-refresh + axios and a naive
//      refresh-on-401 wrapper, on 100 calls at once / 1 ms apart / with the refresh failing once
//      on an expired token; the per-call cost with a valid token against a raw fetch.
//   B. Headless Chromium with the real extension (scripts/bench-browser.mjs), same mock: worker
//      cold start, apiRequest vs a direct fetch, the popup, 100 due refreshes among 1,000.
//   C. Each target of the issue beside its figure, ✓ / ✗.
//
// Figures only: nothing is asserted and the exit status does not depend on a target. All
// traffic goes to 127.0.0.1. Options: `--only node` / `--only browser` (one part).

import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';

import { REPO_ROOT, spawnMockServer } from '../tools/mock-tiktok/spawn.mjs';
import { BURST, LATENCY, SCENARIOS, VARIANTS, runNodeBench } from './bench-node.mjs';
import { DUE, SELLERS, STORM_TIMEOUT_MS, runBrowserBench } from './bench-browser.mjs';

const OUT_DIR = path.join(REPO_ROOT, 'bench-output');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const log = (line) => console.error(line);

// @badgateway/oauth2-client warns on the console when a refresh fails (the HTTP 500 case):
// keep the progress output readable.
const warn = console.warn;
console.warn = (...args) => {
  if (typeof args[0] === 'string' && args[0].startsWith('[oauth2]')) return;
  warn(...args);
};

const started = Date.now();
const loadAtStart = loadavg()[0];
const mock = await spawnMockServer();
let node = null;
let browser = null;
try {
  if (only !== 'browser') {
    log('A. Node, against the mock (bursts of 100, then per call)');
    node = await runNodeBench(mock, log);
  }
  if (only !== 'node') {
    log('B. Chromium with the extension, against the mock');
    try {
      browser = await runBrowserBench(mock, log);
    } catch (error) {
      log(`  part B failed: ${error.stack}`);
      browser = { error: error.message.split('\n')[0] };
    }
  }
} finally {
  await mock.close();
}

// ---------------------------------------------------------------------------
// The table

const ms = (x, digits = 0) => (x == null ? 'n/a' : `${x.toFixed(digits)} ms`);
const times = (x) => `${x.toFixed(2)}×`;
const mark = (ok) => (ok == null ? '' : ok ? '✓' : '✗');
const label = Object.fromEntries(VARIANTS.map((v) => [v.id, v.label]));
const rows = [];
/** `ratio`: figure ÷ limit (≤ 1 meets the target), for the chart; `ok`: true / false / null (no target or n/a). */
const row = (id, measure, figure, target = '', ok = null, ratio = null) => rows.push({ id, measure, figure, target, ok, ratio });
const na = (id, measure, why, target = '') => row(id, measure, `n/a (${why})`, target, null);

function refreshes(r) {
  const n = r.refreshes === r.refreshesMin ? `${r.refreshes}` : `${r.refreshesMin}–${r.refreshes}`;
  const word = r.refreshes === 1 ? 'refresh' : 'refreshes';
  const requests = `${r.refreshAttempts} request${r.refreshAttempts === 1 ? '' : 's'}`;
  return r.refreshAttempts !== r.refreshes ? `${n} ${word} (${requests})` : `${n} ${word}`;
}
const kept = (r) => (r.kept === r.keptMax ? `${r.kept}/${BURST}` : `${r.kept}–${r.keptMax}/${BURST}`);

if (node) {
  SCENARIOS.forEach((scenario, i) => {
    const id = `A${i + 1}`;
    const results = node.bursts[scenario.id];
    for (const v of VARIANTS) {
      const r = results[v.id];
      const mine = v.id === 'client';
      const exact = r.refreshes === 1 && r.refreshesMin === 1 && r.kept === BURST;
      row(id, `${scenario.label} · ${label[v.id]}`, `${refreshes(r)} · ${kept(r)} kept · ${ms(r.wallMs)}`,
        mine ? `exactly 1 refresh, ${BURST}/${BURST}` : '', mine ? exact : null);
      if (mine && scenario.id === 'at-once') {
        const peers = VARIANTS.filter((p) => p.id !== 'client' && results[p.id].kept === BURST);
        if (!peers.length) {
          row(id, '  wall vs the fastest peer keeping all calls', 'n/a (no peer kept all calls)', '≤ fastest peer');
        } else {
          const fastest = peers.reduce((a, b) => (results[a.id].wallMs <= results[b.id].wallMs ? a : b));
          const ratio = r.wallMs / results[fastest.id].wallMs;
          row(id, '  wall vs the fastest peer keeping all calls',
            `${ms(r.wallMs)} vs ${ms(results[fastest.id].wallMs)} (${fastest.label}) = ${times(ratio)}`, '≤ 1.00×', ratio <= 1, ratio);
        }
      }
    }
  });
  for (const p of node.perCall) {
    row('A4', `per call, valid token, API ${p.apiMs} ms: apiFetch vs raw fetch`,
      `${p.clientUs.toFixed(0)} µs vs ${p.rawUs.toFixed(0)} µs = ${times(p.ratio)}`, '≤ 1.10×', p.ratio <= 1.1, p.ratio / 1.1);
  }
}

if (browser?.error) {
  na('B', 'headless Chromium with the extension', `failed: ${browser.error}`);
} else if (browser) {
  const coldRow = (set, n, limit) => {
    for (const type of ['flowState', 'overview']) {
      const measure = `cold start → ${type} reply, ${n} account${n > 1 ? 's' : ''}`;
      if (set.cold?.error) na('B1', measure, `failed: ${set.cold.error}`, `≤ ${limit} ms`);
      else if (!set.cold?.[type]) na('B1', measure, `needs the ${type} message`, `≤ ${limit} ms`);
      else row('B1', measure, ms(set.cold[type].ms, 1), `≤ ${limit} ms`, set.cold[type].ms <= limit, set.cold[type].ms / limit);
    }
  };
  const apiRow = (set, n) => {
    const measure = `apiRequest vs direct fetch, ${n} account${n > 1 ? 's' : ''}`;
    if (set.api?.error) return na('B2', measure, `failed: ${set.api.error}`, '≤ 1.50×');
    const ratio = set.api.apiMs / set.api.directMs;
    return row('B2', measure, `${ms(set.api.apiMs, 1)} vs ${ms(set.api.directMs, 1)} = ${times(ratio)}`, '≤ 1.50×', ratio <= 1.5, ratio / 1.5);
  };
  const popupRow = (set, n, limit) => {
    const measure = `popup, ${n} account${n > 1 ? 's' : ''}: first seller card painted`;
    if (set.popup?.error) return na('B3', measure, `failed: ${set.popup.error}`, limit ? `≤ ${limit} ms` : '');
    const own = set.popup.ownMarkMs == null ? '' : `; its own mark ${ms(set.popup.ownMarkMs)}`;
    const figure = `${ms(set.popup.ms)} (${set.popup.cardsInDom} card${set.popup.cardsInDom === 1 ? '' : 's'} in the DOM${own})`;
    return limit
      ? row('B3', measure, figure, `≤ ${limit} ms`, set.popup.ms <= limit, set.popup.ms / limit)
      : row('B3', measure, figure, '(reference)');
  };
  coldRow(browser.one, 1, 50);
  coldRow(browser.many, SELLERS, 60);
  apiRow(browser.one, 1);
  apiRow(browser.many, SELLERS);
  popupRow(browser.one, 1, null);
  popupRow(browser.many, SELLERS, 150);
  const s = browser.storm;
  const stormMeasure = `${DUE} due among ${SELLERS}: worker CPU per refresh`;
  const userMeasure = '  user apiRequest meanwhile vs without';
  if (s.error) {
    na('B4', stormMeasure, `failed: ${s.error}`, '≤ 15 ms');
    na('B4', userMeasure, `failed: ${s.error}`, '≤ 2.00×');
  } else {
    const done = `${s.refreshed}/${s.due} refreshed${s.reconnect ? `, ${s.reconnect} reconnect-required` : ''}`;
    if (s.perRefreshMs == null) {
      na('B4', stormMeasure, `${done} after ${STORM_TIMEOUT_MS / 1000} s: timed out`, '≤ 15 ms');
    } else {
      const where = s.firstRefreshAfterMs == null ? ''
        : `, first +${ms(s.firstRefreshAfterMs)}, last +${ms(s.lastRefreshAfterMs)}, ≤ ${s.peakInFlight} at once`;
      const perRefresh = s.cpuPerRefreshMs ?? s.perRefreshMs;
      const how = s.cpuPerRefreshMs == null ? 'wall / refreshes' : `worker busy ${ms(s.workerCpuMs)} (profiler)`;
      row('B4', stormMeasure, `${ms(perRefresh, 1)} (${how}; ${done} in ${ms(s.wallMs)} wall, ${ms(s.perRefreshMs, 1)} each; ${s.refreshRequests} token/refresh${where})`,
        '≤ 15 ms', perRefresh <= 15 && s.refreshed === s.due, perRefresh / 15);
    }
    const ratio = s.userDuringMs / s.userBaselineMs;
    row('B4', userMeasure, `${ms(s.userDuringMs, 1)} vs ${ms(s.userBaselineMs, 1)} = ${times(ratio)} (${s.userCalls} calls, max ${ms(s.userDuringMax)}${s.userFailed ? `, ${s.userFailed} failed` : ''})`,
      '≤ 2.00×', ratio <= 2 && !s.userFailed, ratio / 2);
  }
}

function commitLine() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'extension', 'Cargo.toml', 'Cargo.lock'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return `commit ${head}${dirty ? ' + uncommitted changes in src/ or extension/' : ''}`;
  } catch {
    return 'commit unknown';
  }
}

const extensionNote = process.env.BENCH_EXTENSION_DIR ? ` (extension from ${process.env.BENCH_EXTENSION_DIR})` : '';
const header = [
  `make bench — ${new Date(started).toISOString().replace(/\.\d+Z$/, 'Z')} · ${commitLine()}${extensionNote} · Node ${process.version}`
    + `${browser?.chromium ? ` · Chromium ${browser.chromium}` : ''}`,
  `Mock TikTok (own process, 127.0.0.1): rotating single-use refresh tokens, latency refresh ${LATENCY.refreshMs} ms, API ${LATENCY.apiMs} ms.`,
  `A1–A3: ${BURST} calls; wall = median of 5 interleaved runs per variant (after a warm-up run); refreshes = successful`,
  '       token/refresh (most in a run; requests incl. failed), kept = calls answered code 0 (fewest in a run).',
  'A4: sequential calls with a valid token; raw = fetch of the URL + headers the client sent (sign precomputed); medians.',
];
if (browser) {
  header.push(
    'B:  the extension in headless Chromium (+ host access to 127.0.0.1, as it has for TikTok\'s hosts); medians. Cold start =',
    '    worker stopped → message → reply. apiRequest vs a fetch of the same signed URL from the same extension page.',
    `    Popup = navigation start → first visible card painted. ${SELLERS} accounts = the connected one + ${SELLERS - 1} copies`,
    `    (chrome.storage.local.set); ${DUE} of them then due, refreshed by a worker start-up; user calls 20 ms apart meanwhile.`,
  );
}
const columns = [
  ['#', (r) => r.id],
  ['measure', (r) => r.measure],
  ['figure', (r) => r.figure],
  ['target', (r) => r.target],
  ['', (r) => mark(r.ok)],
];
const widths = columns.map(([title, get]) => Math.max(title.length, ...rows.map((r) => get(r).length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join(' │ ').trimEnd();
const table = [
  ...header,
  '',
  line(columns.map(([title]) => title)),
  widths.map((w) => '─'.repeat(w)).join('─┼─'),
  ...rows.map((r) => line(columns.map(([, get]) => get(r)))),
];
const met = rows.filter((r) => r.ok === true).length;
const missed = rows.filter((r) => r.ok === false).length;
const notAvailable = rows.filter((r) => r.target && r.ok === null && r.figure.startsWith('n/a')).length;
table.push('', `Targets: ${met} met, ${missed} missed, ${notAvailable} n/a. Run: ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${loadAtStart.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} cores (other work on the machine skews the figures).`);
for (const note of browser?.notes ?? []) table.push(`Note: ${note}`);
const text = `${table.join('\n')}\n`;
process.stdout.write(`\n${text}`);

// ---------------------------------------------------------------------------
// bench-output/: the table, the raw figures, and a chart

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function chart() {
  const W = 1000;
  const parts = [];
  // `y` is the baseline of the line being written; a bar sits on it (11 px up, 13 px tall).
  let y = 28;
  const text = (x, cls, content) => parts.push(`<text x="${x}" y="${y}" class="${cls}">${esc(content)}</text>`);
  const bar = (x, w, fill, opacity = 0.9) => parts.push(`<rect x="${x}" y="${y - 11}" width="${w.toFixed(1)}" height="13" fill="${fill}" opacity="${opacity}"/>`);
  text(16, 'h', `TikTok Shop Connect — make bench, ${new Date(started).toISOString().slice(0, 16)}Z`);
  y += 18;
  text(16, 's', header[1]);
  const colors = { client: '#2563eb', badgateway: '#9333ea', axios: '#ea580c', naive: '#6b7280' };
  if (node) {
    y += 32;
    text(16, 'h2', `A. ${BURST}-call bursts on an expired token: median wall (bar), calls kept, refreshes`);
    const maxWall = Math.max(...SCENARIOS.flatMap((sc) => VARIANTS.map((v) => node.bursts[sc.id][v.id].wallMs)));
    const x0 = 200;
    const scale = (W - x0 - 330) / maxWall;
    for (const sc of SCENARIOS) {
      y += 26;
      text(16, 'b', sc.label);
      for (const v of VARIANTS) {
        const r = node.bursts[sc.id][v.id];
        y += 19;
        const w = Math.max(1, r.wallMs * scale);
        const lost = r.kept < BURST;
        text(28, 't', v.label);
        bar(x0, w, colors[v.id], lost ? 0.4 : 0.9);
        text((x0 + w + 6).toFixed(1), `t${lost ? ' bad' : ''}`, `${ms(r.wallMs)} · ${kept(r)} kept · ${refreshes(r)}`);
      }
    }
  }
  const targetRows = rows.filter((r) => r.target && r.target !== '(reference)');
  if (targetRows.length) {
    y += 38;
    text(16, 'h2', 'Targets: figure ÷ limit (dashed line = the limit; a bar left of it meets the target)');
    y += 8;
    const x0 = 420;
    const maxRatio = 4;
    const span = W - x0 - 310;
    const limitX = x0 + span / maxRatio;
    const top = y;
    for (const r of targetRows) {
      y += 20;
      const name = `${r.id} ${r.measure.trim()}`;
      text(16, 't', name.length > 66 ? `${name.slice(0, 65)}…` : name);
      if (r.ratio != null) {
        const w = Math.max(1, (Math.min(r.ratio, maxRatio) / maxRatio) * span);
        bar(x0, w, r.ok ? '#16a34a' : '#dc2626', 0.85);
        const figure = r.figure.replace(/ \(.*$/, '');
        text((x0 + Math.max(w, span / maxRatio) + 8).toFixed(1), 't', `${mark(r.ok)} ${figure}${r.ratio > maxRatio ? ' (bar cut)' : ''}`);
      } else {
        text(limitX + 8, `t${r.ok === false ? ' bad' : r.ok == null ? ' na' : ''}`, `${mark(r.ok)} ${r.figure}`);
      }
    }
    parts.push(`<line x1="${limitX}" y1="${top}" x2="${limitX}" y2="${y + 5}" stroke="#111" stroke-dasharray="3 3"/>`);
    parts.push(`<text x="${limitX - 6}" y="${top - 2}" class="s">1×</text>`);
  }
  y += 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="system-ui, sans-serif">
<style>.h{font-size:16px;font-weight:600}.h2{font-size:14px;font-weight:600}.b{font-size:12px;font-weight:600}.t{font-size:11px}.s{font-size:11px;fill:#555}.bad{fill:#b91c1c}.na{fill:#777}</style>
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
</svg>
`;
}

await mkdir(OUT_DIR, { recursive: true });
await writeFile(path.join(OUT_DIR, 'bench.txt'), text);
await writeFile(path.join(OUT_DIR, 'bench.json'), `${JSON.stringify({ started: new Date(started).toISOString(), node, browser, rows }, null, 2)}\n`);
await writeFile(path.join(OUT_DIR, 'bench.svg'), chart());
log(`\nwritten: bench-output/bench.txt, bench.svg, bench.json`);
process.exit(0); // @badgateway's OAuth2Fetch keeps refresh timers; the figures are out
