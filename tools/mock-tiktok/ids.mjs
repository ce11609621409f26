// Identifiers shaped like TikTok's (tokens, request ids, shop ciphers) and the shops a
// seller's token covers.

import { createHash, randomBytes } from 'node:crypto';

/** A token string shaped like TikTok's: `ROW_` + random base64url. */
export function newTokenString() {
  return `ROW_${randomBytes(36).toString('base64url')}`;
}

let requestSequence = 0;

/**
 * A fresh request_id like TikTok's: yyyyMMddHHmmss (UTC) + 20 uppercase hex digits
 * (a 4-digit sequence, then randomness), e.g. 2026112313000100A1B2C3D4E5F60718293A.
 */
export function newRequestId(nowMs = Date.now()) {
  const stamp = new Date(nowMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  requestSequence = (requestSequence + 1) % 0x10000;
  const sequence = requestSequence.toString(16).padStart(4, '0');
  return `${stamp}${sequence}${randomBytes(8).toString('hex')}`.toUpperCase();
}

/** Deterministic shop cipher for a seller, so tests can predict it if they want. */
export function shopCipherFor(openId, index = 0) {
  const digest = createHash('sha256').update(`${openId}:${index}`).digest('base64url');
  return `ROW_${digest.slice(0, 28)}`;
}

/** The shops a seller's token covers: the configured list, or one derived shop. */
export function shopsOf(seller) {
  if (Array.isArray(seller.shops)) return seller.shops;
  return [
    {
      cipher: shopCipherFor(seller.openId),
      code: `${seller.sellerBaseRegion}LCMOCK01`,
      id: `${seller.openId.slice(0, 10)}000001`,
      name: seller.sellerName,
      region: seller.sellerBaseRegion,
      seller_type: 'LOCAL',
    },
  ];
}
