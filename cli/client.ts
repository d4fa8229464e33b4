/** HTTP client for a CamusDB node (global fetch, JSON in camelCase). */

import { integerText, isJsonObject, JsonSyntaxError, parseJson, type JsonObject } from './json.js';

/** A failure the server reported: HTTP 500 `{status:"failed", code, message}`. */
export class ServerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/** The node could not be reached, or answered something that is not the CamusDB API. */
export class ClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientError';
  }
}

/** An open transaction: the HLC timestamp the server handed out, kept as exact decimal text. */
export interface TxnId {
  txnIdPT: string;
  txnIdCounter: string;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

function errorCode(err: unknown): string | null {
  if (err === null || typeof err !== 'object') return null;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const c = errorCode(inner);
      if (c !== null) return c;
    }
  }
  if (e.cause !== undefined) return errorCode(e.cause);
  return null;
}

function describeNetworkError(err: unknown): string {
  const code = errorCode(err);
  if (code !== null) return code;
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Builds a request body. Fields go through JSON.stringify; the transaction ids
 * are appended as raw JSON numbers so values beyond 2^53 reach the server exact.
 */
export function requestBody(fields: Record<string, unknown>, txn: TxnId | null): string {
  const base = JSON.stringify(fields);
  if (txn === null) return base;
  const pt = /^-?\d+$/.test(txn.txnIdPT) ? txn.txnIdPT : JSON.stringify(txn.txnIdPT);
  const counter = /^-?\d+$/.test(txn.txnIdCounter) ? txn.txnIdCounter : JSON.stringify(txn.txnIdCounter);
  const sep = base === '{}' ? '' : ',';
  return `${base.slice(0, -1)}${sep}"txnIdPT":${pt},"txnIdCounter":${counter}}`;
}

export class CamusClient {
  readonly endpoint: string;

  constructor(
    endpoint: string,
    private readonly fetchImpl: FetchLike = fetch as unknown as FetchLike,
  ) {
    this.endpoint = endpoint.replace(/\/+$/, '');
  }

  /** POSTs a JSON body; returns the parsed `{status:"ok", ...}` answer or throws ServerError / ClientError. */
  async post(route: string, body: string): Promise<JsonObject> {
    const url = this.endpoint + route;
    let status: number;
    let text: string;
    try {
      const res = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw new ClientError(`cannot reach ${this.endpoint}: ${describeNetworkError(err)}`);
    }
    let parsed;
    try {
      parsed = parseJson(text);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      const snippet = text.length > 200 ? text.slice(0, 200) + '...' : text;
      throw new ClientError(`unexpected answer from ${url} (HTTP ${status}): ${snippet.trim() || '(empty body)'}`);
    }
    if (!isJsonObject(parsed)) throw new ClientError(`unexpected answer from ${url} (HTTP ${status})`);
    const st = parsed.get('status');
    if (status >= 200 && status < 300 && st !== 'failed') return parsed;
    const code = parsed.get('code');
    const message = parsed.get('message');
    if (typeof code === 'string' || typeof message === 'string') {
      throw new ServerError(typeof code === 'string' ? code : 'CADB0000', typeof message === 'string' ? message : 'unknown error');
    }
    throw new ClientError(`HTTP ${status} from ${url}`);
  }

  /** POST /start-transaction: the new transaction's ids, exact. */
  async startTransaction(databaseName: string): Promise<TxnId> {
    const res = await this.post('/start-transaction', requestBody({ databaseName }, null));
    const pt = integerText(res.get('txnIdPT'));
    const counter = integerText(res.get('txnIdCounter'));
    if (pt === null || counter === null) throw new ClientError('start-transaction answered without txnIdPT/txnIdCounter');
    return { txnIdPT: pt, txnIdCounter: counter };
  }
}
