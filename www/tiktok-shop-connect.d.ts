// Types of the page client (tiktok-shop-connect.js). The values the extension returns —
// AccountSummary, AccountsPage, FlowState, Overview, Shop, … — are the core's, declared once in
// types/tiktok-shop-connect.d.ts (generated from the Rust structs): copy that file too and keep
// this import pointing at it.

import type {
  AccountSummary, AccountsPage, FlowState, Overview, PageRequest, Shop, StatusCounts,
} from '../types/tiktok-shop-connect.js';

export type {
  AccountSummary, AccountsPage, FlowState, Overview, PageRequest, Shop, StatusCounts,
};

/** How the client reaches the extension. */
export type Via = 'bridge' | 'external';

/**
 * The `name` of the Errors the client rejects with: the extension's own, the core's (a call to
 * TikTok's API), and the client's.
 */
export type ExtensionErrorName =
  // The client's: the extension is not there, or the ID is wrong.
  | 'ExtensionUnavailable' | 'InvalidExtensionId'
  // The extension's: who may ask, and what.
  | 'ConsentRequired' | 'Forbidden' | 'UnknownMessage' | 'InvalidInput' | 'NotConfigured' | 'FlowPending'
  // The core's, for a seller's call to TikTok.
  | 'ReconnectRequired' | 'RefreshInterrupted' | 'MissingPermission' | 'RateLimited' | 'TikTokApiError'
  | 'NetworkError' | 'Timeout' | 'MalformedResponse' | 'UnknownAccount' | 'StorageError' | 'TokensNotSaved'
  | 'InvalidConfig';

/** An Error named like the extension's typed errors, with the fields it sent. */
export interface ExtensionError extends Error {
  name: ExtensionErrorName | (string & {});
  /** TikTok's code, when TikTok answered. */
  code?: number;
  tiktokMessage?: string;
  requestId?: string;
  httpStatus?: number;
  /** The missing scope (`MissingPermission`). */
  scope?: string;
}

/** The fields of an error reply, as the extension sends them. */
export interface ErrorFields {
  name: string;
  message: string;
  code?: number;
  tiktokMessage?: string;
  requestId?: string;
  httpStatus?: number;
  scope?: string;
}

/** A protocol message: `{ type, …fields }` (extension/README.md, "Message protocol"). */
export interface Message {
  type: string;
  [field: string]: unknown;
}

/** Every reply: `{ ok: true, …result }` or `{ ok: false, error }`. */
export type Reply = ({ ok: true } & Record<string, unknown>) | { ok: false; error: ErrorFields };

/** Every seller at once (`accounts()` without a page). */
export interface AccountList {
  accounts: AccountSummary[];
  total: number;
  counts: StatusCounts;
}

/** A GET call to TikTok Shop's API with a seller's token. */
export interface FetchOptions {
  /** The path, such as `/authorization/202309/shops`. */
  path: string;
  /** Business query parameters (the extension adds and signs the rest). */
  query?: Record<string, string>;
  /** The shop cipher, for shop-scoped endpoints. */
  shopCipher?: string;
  /** Abandon the call after this many ms (the extension's default: 60 s). */
  timeoutMs?: number;
}

/** TikTok's answer: its HTTP status and its JSON, already parsed. */
export interface ApiResponse<Body = any> {
  status: number;
  body: Body;
}

export interface ClientOptions {
  /** The extension's ID (its options page shows it): needed for local pages (`external`). */
  extensionId?: string;
  /** Called with every message sent and the reply received (say, for a log). */
  onExchange?: (message: Message, reply: Reply) => void;
}

export interface ConnectOptions extends ClientOptions {
  /** Force one way; by default the bridge (https pages), else `external` with `extensionId`. */
  via?: Via;
  /** How long to wait for the bridge's handshake, in ms (default 500). */
  handshakeMs?: number;
}

/** A connection to the extension. */
export class TikTokShopConnect {
  constructor(via: Via, options?: ClientOptions);
  readonly via: Via;
  /** The extension ID used (`external` only). */
  readonly extensionId: string | undefined;
  /** Sends one message; resolves with the whole reply, never rejects. */
  request(message: Message): Promise<Reply>;
  /** Sends one message; resolves with the reply's fields, rejects with an ExtensionError. */
  send(message: Message): Promise<Record<string, unknown>>;
  /** Every connected seller. */
  accounts(): Promise<AccountList>;
  /** One page of the sellers matching `query`, those needing attention first. */
  accounts(page: PageRequest & { limit: number }): Promise<AccountsPage>;
  /** Counts, and who needs reconnecting. */
  overview(): Promise<Overview>;
  /** Starts a Connect, which the seller finishes on TikTok; resolves with the pending flow. */
  connect(): Promise<FlowState>;
  /** Where the flow stands. */
  flowState(): Promise<FlowState>;
  /** A signed GET call with the seller's token (refreshed by the extension when needed). */
  fetch<Body = any>(openId: string, options: FetchOptions): Promise<ApiResponse<Body>>;
  /** The seller's authorized shops. */
  shops(openId: string): Promise<Shop[]>;
}

/** Finds the extension; rejects with `ExtensionUnavailable` when it is not there for this page. */
export function connectExtension(options?: ConnectOptions): Promise<TikTokShopConnect>;

/** Whether the extension's bridge runs on this page (an https page allowed in its options). */
export function bridgePresent(timeoutMs?: number): Promise<boolean>;

/** An ExtensionError from an error reply's fields. */
export function extensionError(fields: Partial<ErrorFields>): ExtensionError;
