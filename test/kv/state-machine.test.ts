import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, KvStateMachine } from '../../core/kv/state-machine.js';
import type { KvOp, KvRequest } from '../../core/kv/types.js';
import { DecodeError } from '../../core/util/codec.js';

const req = (client: number, seq: number, op: KvOp): Uint8Array => encodeCommand({ client, seq, op });

describe('KvStateMachine', () => {
  it('applies get, put, cas and delete', () => {
    const sm = new KvStateMachine();
    expect(sm.apply(req(1, 1, { f: 'put', key: 'k', value: 'a' })).result).toEqual({ f: 'put' });
    expect(sm.apply(req(1, 2, { f: 'cas', key: 'k', expected: 'x', value: 'b' })).result).toEqual({ f: 'cas', ok: false });
    expect(sm.apply(req(1, 3, { f: 'cas', key: 'k', expected: 'a', value: 'b' })).result).toEqual({ f: 'cas', ok: true });
    expect(sm.read('k')).toBe('b');
    sm.apply(req(1, 4, { f: 'delete', key: 'k' }));
    expect(sm.read('k')).toBeNull();
    expect(sm.apply(req(1, 5, { f: 'cas', key: 'k', expected: null, value: 'c' })).result).toEqual({ f: 'cas', ok: true });
  });

  it('applies a request that reaches the log twice only once, and repeats its first result', () => {
    const sm = new KvStateMachine();
    sm.apply(req(1, 1, { f: 'put', key: 'k', value: 'a' }));
    const cas = req(2, 1, { f: 'cas', key: 'k', expected: 'a', value: 'b' });
    expect(sm.apply(cas).result).toEqual({ f: 'cas', ok: true });
    sm.apply(req(1, 2, { f: 'put', key: 'k', value: 'a' }));
    // The duplicate must not swap again, and must answer as the first did.
    expect(sm.apply(cas).result).toEqual({ f: 'cas', ok: true });
    expect(sm.read('k')).toBe('a');
  });

  it('ignores a request older than the client last applied', () => {
    const sm = new KvStateMachine();
    sm.apply(req(1, 2, { f: 'put', key: 'k', value: 'new' }));
    sm.apply(req(1, 1, { f: 'put', key: 'k', value: 'old' }));
    expect(sm.read('k')).toBe('new');
  });

  it('snapshots canonically and restores to the same state and digest', () => {
    const op = fc.oneof(
      fc.record({ f: fc.constant('put' as const), key: fc.constantFrom('a', 'b', 'c'), value: fc.string() }),
      fc.record({ f: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ f: fc.constant('cas' as const), key: fc.constantFrom('a', 'b', 'c'), expected: fc.option(fc.string(), { nil: null }), value: fc.string() }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), op), { maxLength: 40 }), (ops) => {
        const sm = new KvStateMachine();
        const seqs = new Map<number, number>();
        for (const [c, o] of ops) {
          const seq = (seqs.get(c) ?? 0) + 1;
          seqs.set(c, seq);
          sm.apply(req(c, seq, o as KvOp));
        }
        const copy = new KvStateMachine();
        copy.restore(sm.snapshot());
        expect(copy.digest()).toBe(sm.digest());
        expect(copy.snapshot()).toEqual(sm.snapshot());
        for (const k of ['a', 'b', 'c']) expect(copy.read(k)).toBe(sm.read(k));
      }),
    );
  });

  it('encodes commands losslessly and rejects garbage with DecodeError', () => {
    const cmd = fc.record({
      client: fc.nat(),
      seq: fc.nat(),
      op: fc.oneof(
        fc.record({ f: fc.constant('get' as const), key: fc.string() }),
        fc.record({ f: fc.constant('put' as const), key: fc.string(), value: fc.string() }),
        fc.record({ f: fc.constant('cas' as const), key: fc.string(), expected: fc.option(fc.string(), { nil: null }), value: fc.string() }),
        fc.record({ f: fc.constant('delete' as const), key: fc.string() }),
      ),
    });
    fc.assert(
      fc.property(cmd, (c) => {
        const wellFormed = (s: string) => s === Array.from(s).join('') && !/[\ud800-\udfff]/u.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
        fc.pre(wellFormed(c.op.key) && ('value' in c.op ? wellFormed(c.op.value) : true) && ('expected' in c.op && c.op.expected !== null ? wellFormed(c.op.expected) : true));
        expect(decodeCommand(encodeCommand(c as KvRequest))).toEqual(c);
      }),
    );
    expect(() => decodeCommand(Uint8Array.from([1, 1, 9]))).toThrow(DecodeError);
    expect(() => decodeCommand(Uint8Array.from([1]))).toThrow(DecodeError);
  });
});
