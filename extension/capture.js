// Tab capture mode: a declarativeNetRequest session rule redirected the app's
// registered redirect URL here, with the original URL as this page's fragment,
// so the code never reaches the team's server. Hand it to the worker.

import { sendToWorker } from './lib/messages.js';

const status = document.getElementById('capture-status');
// Used as is: the rule copied the URL verbatim, and decoding would corrupt its percent-escapes.
const redirectUrl = location.hash.slice(1);

if (!redirectUrl) {
  status.textContent = 'No redirect address was received. Start the connection from the toolbar popup.';
} else {
  // The code is single-use; keep it out of this tab's history and address bar.
  history.replaceState(null, '', location.pathname);
  try {
    const { account } = await sendToWorker('completeWithUrl', { url: redirectUrl });
    status.textContent = `Connected ${account.sellerName || account.openId}. You can close this tab.`;
  } catch (error) {
    status.textContent = `The connection did not complete: ${error.message}`;
    status.classList.add('error');
  }
}
