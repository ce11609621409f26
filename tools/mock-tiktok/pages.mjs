// HTML pages served by the mock: the seller-facing authorize page, error pages, the
// default redirect target (/__mock/callback) and the "html" fault's gateway page.
// Every interpolated value goes through escapeHtml.

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text) {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function layout(title, bodyHtml) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; color: #161823; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
  dt { color: #666; }
  .actions { display: flex; gap: 1rem; margin-top: 2rem; }
  .button { padding: .6rem 1.4rem; border-radius: 4px; text-decoration: none; border: 1px solid #ccc; color: inherit; }
  #authorize { background: #fe2c55; border-color: #fe2c55; color: #fff; }
  pre { background: #f4f4f4; padding: 1rem; overflow-x: auto; }
</style>
</head>
<body>
${bodyHtml}
</body>
</html>
`;
}

/**
 * The authorize page. Authorize and Deny are plain links (GET), so a click in a
 * window opened by chrome.identity.launchWebAuthFlow is answered by a 302 that the
 * browser hands back to the extension.
 */
export function authorizePage({ config, pending, approveHref, denyHref }) {
  const seller = config.seller;
  const scopes = seller.grantedScopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('');
  return layout(
    'Authorize app — TikTok Shop (mock)',
    `<h1>Authorize app</h1>
<p>The app <strong id="app-key">${escapeHtml(config.appKey)}</strong> wants access to your shop.</p>
<dl>
  <dt>Service ID</dt><dd id="service-id">${escapeHtml(config.serviceId)}</dd>
  <dt>Seller</dt><dd id="seller-name">${escapeHtml(seller.sellerName)}</dd>
  <dt>Open ID</dt><dd id="open-id">${escapeHtml(seller.openId)}</dd>
  <dt>Region</dt><dd id="seller-region">${escapeHtml(seller.sellerBaseRegion)}</dd>
  <dt>State</dt><dd id="state">${escapeHtml(pending.state ?? '(none)')}</dd>
  <dt>Redirect to</dt><dd id="redirect-url">${escapeHtml(config.redirectUrlResolved)}</dd>
</dl>
<h2>Permissions</h2>
<ul id="scopes">${scopes}</ul>
<div class="actions">
  <a class="button" id="authorize" href="${escapeHtml(approveHref)}">Authorize</a>
  <a class="button" id="deny" href="${escapeHtml(denyHref)}">Deny</a>
</div>`,
  );
}

/** An error page, e.g. wrong service_id or an unknown pending authorization. */
export function errorPage(title, detail) {
  return layout(
    `${title} — TikTok Shop (mock)`,
    `<h1 id="error-title">${escapeHtml(title)}</h1><p id="error-detail">${escapeHtml(detail)}</p>`,
  );
}

/** The default registered redirect target: shows the callback parameters. */
export function callbackPage(searchParams) {
  const params = Object.fromEntries(searchParams.entries());
  return layout(
    'Callback — TikTok Shop (mock)',
    `<h1>Authorization callback</h1>
<p>The mock redirected here because no redirect URL was configured.</p>
<pre id="params">${escapeHtml(JSON.stringify(params, null, 2))}</pre>`,
  );
}

/**
 * What a gateway in front of TikTok might send on a 502: HTML that echoes the
 * request URL. For token calls that URL contains app_secret, which is exactly why
 * clients must not copy raw bodies into their error messages unredacted.
 */
export function gatewayErrorPage(requestUrl) {
  return layout(
    '502 Bad Gateway',
    `<h1>502 Bad Gateway</h1>
<p>The upstream server failed to answer the request for</p>
<pre id="request-url">${escapeHtml(requestUrl)}</pre>
<hr><p>tiktok-gateway (mock)</p>`,
  );
}
