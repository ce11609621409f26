// End-to-end: a hostile web page on an https origin (https://evil.example, served through
// Playwright's routing) tries to end a seller's pending Connect with a crafted redirect — a
// denial without `state`, carrying its own words — through capture.html: framed, opened with
// window.open, and fetched to detect the extension. The shipped manifest is loaded as is:
// capture.html is web-accessible to TikTok's authorize origins only, through a per-session
// URL (use_dynamic_url). The flow stays pending, the popup shows none of the attacker's text,
// and the seller's real approval still connects.

import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import {
  extensionSuite, identityRedirectUrl, pageOpenedBy, saveScreenshot, waitUntil,
} from './helpers.mjs';

const env = extensionSuite();
before(env.start);
after(env.stop);
beforeEach(env.reset);

const EVIL_ORIGIN = 'https://evil.example';
const EVIL_WORDS = 'EVIL WORDS FROM evil.example';

/** The attacker's page: frames, opens and fetches what it is given, and reports what happened. */
const EVIL_PAGE = `<!doctype html><title>evil</title><p>Free shipping!</p>
<script>
  window.frameIt = (url) => new Promise((resolve) => {
    const frame = Object.assign(document.createElement('iframe'), { src: url });
    frame.onload = () => resolve('load event');
    frame.onerror = () => resolve('error event');
    document.body.append(frame);
    setTimeout(() => resolve('no event'), 3000);
  });
  window.openIt = (url) => { window.open(url, '_blank'); };
  window.fetchIt = (url) => fetch(url).then((r) => 'status ' + r.status, (e) => 'failed: ' + e.name);
</script>`;

async function openEvilPage() {
  await env.context.route(`${EVIL_ORIGIN}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: EVIL_PAGE }));
  const page = await env.context.newPage();
  await page.goto(`${EVIL_ORIGIN}/`);
  return page;
}

test('an https page that frames, opens and fetches capture.html with a crafted denial cannot end a pending Connect', async () => {
  const popup = await env.openPopup();
  const authorizePage = await pageOpenedBy(env.context, `${env.mock.url}/open/authorize`, () => popup.click('#connect'));
  await popup.waitForSelector('#flow[data-state="1"]:not([hidden])');

  // What ended the flow before: the registered redirect URL with a denial and no state.
  const crafted = `${identityRedirectUrl(env.extensionId)}?error=access_denied&code=null&error_description=${encodeURIComponent(EVIL_WORDS)}`;
  const captureUrl = `chrome-extension://${env.extensionId}/capture.html`;
  const evil = await openEvilPage();

  // Detecting the extension by its fixed ID: capture.html is not web-accessible to this origin.
  assert.match(await evil.evaluate((url) => window.fetchIt(url), captureUrl), /^failed/);

  // Framed: the frame never becomes capture.html.
  await evil.evaluate((url) => window.frameIt(url), `${captureUrl}#${crafted}`);
  assert.ok(!evil.frames().some((frame) => frame.url().startsWith(captureUrl)), 'capture.html did not load in the frame');

  // Opened in a new tab: the navigation is blocked.
  const opened = env.context.waitForEvent('page');
  await evil.evaluate((url) => window.openIt(url), `${captureUrl}#${crafted}`);
  const tab = await opened;
  await tab.waitForLoadState().catch(() => {});
  assert.ok(!(await tab.content()).includes('capture-status'), 'capture.html did not load in the new tab');

  // Whatever the attempts did, they did it by now; the flow is untouched.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const { flow } = await env.send({ type: 'flowState' });
  assert.equal(flow.state, 1, `the flow is still waiting: ${JSON.stringify(flow)}`);
  await popup.waitForSelector('#flow[data-state="1"]:not([hidden])');
  assert.ok(!(await popup.textContent('body')).includes('EVIL'), 'no attacker text in the popup');
  await saveScreenshot(popup, 'popup-after-attack');

  // The seller's real approval still connects.
  await authorizePage.click('#authorize');
  await popup.waitForSelector('#flow[data-state="3"]:not([hidden])');
  assert.match(await popup.textContent('#flow'), /Connected: Mock Test Shop/);
});

test('a denial in the sign-in window shows a fixed sentence, never the words of the redirect', async () => {
  const popup = await env.openPopup();
  const authorizePage = await pageOpenedBy(env.context, `${env.mock.url}/open/authorize`, () => popup.click('#connect'));
  // TikTok's own denial, but with words added to the query, as a crafted redirect would carry.
  const { pending } = await env.mock.control('pending');
  const { redirectUrl } = await env.mock.control('deny', { state: pending.at(-1).state, form: 'access_denied' });
  const withWords = `${redirectUrl}&error_description=${encodeURIComponent(EVIL_WORDS)}`;
  await authorizePage.goto(withWords).catch(() => {}); // the window closes as it reaches the redirect URL
  await popup.waitForSelector('#flow[data-state="4"]:not([hidden])');
  const text = await popup.textContent('#flow');
  assert.match(text, /Access denied/);
  assert.match(text, /TikTok answered "access_denied"\. Press Connect to try again\./);
  assert.ok(!text.includes('EVIL') && !text.includes('error_description') && !text.includes('code=null'), text);
  await saveScreenshot(popup, 'popup-denied-fixed-sentence');
  await waitUntil(async () => (await env.send({ type: 'flowState' })).flow.state === 4, { message: 'state 4' });
});
