// Popup: the consent prompt. A team page (an https origin allowed in the options page) that
// asked to use the extension waits here for the person's Allow or Deny (sw-bridge.js keeps the
// answer); the badge shows "?" meanwhile.

import { sendToWorker } from './lib/messages.js';

const section = document.getElementById('consent');

/** Draws one prompt per origin waiting for an answer. */
function render({ origins }) {
  const waiting = origins.filter((entry) => entry.consent === 'pending');
  const template = document.getElementById('consent-template');
  section.replaceChildren(...waiting.map((entry) => {
    const prompt = template.content.firstElementChild.cloneNode(true);
    prompt.dataset.origin = entry.origin;
    prompt.querySelector('[data-testid="consent-origin"]').textContent = entry.origin;
    return prompt;
  }));
  section.hidden = waiting.length === 0;
}

function load() {
  return sendToWorker('pageOrigins').then(render).catch(() => {
    section.hidden = true;
  });
}

section.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-decision]');
  if (!button) return;
  const prompt = button.closest('[data-origin]');
  for (const each of prompt.querySelectorAll('button')) each.disabled = true;
  try {
    render(await sendToWorker('decideConsent', { origin: prompt.dataset.origin, allow: button.dataset.decision === 'allow' }));
  } catch {
    await load();
  }
});
chrome.storage.onChanged.addListener((changes, areaName) => {
  if (areaName === 'local' && Object.hasOwn(changes, 'pageOrigins')) load();
});
load();
