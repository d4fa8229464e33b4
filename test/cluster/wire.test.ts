import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CallAnswer, NodeMessage } from '../../core/cluster/host.js';
import { decodeNodeMessage, encodeNodeMessage, WIRE_FORMAT, type ResultCodec } from '../../core/cluster/wire.js';
import type { Timestamp } from '../../core/hlc.js';
import type { KvResult } from '../../core/kv/types.js';
import { CONFLICT_REASONS } from '../../core/mvcc/types.js';
import type { Message } from '../../core/raft/types.js';
import type { PartitionResult } from '../../core/txn/partition.js';
import { KV_RESULT_CODEC, PARTITION_RESULT_CODEC } from '../../core/txn/result-codec.js';
import { DecodeError, Writer } from '../../core/util/codec.js';

const num = fc.oneof(fc.nat(1000), fc.maxSafeNat());
const id = fc.nat(20);
const bytes = fc.uint8Array({ maxLength: 48 });
const str = fc.string({ unit: 'binary', maxLength: 24 });
const ts: fc.Arbitrary<Timestamp> = fc.record({ wall: fc.maxSafeNat(), logical: fc.integer({ min: 0, max: 0xffff_ffff }) });

const head = { from: id, to: id, term: num };
const raftMessage: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant('app' as const), ...head, prevIndex: num, prevTerm: num, commit: num, entries: fc.array(fc.record({ term: num, index: num, data: bytes }), { maxLength: 4 }) }),
  fc.record({ type: fc.constant('app-resp' as const), ...head, index: num, reject: fc.boolean(), hintIndex: num, hintTerm: num }),
  fc.record({ type: fc.constant('heartbeat' as const), ...head, commit: num, ctx: num }),
  fc.record({ type: fc.constant('heartbeat-resp' as const), ...head, ctx: num }),
  fc.record({ type: fc.constant('vote' as const), ...head, pre: fc.boolean(), lastIndex: num, lastTerm: num, force: fc.boolean() }),
  fc.record({ type: fc.constant('vote-resp' as const), ...head, pre: fc.boolean(), reject: fc.boolean() }),
  fc.record({ type: fc.constant('snap' as const), ...head, snapshot: fc.record({ meta: fc.record({ index: num, term: num, voters: fc.array(id, { maxLength: 5 }) }), data: bytes }) }),
  fc.record({ type: fc.constant('timeout-now' as const), ...head }),
  fc.record({ type: fc.constant('prop' as const), ...head, entries: fc.array(bytes, { maxLength: 4 }) }),
  fc.record({ type: fc.constant('read-index' as const), ...head, ctx: num }),
  fc.record({ type: fc.constant('read-index-resp' as const), ...head, ctx: num, index: num, reject: fc.boolean() }),
  fc.record({ type: fc.constant('commit' as const), ...head, commit: num }),
);

const reason = fc.constantFrom(...CONFLICT_REASONS);

const partitionResult: fc.Arbitrary<PartitionResult> = fc.oneof(
  fc.constant(null),
  fc.record({ ok: fc.constant(true as const), commitTs: ts }),
  fc.record({ ok: fc.constant(true as const), minCommitTs: ts }),
  fc.record({ ok: fc.constant(false as const), reason, key: str, txnId: str }, { requiredKeys: ['ok', 'reason', 'key'] }),
  fc.record({ decision: fc.oneof(fc.constant(null), fc.constant('abort' as const), fc.record({ commitTs: ts })) }),
  fc.constantFrom('committed' as const, 'aborted' as const, 'noop' as const),
);

const kvResult: fc.Arbitrary<KvResult> = fc.oneof(
  fc.record({ f: fc.constant('get' as const), value: fc.option(str, { nil: null }) }),
  fc.record({ f: fc.constant('cas' as const), ok: fc.boolean() }),
  fc.constant({ f: 'put' as const }),
  fc.constant({ f: 'delete' as const }),
);

const answer: fc.Arbitrary<CallAnswer> = fc.oneof(
  fc.record({ status: fc.constant('ok' as const), result: partitionResult }),
  fc.record({ status: fc.constant('failed' as const), code: str, message: str }),
  fc.constant({ status: 'timeout' as const }),
  fc.record({ status: fc.constant('not-leader' as const), leaderHint: id }),
);

