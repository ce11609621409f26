// Options page: the team's own https pages (sw-bridge.js). Allow asks Chrome for host access to
// the one origin typed — inside the click, so the core's normal form of it (normalizePageOrigin,
// the wasm loaded here for that alone) is computed without waiting — then hands it to the
// worker, which registers the bridge. Remove unregisters it and drops the permission.

import init, { normalizePageOrigin } from './pkg/tiktok_shop_connect.js';
import { sendToWorker } from './lib/messages.js';

const $ = (id) => document.getElementById(id);
let wasmLoaded = false;
const wasm = init({ module_or_path: chrome.runtime.getURL('pkg/tiktok_shop_connect_bg.wasm') })
  .then(() => { wasmLoaded = true; });

/** How each consent reads next to its origin. */
const CONSENT_WORDS = {
  undecided: 'not used yet: the popup asks you on its first request',
  pending: 'waiting for your answer in the toolbar popup',
  allowed: 'allowed',
  denied: 'denied in the popup (remove and allow it again to be asked again)',
};

function showStatus(text, isError = false) {
  $('page-origin-status').textContent = text;
  $('page-origin-status').classList.toggle('error', isError);
}

/** Draws the worker's `pageOrigins` list. */
function render({ origins }) {
  $('page-origins').replaceChildren(...origins.map((entry) => {
    const row = document.createElement('li');
    row.dataset.testid = 'page-origin-row';
    row.dataset.origin = entry.origin;
    row.dataset.consent = entry.consent;
    const code = Object.assign(document.createElement('code'), { textContent: entry.origin });
    const consent = Object.assign(document.createElement('span'), {
      className: `consent consent-${entry.consent}`, textContent: CONSENT_WORDS[entry.consent] ?? entry.consent,
    });
    consent.dataset.testid = 'page-origin-consent';
    const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'danger', textContent: 'Remove' });
    remove.dataset.testid = 'page-origin-remove';
    const parts = [code, consent];
    if (!entry.hostAccess || !entry.registered) {
      parts.push(Object.assign(document.createElement('span'), {
        className: 'error', textContent: 'no access to this site: allow it again',
      }));
    }
    row.append(...parts, remove);
    return row;
  }));
}

const load = () => sendToWorker('pageOrigins').then(render).catch((error) => showStatus(error.message, true));

function onAllow(event) {
  event.preventDefault();
  if (!wasmLoaded) {
    showStatus('Still loading: try again in a moment.', true);
    return;
  }
  let origin;
  try {
    origin = normalizePageOrigin($('page-origin').value);
  } catch (error) {
    showStatus(error.message, true);
    return;
  }
  // Inside the click: Chrome asks for access to this origin alone.
  chrome.permissions.request({ origins: [`${origin}/*`] }).then(async (granted) => {
    if (!granted) {
      showStatus(`Access to ${origin} was not granted: nothing changed.`, true);
      return;
    }
    render(await sendToWorker('allowPageOrigin', { origin }));
    $('page-origin').value = '';
    showStatus(`Allowed ${origin}. Its pages can ask to use the extension now; the toolbar popup will ask you first.`);
  }).catch((error) => showStatus(error.message, true));
}

async function onRemove(event) {
  const button = event.target.closest('button[data-testid="page-origin-remove"]');
  if (!button) return;
  const { origin } = button.closest('[data-origin]').dataset;
  button.disabled = true;
  try {
    const reply = await sendToWorker('removePageOrigin', { origin });
    render(reply);
    showStatus(reply.permissionRemoved
      ? `Removed ${origin}; the extension no longer has access to it.`
      : `Removed ${origin}; its bridge is gone (the extension keeps access to that site for another setting).`);
  } catch (error) {
    button.disabled = false;
    showStatus(error.message, true);
  }
}

$('page-origin-form').addEventListener('submit', onAllow);
$('page-origins').addEventListener('click', onRemove);
chrome.storage.onChanged.addListener((changes, areaName) => {
  if (areaName === 'local' && Object.hasOwn(changes, 'pageOrigins')) load();
});
wasm.catch((error) => showStatus(`The extension's core did not load: ${error.message}`, true));
load();
