import { assertNever } from '../assert.js';
import { DecodeError, Reader, Writer } from '../util/codec.js';
import { Hasher } from '../util/hash.js';
import type { ReplicatedStateMachine } from '../cluster/replica.js';
import type { KvOp, KvRequest, KvResult } from './types.js';

/**
 * The register store applied from the Raft log. apply() is a pure function of
 * (state, command): every replica applying the same commands in the same order
 * reaches the same state and the same digest.
 *
 * Exactly-once: the log may hold one request twice (a duplicated network
 * message proposed twice). Each client's last applied seq and its result are
 * part of the replicated state, so a repeat returns the first result and
 * changes nothing (the Raft thesis, section 6.3).
 */
export class KvStateMachine implements ReplicatedStateMachine {
  private data = new Map<string, string>();
  private sessions = new Map<number, { seq: number; result: KvResult }>();

  /** Applies an encoded command; returns the id of its request ("client:seq") and its result. */
  apply(cmd: Uint8Array): { requestId: string; result: KvResult } {
    const req = decodeCommand(cmd);
    const requestId = `${req.client}:${req.seq}`;
    const s = this.sessions.get(req.client);
    if (s && req.seq <= s.seq) return { requestId, result: s.seq === req.seq ? s.result : resultOfStale(req.op) };
    const result = this.exec(req.op);
    this.sessions.set(req.client, { seq: req.seq, result });
    return { requestId, result };
  }

  /** Reads outside the log (served after a ReadIndex confirmed the read point). */
  read(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  private exec(op: KvOp): KvResult {
    switch (op.f) {
      case 'get':
        return { f: 'get', value: this.data.get(op.key) ?? null };
      case 'put':
        this.data.set(op.key, op.value);
        return { f: 'put' };
      case 'delete':
        this.data.delete(op.key);
        return { f: 'delete' };
      case 'cas': {
        const cur = this.data.get(op.key) ?? null;
        if (cur !== op.expected) return { f: 'cas', ok: false };
        this.data.set(op.key, op.value);
        return { f: 'cas', ok: true };
      }
      default:
        return assertNever(op, 'kv op');
    }
  }

  /** A canonical image (keys sorted), so equal states give equal bytes. */
  snapshot(): Uint8Array {
    const w = new Writer();
    const keys = [...this.data.keys()].sort();
    w.uvar(keys.length);
    for (const k of keys) w.str(k).str(this.data.get(k)!);
    const clients = [...this.sessions.keys()].sort((a, b) => a - b);
    w.uvar(clients.length);
    for (const c of clients) {
      const s = this.sessions.get(c)!;
      w.uvar(c).uvar(s.seq);
      encodeResult(w, s.result);
    }
    return w.finish();
  }

  restore(image: Uint8Array): void {
    const r = new Reader(image);
    const data = new Map<string, string>();
    for (let n = r.uvar(); n > 0; n--) data.set(r.str(), r.str());
    const sessions = new Map<number, { seq: number; result: KvResult }>();
    for (let n = r.uvar(); n > 0; n--) {
      const c = r.uvar();
      const seq = r.uvar();
      sessions.set(c, { seq, result: decodeResult(r) });
    }
    r.end();
    this.data = data;
    this.sessions = sessions;
  }

  digest(): string {
    const h = new Hasher();
    for (const k of [...this.data.keys()].sort()) h.str(k).str(this.data.get(k)!);
    for (const c of [...this.sessions.keys()].sort((a, b) => a - b)) h.num(c).num(this.sessions.get(c)!.seq);
    return h.hex();
  }
}

/** A request older than the client's last: its reply was already lost; it has no effect now. */
function resultOfStale(op: KvOp): KvResult {
  return op.f === 'cas' ? { f: 'cas', ok: false } : op.f === 'get' ? { f: 'get', value: null } : { f: op.f };
}

const OP_TAGS = ['get', 'put', 'cas', 'delete'] as const;

function encodeResult(w: Writer, r: KvResult): void {
  w.u8(OP_TAGS.indexOf(r.f));
  if (r.f === 'get') {
    w.u8(r.value === null ? 0 : 1);
    if (r.value !== null) w.str(r.value);
  } else if (r.f === 'cas') w.u8(r.ok ? 1 : 0);
}

function decodeResult(r: Reader): KvResult {
  const f = OP_TAGS[r.u8()];
  switch (f) {
    case 'get':
      return { f, value: r.u8() === 1 ? r.str() : null };
    case 'cas':
      return { f, ok: r.u8() === 1 };
    case 'put':
    case 'delete':
      return { f };
    case undefined:
      throw new DecodeError('bad kv result tag');
    default:
      return assertNever(f, 'kv result tag');
  }
}

/** Binary command format: client, seq, op tag, key, then the op's values. */
export function encodeCommand(req: KvRequest): Uint8Array {
  const w = new Writer().uvar(req.client).uvar(req.seq).u8(OP_TAGS.indexOf(req.op.f)).str(req.op.key);
  const op = req.op;
  if (op.f === 'put') w.str(op.value);
  else if (op.f === 'cas') {
    w.u8(op.expected === null ? 0 : 1);
    if (op.expected !== null) w.str(op.expected);
    w.str(op.value);
  }
  return w.finish();
}

/**
 * Decoded commands by their bytes. Entries are immutable once created, and a
 * host may hand the same bytes to many replicas (the simulator does), so one
 * decode serves them all. Weak keys: nothing is kept alive by the cache.
 */
const decoded = new WeakMap<Uint8Array, KvRequest>();

export function decodeCommand(b: Uint8Array): KvRequest {
  const hit = decoded.get(b);
  if (hit) return hit;
  const r = new Reader(b);
  const client = r.uvar();
  const seq = r.uvar();
  const tag = OP_TAGS[r.u8()];
  const key = r.str();
  let op: KvOp;
  switch (tag) {
    case 'get':
    case 'delete':
      op = { f: tag, key };
      break;
    case 'put':
      op = { f: 'put', key, value: r.str() };
      break;
    case 'cas': {
      const expected = r.u8() === 1 ? r.str() : null;
      op = { f: 'cas', key, expected, value: r.str() };
      break;
    }
    case undefined:
      throw new DecodeError('bad kv op tag');
    default:
      return assertNever(tag, 'kv op tag');
  }
  r.end();
  const req = { client, seq, op };
  decoded.set(b, req);
  return req;
}