/** The hlc key is absent, not undefined, when a message has none: decoding gives the same shape. */
const stamp = fc.option(ts, { nil: undefined }).map((hlc) => (hlc ? { hlc } : {}));

const nodeMessage: fc.Arbitrary<NodeMessage> = fc.oneof(
  fc.tuple(id, stamp, fc.array(fc.record({ group: fc.nat(64), msgs: fc.array(raftMessage, { maxLength: 4 }) }), { maxLength: 3 })).map(([from, s, groups]) => ({ type: 'raft' as const, from, ...s, groups })),
  fc.tuple(id, stamp, num, fc.nat(64), str, bytes).map(([from, s, callId, group, requestId, command]) => ({ type: 'call' as const, from, ...s, callId, group, requestId, command })),
  fc.tuple(id, stamp, num, answer).map(([from, s, callId, a]) => ({ type: 'answer' as const, from, ...s, callId, answer: a })),
);

/** Decodes, allowing only DecodeError; returns undefined when refused. */
function tryDecode<T>(decode: () => T): T | undefined {
  try {
    return decode();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return undefined;
  }
}

/** Arbitrary damage to a byte string: a flipped byte, a truncation, inserted bytes, or a mix. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), add: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(b: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out = b.slice();
  for (const m of ms) {
    const at = m.at % (out.length + 1);
    if (m.kind === 'flip') {
      if (at < out.length) out[at]! ^= m.xor;
    } else if (m.kind === 'cut') out = out.slice(0, at);
    else out = Uint8Array.from([...out.subarray(0, at), ...m.add, ...out.subarray(at)]);
  }
  return out;
}

describe('wire format', () => {
  it('round-trips every node message variant', () => {
    fc.assert(
      fc.property(nodeMessage, (m) => {
        const b = encodeNodeMessage(m, PARTITION_RESULT_CODEC);
        expect(b[0]).toBe(WIRE_FORMAT);
        expect(decodeNodeMessage(b, PARTITION_RESULT_CODEC)).toEqual(m);
      }),
      { numRuns: 2000 },
    );
  });

  it('covers every raft message type and answer status', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(nodeMessage, (m) => {
        if (m.type === 'raft') for (const g of m.groups) for (const x of g.msgs) seen.add(x.type);
        if (m.type === 'answer') seen.add(m.answer.status);
        seen.add(m.type);
      }),
      { numRuns: 1000 },
    );
    expect(seen.size).toBe(3 + 12 + 4);
  });

  it('decodes into fresh memory, never a view of the frame', () => {
    const m: NodeMessage = { type: 'call', from: 1, callId: 7, group: 2, requestId: 'r', command: Uint8Array.of(1, 2, 3) };
    const b = encodeNodeMessage(m, PARTITION_RESULT_CODEC);
    const d = decodeNodeMessage(b, PARTITION_RESULT_CODEC);
    b.fill(0);
    expect(d).toEqual(m);
    expect('hlc' in d).toBe(false);
  });

  it('refuses damaged bytes with DecodeError, or decodes a message that re-encodes consistently', () => {
    fc.assert(
      fc.property(nodeMessage, fc.array(mutation, { minLength: 1, maxLength: 3 }), (m, ms) => {
        const bad = mutate(encodeNodeMessage(m, PARTITION_RESULT_CODEC), ms);
        const d = tryDecode(() => decodeNodeMessage(bad, PARTITION_RESULT_CODEC));
        if (d !== undefined) expect(decodeNodeMessage(encodeNodeMessage(d, PARTITION_RESULT_CODEC), PARTITION_RESULT_CODEC)).toEqual(d);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses every truncation and trailing bytes', () => {
    fc.assert(
      fc.property(nodeMessage, (m) => {
        const b = encodeNodeMessage(m, PARTITION_RESULT_CODEC);
        for (let n = 0; n < b.length; n++) expect(() => decodeNodeMessage(b.subarray(0, n), PARTITION_RESULT_CODEC)).toThrow(DecodeError);
        expect(() => decodeNodeMessage(Uint8Array.from([...b, 0]), PARTITION_RESULT_CODEC)).toThrow(DecodeError);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses random bytes with DecodeError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        tryDecode(() => decodeNodeMessage(b, PARTITION_RESULT_CODEC));
        tryDecode(() => decodeNodeMessage(Uint8Array.from([WIRE_FORMAT, ...b]), PARTITION_RESULT_CODEC));
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses another format version, unknown tags and non-boolean flags', () => {
    const m: NodeMessage = { type: 'raft', from: 1, groups: [{ group: 0, msgs: [{ type: 'vote-resp', from: 1, to: 2, term: 3, pre: false, reject: true }] }] };
    const b = encodeNodeMessage(m, PARTITION_RESULT_CODEC);
    const variant = (at: number, v: number) => {
      const c = b.slice();
      c[at] = v;
      return c;
    };
    expect(() => decodeNodeMessage(variant(0, WIRE_FORMAT + 1), PARTITION_RESULT_CODEC)).toThrow(/format/);
    expect(() => decodeNodeMessage(variant(1, 9), PARTITION_RESULT_CODEC)).toThrow(DecodeError);
    expect(() => decodeNodeMessage(variant(3, 2), PARTITION_RESULT_CODEC)).toThrow(/boolean/);
    expect(() => decodeNodeMessage(variant(b.length - 1, 2), PARTITION_RESULT_CODEC)).toThrow(/boolean/);
  });

  it('refuses a count larger than the input before looping over it', () => {
    const b = new Writer().u8(WIRE_FORMAT).u8(0).uvar(1).u8(0).uvar(Number.MAX_SAFE_INTEGER).finish();
    expect(() => decodeNodeMessage(b, PARTITION_RESULT_CODEC)).toThrow(/count/);
  });

  it('carries result bytes through the given codec', () => {
    const tagged: ResultCodec = {
      encode: (r) => Uint8Array.of(r as number),
      decode: (b) => {
        if (b.length !== 1) throw new DecodeError('one byte');
        return b[0];
      },
    };
    const m: NodeMessage = { type: 'answer', from: 3, hlc: { wall: 5, logical: 1 }, callId: 9, answer: { status: 'ok', result: 42 } };
    expect(decodeNodeMessage(encodeNodeMessage(m, tagged), tagged)).toEqual(m);
  });
});

describe('result codecs', () => {
  it('round-trip partition results', () => {
    fc.assert(
      fc.property(partitionResult, (r) => {
        expect(PARTITION_RESULT_CODEC.decode(PARTITION_RESULT_CODEC.encode(r))).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trip kv results', () => {
    fc.assert(
      fc.property(kvResult, (r) => {
        expect(KV_RESULT_CODEC.decode(KV_RESULT_CODEC.encode(r))).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  it('refuse damaged bytes with DecodeError only', () => {
    fc.assert(
      fc.property(partitionResult, kvResult, fc.array(mutation, { minLength: 1, maxLength: 3 }), (p, k, ms) => {
        const dp = tryDecode(() => PARTITION_RESULT_CODEC.decode(mutate(PARTITION_RESULT_CODEC.encode(p), ms)));
        if (dp !== undefined) expect(PARTITION_RESULT_CODEC.decode(PARTITION_RESULT_CODEC.encode(dp))).toEqual(dp);
        const dk = tryDecode(() => KV_RESULT_CODEC.decode(mutate(KV_RESULT_CODEC.encode(k), ms)));
        if (dk !== undefined) expect(KV_RESULT_CODEC.decode(KV_RESULT_CODEC.encode(dk))).toEqual(dk);
      }),
      { numRuns: 3000 },
    );
  });

  it('keep conflict reason numbers stable (they are wire format)', () => {
    expect(PARTITION_RESULT_CODEC.encode({ ok: false, reason: 'write-write', key: 'k' })).toEqual(Uint8Array.of(3, 6, 1, 0x6b, 0));
    expect(PARTITION_RESULT_CODEC.encode({ ok: false, reason: 'txn-prepared', key: '', txnId: 't' })).toEqual(Uint8Array.of(3, 12, 0, 1, 1, 0x74));
  });
});
