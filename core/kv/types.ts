// The replicated key/value register store's operations and results.

export type KvOp =
  | { f: 'get'; key: string }
  | { f: 'put'; key: string; value: string }
  | { f: 'cas'; key: string; expected: string | null; value: string }
  | { f: 'delete'; key: string };

export type KvResult = { f: 'get'; value: string | null } | { f: 'cas'; ok: boolean } | { f: 'put' } | { f: 'delete' };

/** A client request: (client, seq) identifies it uniquely; seq grows per client. */
export interface KvRequest {
  client: number;
  seq: number;
  op: KvOp;
}

/**
 * ok: done, with its result. failed: definitely did not take effect (safe to
 * retry). timeout: the node gave up waiting; it may or may not take effect.
 */
export type KvReply =
  | { status: 'ok'; result: KvResult }
  | { status: 'failed'; code: string; message: string }
  | { status: 'timeout' };
