import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkListAppend,
  formatAnomaly,
  type Anomaly,
  type AnomalyKind,
  type ElleResult,
  type MicroOp,
  type Txn,
} from '../../sim/checkers/elle.js';

// Builders. By default transaction i runs alone in [10i, 10i+5] on its own
// process, so hand-made histories do not accidentally imply real-time order
// problems; tests that care about time pass explicit times.
const ap = (key: string, value: number): MicroOp => ({ f: 'append', key, value });
const rd = (key: string, value: number[] | null): MicroOp => ({ f: 'r', key, value });
function txn(id: number, ops: MicroOp[], status: Txn['status'] = 'ok', times?: [number, number]): Txn {
  const [invokeMs, completeMs] = times ?? [id * 10, id * 10 + 5];
  return { id, process: id, invokeMs, completeMs, status, ops };
}

function describeResult(r: ElleResult): string {
  return r.anomalies.map(formatAnomaly).join('\n\n') || '(no anomalies)';
}
function kinds(r: ElleResult): AnomalyKind[] {
  return r.anomalies.map((a) => a.kind);
}
function only(r: ElleResult, kind: AnomalyKind): Anomaly {
  const found = r.anomalies.filter((a) => a.kind === kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, got:\n${describeResult(r)}`);
  return found[0]!;
}
const ids = (a: Anomaly): number[] => a.txns.map((t) => t.id);
function expectClean(h: Txn[], realtime = false): void {
  const r = checkListAppend(h, { realtime });
  if (!r.ok) throw new Error(`expected no anomalies, got:\n${describeResult(r)}`);
  expect(r.anomalies).toEqual([]);
}

describe('checkListAppend: hand-made histories', () => {
  it('accepts a clean serial history', () => {
    const h = [
      txn(1, [ap('x', 1), ap('y', 1)]),
      txn(2, [rd('x', [1]), ap('x', 2)]),
      txn(3, [rd('x', [1, 2]), rd('y', [1])]),
    ];
    const r = checkListAppend(h);
    expect(r.ok).toBe(true);
    expect(r.stats.txns).toBe(3);
    // ww 1→2 on x, wr 1→2 on x, wr 2→3 on x, wr 1→3 on y.
    expect(r.stats.edges).toBe(4);
    expectClean(h, true);
  });

  it('G0: two transactions append to x and y in opposite orders', () => {
    const r = checkListAppend([
      txn(1, [ap('x', 1), ap('y', 1)]),
      txn(2, [ap('x', 2), ap('y', 2)]),
      txn(3, [rd('x', [1, 2]), rd('y', [2, 1])]),
    ]);
    expect(kinds(r)).toEqual(['G0']);
    const a = only(r, 'G0');
    expect(ids(a)).toEqual([1, 2]);
    expect(a.explanation).toContain('T2 appended 2 to x right after T1\'s 1 (ww)');
    expect(a.explanation).toContain('T1 appended 1 to y right after T2\'s 2 (ww)');
  });

  it('G1a: a committed read of a failed transaction\'s append', () => {
    const r = checkListAppend([txn(1, [ap('x', 1)], 'fail'), txn(2, [rd('x', [1])])]);
    expect(kinds(r)).toEqual(['G1a']);
    expect(ids(only(r, 'G1a'))).toEqual([2, 1]);
  });

  it('G1a: a read of a value nobody appended', () => {
    const r = checkListAppend([txn(1, [rd('x', [9])])]);
    expect(kinds(r)).toEqual(['G1a']);
    expect(ids(only(r, 'G1a'))).toEqual([1]);
  });

  it('G1b: a read that ends in a non-final append of another transaction', () => {
    const r = checkListAppend([txn(1, [ap('x', 1), ap('x', 2)]), txn(2, [rd('x', [1])])]);
    expect(kinds(r)).toEqual(['G1b']);
    expect(ids(only(r, 'G1b'))).toEqual([2, 1]);
  });

  it('G1c: a cycle of ww and wr edges', () => {
    const r = checkListAppend([
      txn(1, [ap('x', 1), rd('y', [1])]),
      txn(2, [ap('x', 2), ap('y', 1)]),
      txn(3, [rd('x', [1, 2])]),
    ]);
    expect(kinds(r)).toEqual(['G1c']);
    const a = only(r, 'G1c');
    expect(ids(a)).toEqual([1, 2]);
    expect(a.explanation).toMatch(/\(ww\).*\(wr\)/);
  });

  it('G1c: circular information flow through wr edges only', () => {
    const r = checkListAppend([txn(1, [ap('x', 1), rd('y', [1])]), txn(2, [ap('y', 1), rd('x', [1])])]);
    expect(kinds(r)).toEqual(['G1c']);
    expect(ids(only(r, 'G1c'))).toEqual([1, 2]);
  });

  it('G-single: read skew', () => {
    const r = checkListAppend([
      txn(1, [ap('x', 1), ap('y', 1)]),
      txn(2, [rd('x', []), rd('y', [1])]),
      txn(3, [rd('x', [1]), rd('y', [1])]),
    ]);
    expect(kinds(r)).toEqual(['G-single']);
    const a = only(r, 'G-single');
    expect(ids(a)).toEqual([1, 2]);
    expect(a.explanation).toContain('T2 read x = [] and T1 appended 1 right after that version (rw)');
  });

  it('G2: write skew over two keys', () => {
    const r = checkListAppend([
      txn(1, [rd('x', []), rd('y', []), ap('x', 1)]),
      txn(2, [rd('x', []), rd('y', []), ap('y', 1)]),
      txn(3, [rd('x', [1]), rd('y', [1])]),
    ]);
    expect(kinds(r)).toEqual(['G2']);
    expect(ids(only(r, 'G2'))).toEqual([1, 2]);
  });

  it('lost update: two committed transactions append on top of the same version', () => {
    const r = checkListAppend([
      txn(1, [rd('x', [0]), ap('x', 1)]),
      txn(2, [rd('x', [0]), ap('x', 2)]),
      txn(3, [rd('x', [0, 1, 2])]),
      txn(4, [ap('x', 0)]),
    ]);
    expect(ids(only(r, 'lost-update'))).toEqual([1, 2]);
    // The same facts form a G-single cycle: 2 read [0] and 1 appended next; 1's 1 precedes 2's 2.
    expect(ids(only(r, 'G-single'))).toEqual([1, 2]);
  });

  it('lost update is reported even when neither append is ever read', () => {
    const r = checkListAppend([txn(1, [rd('x', []), ap('x', 1)]), txn(2, [rd('x', []), ap('x', 2)])]);
    expect(ids(only(r, 'lost-update'))).toEqual([1, 2]);
    expect(r.ok).toBe(false);
  });

  it('incompatible order: two reads that are not prefixes of one another', () => {
    const r = checkListAppend([
      txn(1, [ap('x', 1)]),
      txn(2, [ap('x', 2)]),
      txn(3, [rd('x', [1, 2])]),
      txn(4, [rd('x', [2, 1])]),
    ]);
    expect(kinds(r)).toEqual(['incompatible-order']);
    expect(ids(only(r, 'incompatible-order')).sort()).toEqual([3, 4]);
  });

  it('internal: a read that misses the transaction\'s own earlier append', () => {
    const r = checkListAppend([txn(1, [ap('x', 1), rd('x', [])])]);
    expect(kinds(r)).toEqual(['internal']);
    expect(ids(only(r, 'internal'))).toEqual([1]);
  });

  it('internal: a second read that changed with no append in between', () => {
    const r = checkListAppend([
      txn(1, [ap('x', 5)]),
      txn(2, [ap('x', 6)]),
      txn(3, [rd('x', [5]), rd('x', [5, 6])]),
    ]);
    expect(kinds(r)).toEqual(['internal']);
    expect(ids(only(r, 'internal'))).toEqual([3]);
  });

  it('duplicate elements in a read', () => {
    const r = checkListAppend([txn(1, [ap('x', 1)]), txn(2, [rd('x', [1, 1])])]);
    expect(kinds(r)).toEqual(['duplicate-elements']);
    expect(ids(only(r, 'duplicate-elements'))).toEqual([2]);
  });

  it('an indeterminate transaction whose append was observed counts as committed', () => {
    const h = [
      txn(1, [ap('x', 1), rd('y', null)], 'info'),
      txn(2, [rd('x', [1]), ap('x', 2)]),
      txn(3, [rd('x', [1, 2])]),
    ];
    expectClean(h);
    expectClean(h, true);
    const r = checkListAppend(h);
    // T1 is in the graph: ww 1→2 and wr 1→2, wr 2→3.
    expect(r.stats.edges).toBe(3);
  });

  it('an indeterminate transaction that took effect after its client gave up is no real-time violation', () => {
    // T1's client timed out at 5ms; the append landed later, after T2 had read x = [].
    expectClean([txn(1, [ap('x', 1)], 'info', [0, 5]), txn(2, [rd('x', [])], 'ok', [10, 15]), txn(3, [rd('x', [1])], 'ok', [20, 25])], true);
  });

  it('a failed transaction whose append was not observed yields no anomaly', () => {
    expectClean([txn(1, [ap('x', 1)], 'fail'), txn(2, [rd('x', [])]), txn(3, [ap('x', 2)]), txn(4, [rd('x', [2])])]);
  });

  it('an unobserved indeterminate transaction is left out', () => {
    expectClean([txn(1, [rd('x', []), ap('x', 1)], 'info'), txn(2, [rd('x', []), ap('x', 2)])]);
  });

  it('a transaction whose appends are interleaved with another\'s is a G0 cycle', () => {
    const r = checkListAppend([txn(1, [ap('x', 1), ap('x', 3)]), txn(2, [ap('x', 2)]), txn(3, [rd('x', [1, 2])])]);
    const a = only(r, 'G0');
    expect(ids(a)).toEqual([1, 2]);
    expect(a.explanation).toContain("which was not T1's last append there, so T1's later 3 follows T2's (ww)");
    // T3 saw T1's 1 but not its 3: a fractured read, which shows up as a G-single cycle too.
    expect(ids(only(r, 'G-single'))).toEqual([1, 2, 3]);
    expect(kinds(r)).toEqual(['G0', 'G-single']);
  });

  it('realtime: a stale read is serializable but not strictly serializable', () => {
    const h = [txn(1, [ap('x', 1)], 'ok', [0, 5]), txn(2, [rd('x', [])], 'ok', [10, 15]), txn(3, [rd('x', [1])], 'ok', [20, 25])];
    expectClean(h, false);
    const r = checkListAppend(h, { realtime: true });
    const a = only(r, 'G-single');
    expect(ids(a)).toEqual([1, 2]);
    expect(a.explanation).toContain('(realtime)');
  });

  it('realtime: a committed append that no later read shows is caught', () => {
    const h = [txn(1, [ap('x', 1)], 'ok', [0, 5]), txn(2, [rd('x', [])], 'ok', [10, 15])];
    expectClean(h, false);
    const r = checkListAppend(h, { realtime: true });
    expect(ids(only(r, 'G-single'))).toEqual([1, 2]);
  });

  it('does not depend on the order the history is given in', () => {
    const h = [
      txn(1, [ap('x', 1), ap('y', 1)]),
      txn(2, [ap('x', 2), ap('y', 2)]),
      txn(3, [rd('x', [1, 2]), rd('y', [2, 1])]),
      txn(4, [rd('z', [7]), rd('w', [])]),
      txn(5, [ap('z', 7), ap('w', 1)]),
      txn(6, [rd('w', [1])]),
    ];
    const a = checkListAppend(h, { realtime: true });
    const b = checkListAppend([...h].reverse(), { realtime: true });
    expect(b.anomalies.map(formatAnomaly)).toEqual(a.anomalies.map(formatAnomaly));
    expect(b.stats).toEqual(a.stats);
  });

  it('formats an anomaly with its cycle and transactions', () => {
    const r = checkListAppend([
      txn(1, [ap('x', 1), ap('y', 1)]),
      txn(2, [ap('x', 2), ap('y', 2)]),
      txn(3, [rd('x', [1, 2]), rd('y', [2, 1])]),
    ]);
    const text = formatAnomaly(r.anomalies[0]!);
    expect(text.split('\n')[0]).toBe('G0: T1 → T2 → T1');
    expect(text).toContain('T1 [ok, process 1, 10–15ms]: append(x, 1), append(y, 1)');
  });

  it('rejects a history that appends the same value twice to a key', () => {
    expect(() => checkListAppend([txn(1, [ap('x', 1)]), txn(2, [ap('x', 1)])])).toThrow(/unique/);
  });
});

// --- Property: serial executions are always accepted ---------------------------------------

interface TxnSpec {
  ops: { append: boolean; key: number }[];
  outcome: 'ok' | 'info-applied' | 'info-lost' | 'fail';
  before: number;
  after: number;
}

const specArb: fc.Arbitrary<TxnSpec> = fc.record({
  ops: fc.array(fc.record({ append: fc.boolean(), key: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 5 }),
  outcome: fc.constantFrom<TxnSpec['outcome']>('ok', 'ok', 'ok', 'ok', 'info-applied', 'info-lost', 'fail'),
  before: fc.integer({ min: 0, max: 40 }),
  after: fc.integer({ min: 0, max: 40 }),
});

/**
 * Runs the specs one after another against a model map of lists. Transaction i
 * takes effect at instant 10i, inside [invoke, complete] for committed ones, so
 * real-time order never contradicts the serial order; an indeterminate one may
 * take effect after its client gave up, as in a real timeout.
 */
function executeSerially(specs: readonly TxnSpec[]): Txn[] {
  const state = new Map<string, number[]>();
  let nextValue = 1;
  return specs.map((spec, i) => {
    const at = 10 * (i + 1);
    const applies = spec.outcome === 'ok' || spec.outcome === 'info-applied';
    const local = new Map<string, number[]>();
    const ops: MicroOp[] = spec.ops.map(({ append, key: k }) => {
      const key = `k${k}`;
      const cur = local.get(key) ?? [...(state.get(key) ?? [])];
      local.set(key, cur);
      if (append) {
        const value = nextValue++;
        cur.push(value);
        return { f: 'append', key, value };
      }
      return { f: 'r', key, value: spec.outcome === 'ok' ? [...cur] : null };
    });
    if (applies) for (const [k, v] of local) state.set(k, v);
    const invokeMs = at - spec.before;
    const completeMs = spec.outcome === 'info-applied' ? invokeMs + Math.floor(spec.after / 4) : at + spec.after;
    const status: Txn['status'] = spec.outcome === 'ok' ? 'ok' : spec.outcome === 'fail' ? 'fail' : 'info';
    return { id: i + 1, process: i % 4, invokeMs, completeMs, status, ops };
  });
}

describe('checkListAppend: properties', () => {
  it('accepts every serial execution, with and without real-time edges', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 40 }), (specs) => {
        const h = executeSerially(specs);
        for (const realtime of [false, true]) {
          const r = checkListAppend(h, { realtime });
          if (!r.ok) throw new Error(`serial history rejected (realtime=${realtime}):\n${describeResult(r)}`);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('rejects a serial execution after one committed read drops its last element, when real time forbids it', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 2, maxLength: 40 }), fc.nat(), (specs, pick) => {
        const h = executeSerially(specs.map((s) => ({ ...s, outcome: 'ok' as const, before: 0, after: 0 })));
        // With zero slack the transactions are strictly sequential in real time, so
        // a read that misses a committed append from an earlier transaction is a
        // stale read, which strict serializability forbids.
        const candidates: { t: number; o: number }[] = [];
        h.forEach((t, ti) =>
          t.ops.forEach((op, oi) => {
            if (op.f !== 'r' || op.value === null || op.value.length === 0) return;
            const last = op.value[op.value.length - 1]!;
            const own = t.ops.some((o) => o.f === 'append' && o.value === last && o.key === op.key);
            const earlier = t.ops.slice(0, oi).some((o) => o.key === op.key);
            if (!own && !earlier) candidates.push({ t: ti, o: oi });
          }),
        );
        fc.pre(candidates.length > 0);
        const { t, o } = candidates[pick % candidates.length]!;
        const op = h[t]!.ops[o]!;
        if (op.f === 'r' && op.value !== null) op.value = op.value.slice(0, -1);
        expect(checkListAppend(h, { realtime: true }).ok).toBe(false);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('reports only simple cycles whose class matches their edges, deterministically, on arbitrary histories', () => {
    // Arbitrary (mostly broken) histories: appends take fresh values, reads
    // return random lists of small numbers, statuses and times are random.
    const opArb = fc.record({ append: fc.boolean(), key: fc.integer({ min: 0, max: 2 }), read: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 5 }) });
    const txnArb = fc.record({
      ops: fc.array(opArb, { minLength: 1, maxLength: 4 }),
      status: fc.constantFrom<Txn['status']>('ok', 'ok', 'info', 'fail'),
      invoke: fc.integer({ min: 0, max: 100 }),
      length: fc.integer({ min: 0, max: 30 }),
    });
    fc.assert(
      fc.property(fc.array(txnArb, { minLength: 1, maxLength: 12 }), fc.boolean(), (specs, realtime) => {
        let next = 1;
        const h: Txn[] = specs.map((spec, i) => ({
          id: i + 1,
          process: i,
          invokeMs: spec.invoke,
          completeMs: spec.invoke + spec.length,
          status: spec.status,
          ops: spec.ops.map((o): MicroOp =>
            o.append ? { f: 'append', key: `k${o.key}`, value: next++ } : { f: 'r', key: `k${o.key}`, value: spec.status === 'ok' ? o.read : null },
          ),
        }));
        const r = checkListAppend(h, { realtime });
        for (const a of r.anomalies) {
          const edges = a.explanation.match(/\((ww|wr|rw|realtime)\)/g) ?? [];
          if (a.kind === 'G0' || a.kind === 'G1c' || a.kind === 'G-single' || a.kind === 'G2') {
            expect(new Set(ids(a)).size).toBe(a.txns.length);
            expect(edges.length).toBe(a.txns.length);
            const rw = edges.filter((e) => e === '(rw)').length;
            const wr = edges.filter((e) => e === '(wr)').length;
            const expected = rw >= 2 ? 'G2' : rw === 1 ? 'G-single' : wr > 0 ? 'G1c' : 'G0';
            expect(a.kind).toBe(expected);
          }
        }
        const again = checkListAppend([...h].reverse(), { realtime });
        expect(again.anomalies.map(formatAnomaly)).toEqual(r.anomalies.map(formatAnomaly));
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('checks a few thousand transactions quickly', () => {
    // A deterministic pseudo-random generator (no Math.random in the suite).
    let s = 12345;
    const rand = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s >>> 8) % n;
    };
    const specs: TxnSpec[] = [];
    for (let i = 0; i < 4000; i++) {
      const ops = Array.from({ length: 1 + rand(4) }, () => ({ append: rand(2) === 0, key: rand(20) }));
      const o = rand(10);
      specs.push({ ops, outcome: o < 7 ? 'ok' : o === 7 ? 'info-applied' : o === 8 ? 'info-lost' : 'fail', before: rand(60), after: rand(60) });
    }
    const h = executeSerially(specs);
    const r = checkListAppend(h, { realtime: true });
    expect(r.ok).toBe(true);
    expect(r.stats.edges).toBeGreaterThan(4000);
  });
});
