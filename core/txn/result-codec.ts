// Binary forms of what state machines answer, for call answers that cross the
// network (core/cluster/wire.ts). Tags and conflict reason numbers are part of
// the wire format: append new ones, never renumber. Decoding is strict and
// throws DecodeError on anything the encoder could not have produced.

import { assert, assertNever } from '../assert.js';
import type { ResultCodec } from '../cluster/wire.js';
import { readTimestamp, writeTimestamp } from '../hlc.js';
import type { KvResult } from '../kv/types.js';
import type { Conflict, ConflictReason, Decision, ResolveOutcome } from '../mvcc/types.js';
import { DecodeError, Reader, Writer } from '../util/codec.js';
import type { PartitionResult } from './partition.js';

/** A Record, not a list, so that a new ConflictReason fails to type-check until it gets a number. */
const REASON_CODES: Readonly<Record<ConflictReason, number>> = {
  'snapshot-too-old': 0,
  'read-changed': 1,
  'read-intent': 2,
  'range-changed': 3,
  'range-late-commit': 4,
  'range-intent': 5,
  'write-write': 6,
  'write-intent': 7,
  'write-read-lock': 8,
  'write-range-lock': 9,
  aborted: 10,
  'txn-finished': 11,
  'txn-prepared': 12,
};

const REASONS: readonly ConflictReason[] = (Object.keys(REASON_CODES) as ConflictReason[]).sort((a, b) => REASON_CODES[a] - REASON_CODES[b]);

const OUTCOMES = ['committed', 'aborted', 'noop'] as const satisfies readonly ResolveOutcome[];

/** Result tags; the shape of a PartitionResult tells which command produced it. */
const Tag = { Null: 0, Committed: 1, Validated: 2, Conflict: 3, Decided: 4, Resolved: 5 } as const;

export const PARTITION_RESULT_CODEC: ResultCodec = {
  encode(x: unknown): Uint8Array {
    const r = x as PartitionResult;
    const w = new Writer(32);
    if (r === null) w.u8(Tag.Null);
    else if (typeof r === 'string') {
      assert(OUTCOMES.includes(r), () => `not a resolve outcome: ${String(r)}`);
      w.u8(Tag.Resolved).u8(OUTCOMES.indexOf(r));
    } else if ('decision' in r) writeDecided(w.u8(Tag.Decided), r.decision);
    else if (!r.ok) writeConflict(w.u8(Tag.Conflict), r);
    else if ('commitTs' in r) writeTimestamp(w.u8(Tag.Committed), r.commitTs);
    else writeTimestamp(w.u8(Tag.Validated), r.minCommitTs);
    return w.finish();
  },

  decode(b: Uint8Array): PartitionResult {
    const rd = new Reader(b);
    const tag = rd.u8();
    let out: PartitionResult;
    if (tag === Tag.Null) out = null;
    else if (tag === Tag.Committed) out = { ok: true, commitTs: readTimestamp(rd) };
    else if (tag === Tag.Validated) out = { ok: true, minCommitTs: readTimestamp(rd) };
    else if (tag === Tag.Conflict) out = readConflict(rd);
    else if (tag === Tag.Decided) out = { decision: readDecided(rd) };
    else if (tag === Tag.Resolved) {
      const o = OUTCOMES[rd.u8()];
      if (o === undefined) throw new DecodeError('bad resolve outcome');
      out = o;
    } else throw new DecodeError(`bad partition result tag ${tag}`);
    rd.end();
    return out;
  },
};

function writeConflict(w: Writer, c: Conflict): void {
  const code = REASON_CODES[c.reason];
  assert(code !== undefined, () => `unknown conflict reason ${c.reason}`);
  w.u8(code).str(c.key);
  if (c.txnId === undefined) w.u8(0);
  else w.u8(1).str(c.txnId);
}

function readConflict(r: Reader): Conflict {
  const reason = REASONS[r.u8()];
  if (reason === undefined) throw new DecodeError('unknown conflict reason');
  const key = r.str();
  const has = r.u8();
  if (has === 0) return { ok: false, reason, key };
  if (has === 1) return { ok: false, reason, key, txnId: r.str() };
  throw new DecodeError('bad txn id flag');
}

/** A decide result's decision: 0 unknown (null), 1 abort, 2 commit at a timestamp. */
function writeDecided(w: Writer, d: Decision | null): void {
  if (d === null) w.u8(0);
  else if (d === 'abort') w.u8(1);
  else writeTimestamp(w.u8(2), d.commitTs);
}

function readDecided(r: Reader): Decision | null {
  const t = r.u8();
  if (t === 0) return null;
  if (t === 1) return 'abort';
  if (t === 2) return { commitTs: readTimestamp(r) };
  throw new DecodeError('bad decision tag');
}

const KV_TAGS = ['get', 'put', 'cas', 'delete'] as const satisfies readonly KvResult['f'][];

/** Results of the key/value register store (core/kv). */
export const KV_RESULT_CODEC: ResultCodec = {
  encode(x: unknown): Uint8Array {
    const r = x as KvResult;
    const w = new Writer(16).u8(KV_TAGS.indexOf(r.f));
    switch (r.f) {
      case 'get':
        if (r.value === null) w.u8(0);
        else w.u8(1).str(r.value);
        break;
      case 'cas':
        w.u8(r.ok ? 1 : 0);
        break;
      case 'put':
      case 'delete':
        break;
      default:
        assertNever(r, 'kv result');
    }
    return w.finish();
  },

  decode(b: Uint8Array): KvResult {
    const rd = new Reader(b);
    const f = KV_TAGS[rd.u8()];
    let out: KvResult;
    switch (f) {
      case 'get': {
        const has = flag(rd);
        out = { f, value: has ? rd.str() : null };
        break;
      }
      case 'cas':
        out = { f, ok: flag(rd) };
        break;
      case 'put':
      case 'delete':
        out = { f };
        break;
      case undefined:
        throw new DecodeError('bad kv result tag');
      default:
        return assertNever(f, 'kv result tag');
    }
    rd.end();
    return out;
  },
};

function flag(r: Reader): boolean {
  const v = r.u8();
  if (v > 1) throw new DecodeError(`bad boolean ${v}`);
  return v === 1;
}
