import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkLinearizable,
  formatHistory,
  type HistoryOp,
  type KvOp,
  type KvResult,
} from '../../sim/checkers/linearizability.js';
import { searchRegister } from '../../sim/checkers/wgl.js';

// A tiny builder: each helper returns one op on key 'k' unless a key is given. Ids are assigned in
// creation order so every history has unique ids.
let nextId = 0;
function mk(client: number, inv: number, done: number, op: KvOp, result?: KvResult,
  status: HistoryOp['status'] = 'ok'): HistoryOp {
  const h: HistoryOp = { id: nextId++, client, op, invokeMs: inv, completeMs: done, status };
  if (result !== undefined && status === 'ok') h.result = result;
  return h;
}
const get = (c: number, inv: number, done: number, value: string | null, key = 'k'): HistoryOp =>
  mk(c, inv, done, { f: 'get', key }, { f: 'get', value });
const put = (c: number, inv: number, done: number, value: string, key = 'k',
  status: HistoryOp['status'] = 'ok'): HistoryOp => mk(c, inv, done, { f: 'put', key, value }, { f: 'put' }, status);
const del = (c: number, inv: number, done: number, key = 'k',
  status: HistoryOp['status'] = 'ok'): HistoryOp => mk(c, inv, done, { f: 'delete', key }, { f: 'delete' }, status);
const cas = (c: number, inv: number, done: number, expected: string | null, value: string, ok: boolean,
  key = 'k', status: HistoryOp['status'] = 'ok'): HistoryOp =>
  mk(c, inv, done, { f: 'cas', key, expected, value }, { f: 'cas', ok }, status);

function expectOk(h: HistoryOp[]): void {
  const v = checkLinearizable(h);
  if (v.ok !== true) throw new Error(`expected linearizable, got ${JSON.stringify(v)}\n${formatHistory(h)}`);
}
function expectBad(h: HistoryOp[], key = 'k'): string {
  const v = checkLinearizable(h);
  if (v.ok !== false) throw new Error(`expected a violation, got ${JSON.stringify(v)}\n${formatHistory(h)}`);
  expect(v.key).toBe(key);
  return v.reason;
}

describe('sequential and concurrent histories', () => {
  it('accepts an empty history and a sequential one', () => {
    expect(checkLinearizable([])).toEqual({ ok: true, keysChecked: 0, opsChecked: 0 });
    const h = [get(1, 0, 1, null), put(1, 2, 3, 'a'), get(1, 4, 5, 'a'), cas(1, 6, 7, 'a', 'b', true),
      cas(1, 8, 9, 'a', 'c', false), get(1, 10, 11, 'b'), del(1, 12, 13), get(1, 14, 15, null),
      cas(1, 16, 17, null, 'd', true), get(1, 18, 19, 'd')];
    expect(checkLinearizable(h)).toEqual({ ok: true, keysChecked: 1, opsChecked: 10 });
  });

  it('accepts overlapping ops that are linearizable in only one order', () => {
    // The get sees 'b' and then the later get sees 'a': put b must precede put a, although put a
    // was invoked first. Both puts overlap, so that order is allowed.
    expectOk([put(1, 0, 10, 'a'), put(2, 1, 9, 'b'), get(3, 2, 4, 'b'), get(3, 11, 12, 'a')]);
    // A cas that overlaps a put may take effect either before or after it.
    expectOk([put(1, 0, 1, 'a'), cas(2, 2, 10, 'b', 'c', true), put(3, 3, 5, 'b'), get(1, 11, 12, 'c')]);
  });

  it('treats ops touching at the same instant as concurrent', () => {
    expectOk([put(1, 0, 5, 'a'), get(2, 5, 6, null)]);
  });
});

describe('classic violations', () => {
  it('rejects a stale read after a completed write', () => {
    const reason = expectBad([put(1, 0, 1, 'a'), put(1, 2, 3, 'b'), get(2, 4, 5, 'a')]);
    expect(reason).toContain('stale');
    expect(reason).toContain('get(k) -> ok "a"');
    expect(reason).toContain('put(k, "b")');
  });

  it('rejects a read of the initial null after a completed write', () => {
    expect(expectBad([put(1, 0, 1, 'a'), get(2, 4, 5, null)])).toContain('initial');
  });

  it('rejects a read of a value never written', () => {
    expect(expectBad([put(1, 0, 1, 'a'), get(2, 2, 3, 'zzz')])).toContain('no op ever wrote');
  });

  it('rejects a read of a value whose write started after the read finished', () => {
    expect(expectBad([get(2, 0, 1, 'a'), put(1, 2, 3, 'a')])).toContain('invoked after');
  });

  it('rejects two readers observing concurrent writes in opposite orders', () => {
    expectBad([
      put(1, 0, 10, 'a'), put(2, 0, 10, 'b'),
      get(3, 1, 2, 'a'), get(3, 3, 4, 'b'),
      get(4, 1, 2, 'b'), get(4, 3, 4, 'a'),
    ]);
  });

  it('rejects a cas succeeding twice on the same expected value', () => {
    expectBad([put(1, 0, 1, 'a'), cas(2, 2, 10, 'a', 'b', true), cas(3, 2, 10, 'a', 'c', true)]);
  });

  it('rejects a lost delete', () => {
    expectBad([put(1, 0, 1, 'a'), del(1, 2, 3), get(2, 4, 5, 'a')]);
  });

  it('rejects a cas that reports failure although the value matched', () => {
    expectBad([put(1, 0, 1, 'a'), cas(2, 2, 3, 'a', 'b', false)]);
  });
});

// The same violations, given to the search directly so the prechecks cannot answer first.
describe('the search alone', () => {
  const search = (h: HistoryOp[]) =>
    searchRegister(h.filter((o) => o.status === 'ok' || (o.status === 'indeterminate' && o.op.f !== 'get')), 1e6);
  const bad: [string, HistoryOp[]][] = [
    ['stale read', [put(1, 0, 1, 'a'), put(1, 2, 3, 'b'), get(2, 4, 5, 'a')]],
    ['value never written', [put(1, 0, 1, 'a'), get(2, 2, 3, 'zzz')]],
    ['read before the write', [get(2, 0, 1, 'a'), put(1, 2, 3, 'a')]],
    ['lost delete', [put(1, 0, 1, 'a'), del(1, 2, 3), get(2, 4, 5, 'a')]],
    ['initial null after a write', [put(1, 0, 1, 'a'), get(2, 4, 5, null)]],
    ['indeterminate write after the read', [put(1, 0, 1, 'a'), del(1, 2, 3), get(3, 4, 5, 'a'),
      put(2, 6, 7, 'a', 'k', 'indeterminate')]],
  ];
  for (const [name, h] of bad) {
    it(`rejects: ${name}`, () => expect(search(h).kind).toBe('fail'));
  }

  it('reports the op that cannot be linearized and the values the register could hold', () => {
    const r = search([put(1, 0, 1, 'a'), put(2, 2, 3, 'b'), del(1, 4, 5), get(3, 6, 7, 'a')]);
    expect(r.kind).toBe('fail');
    if (r.kind !== 'fail') return;
    expect(r.culprit.op.f).toBe('get');
    expect(r.depth).toBe(3);
    expect(r.writers.map((w) => w?.op.f)).toEqual(['delete']);
    const v = checkLinearizable([put(1, 0, 10, 'a'), put(2, 0, 10, 'b'), get(3, 11, 12, 'a'), get(3, 13, 14, 'b')]);
    expect(v.ok).toBe(false);
    if (v.ok === false) expect(v.reason).toMatch(/get\(k\) -> ok "b" cannot be linearized.*could only hold "a" \(from #\d+\)/);
  });
});

describe('indeterminate and failed ops', () => {
  it('lets an indeterminate write explain an otherwise impossible read', () => {
    expectOk([put(1, 0, 1, 'a'), put(2, 2, 3, 'b', 'k', 'indeterminate'), get(3, 50, 51, 'b')]);
    expectOk([put(1, 0, 1, 'a'), del(2, 2, 3, 'k', 'indeterminate'), get(3, 50, 51, null), get(3, 52, 53, null)]);
    expectOk([put(1, 0, 1, 'a'), cas(2, 2, 3, 'a', 'c', false, 'k', 'indeterminate'), get(3, 50, 51, 'c')]);
    // A cas that failed although 'a' was written: the pending put of 'b' may have landed first.
    expectOk([put(1, 0, 1, 'a'), put(2, 2, 3, 'b', 'k', 'indeterminate'), cas(3, 10, 11, 'a', 'c', false)]);
    // Two pending writes chained: the cas needs the put before it.
    expectOk([put(2, 0, 1, 'x', 'k', 'indeterminate'), cas(3, 2, 3, 'x', 'y', true, 'k', 'indeterminate'),
      get(1, 10, 11, 'y')]);
  });

  it('lets an indeterminate write be left out', () => {
    expectOk([put(1, 0, 1, 'a'), put(2, 2, 3, 'b', 'k', 'indeterminate'), get(3, 50, 51, 'a')]);
  });

  it('applies an indeterminate write at most once', () => {
    expectBad([put(1, 0, 1, 'a'), del(2, 2, 3, 'k', 'indeterminate'),
      get(3, 10, 11, null), put(1, 12, 13, 'a'), get(3, 14, 15, null)]);
  });

  it('does not let an indeterminate write invoked after the read completed explain it', () => {
    expectBad([put(1, 0, 1, 'a'), del(1, 2, 3), get(3, 4, 5, 'a'), put(2, 6, 7, 'a', 'k', 'indeterminate')]);
  });

  it('ignores failed ops and indeterminate gets', () => {
    expectOk([put(1, 0, 1, 'a'), put(2, 2, 3, 'b', 'k', 'failed'), get(3, 4, 5, 'a'),
      mk(4, 4, 9, { f: 'get', key: 'k' }, undefined, 'indeterminate')]);
    expectBad([put(1, 0, 1, 'a'), put(2, 2, 3, 'b', 'k', 'failed'), get(3, 4, 5, 'b')]);
  });
});

describe('multiple keys and budget', () => {
  it('names the one bad key', () => {
    const h = [
      put(1, 0, 1, 'a', 'x'), get(1, 2, 3, 'a', 'x'),
      put(2, 0, 1, 'a', 'y'), put(2, 2, 3, 'b', 'y'), get(3, 4, 5, 'a', 'y'),
      put(4, 0, 1, 'c', 'z'), get(4, 2, 3, 'c', 'z'),
    ];
    const v = checkLinearizable(h);
    expect(v.ok).toBe(false);
    if (v.ok !== false) return;
    expect(v.key).toBe('y');
    expect(v.ops.map((o) => o.op.key)).toEqual(['y', 'y', 'y']);
    expect(v.ops.map((o) => o.invokeMs)).toEqual([0, 2, 4]);
    expect(formatHistory(v.ops).split('\n')).toHaveLength(3);
  });

  it('returns unknown when the step budget runs out', () => {
    // Twelve overlapping puts give the search many orders to try, and two later reads that no
    // order explains (the value changes with no write in flight) force it to try them all.
    const h: HistoryOp[] = [];
    for (let c = 0; c < 12; c++) h.push(put(c, 0, 100, `v${c}`));
    h.push(get(20, 0, 100, 'v0'), get(20, 101, 102, 'v1'), get(21, 103, 104, 'v2'));
    const v = checkLinearizable(h, { budgetSteps: 50 });
    expect(v.ok).toBe('unknown');
    if (v.ok === 'unknown') expect(v.key).toBe('k');
    expect(checkLinearizable(h).ok).toBe(false);
  });

  it('gives the same verdict whatever the order of the input', () => {
    const h = [put(1, 0, 10, 'a', 'x'), put(2, 0, 10, 'b', 'x'), get(3, 11, 12, 'a', 'x'), get(3, 13, 14, 'b', 'x'),
      put(1, 20, 21, 'c', 'w'), get(2, 22, 23, 'c', 'w')];
    expect(checkLinearizable([...h].reverse())).toEqual(checkLinearizable(h));
  });

  it('rejects malformed ok ops', () => {
    expect(() => checkLinearizable([mk(1, 0, 1, { f: 'get', key: 'k' })])).toThrow(/has no result/);
  });
});

// --- Property tests -------------------------------------------------------------------------

interface Spec { key: number; kind: number; value: number; expectNull: boolean; before: number; after: number; fate: number }

const specArb: fc.Arbitrary<Spec> = fc.record({
  key: fc.integer({ min: 0, max: 2 }),
  kind: fc.integer({ min: 0, max: 3 }),
  value: fc.integer({ min: 0, max: 3 }),
  expectNull: fc.boolean(),
  before: fc.integer({ min: 0, max: 40 }),
  after: fc.integer({ min: 0, max: 40 }),
  fate: fc.integer({ min: 0, max: 19 }), // 0: indeterminate applied, 1: indeterminate not applied, 2: failed
});

/**
 * Runs the specs one after the other on a sequential register, each taking effect at its own
 * instant 10*i, and gives each op an interval around that instant. Clients are assigned greedily so
 * that no client has two ops in flight at once.
 */
function generate(specs: readonly Spec[]): HistoryOp[] {
  const state = new Map<string, string>();
  const clientFree: number[] = [];
  const out: HistoryOp[] = [];
  specs.forEach((s, i) => {
    const key = `k${s.key}`, at = 10 * i + 5, value = `v${s.value}`;
    const invokeMs = Math.max(0, at - s.before), completeMs = at + s.after;
    const cur = state.get(key) ?? null;
    const status: HistoryOp['status'] = s.fate <= 1 ? 'indeterminate' : s.fate === 2 ? 'failed' : 'ok';
    const applied = s.fate === 0 || status === 'ok';
    let op: KvOp, result: KvResult;
    if (s.kind === 0) { op = { f: 'get', key }; result = { f: 'get', value: cur }; }
    else if (s.kind === 1) { op = { f: 'put', key, value }; result = { f: 'put' }; if (applied) state.set(key, value); }
    else if (s.kind === 2) { op = { f: 'delete', key }; result = { f: 'delete' }; if (applied) state.delete(key); }
    else {
      const expected = s.expectNull ? null : `v${(s.value + 1) % 4}`;
      const swap = cur === expected;
      op = { f: 'cas', key, expected, value };
      result = { f: 'cas', ok: swap };
      if (applied && swap) state.set(key, value);
    }
    let client = clientFree.findIndex((free) => free < invokeMs);
    if (client < 0) client = clientFree.length;
    clientFree[client] = status === 'indeterminate' ? Infinity : completeMs;
    const h: HistoryOp = { id: i, client, op, invokeMs, completeMs, status };
    if (status === 'ok') h.result = result;
    out.push(h);
  });
  return out;
}

describe('properties', () => {
  it('judges every history produced by a real register linearizable', () => {
    fc.assert(
      fc.property(fc.array(specArb, { maxLength: 120 }), (specs) => {
        const h = generate(specs);
        const v = checkLinearizable(h);
        if (v.ok !== true) throw new Error(`${JSON.stringify(v)}\n${formatHistory(h)}`);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('checks a few thousand ops over several keys quickly', () => {
    // A fixed pseudo-random workload (no Math.random): 3000 ops on 5 keys, ~10% indeterminate.
    let x = 12345;
    const next = (n: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
    const specs: Spec[] = [];
    for (let i = 0; i < 3000; i++) {
      specs.push({ key: next(5), kind: next(4), value: next(4), expectNull: next(4) === 0, before: next(60),
        after: next(60), fate: next(20) });
    }
    const started = performance.now();
    expect(checkLinearizable(generate(specs))).toMatchObject({ ok: true, keysChecked: 5 });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('rejects a history whose get returns a value never written', () => {
    fc.assert(
      fc.property(fc.array(specArb, { maxLength: 80 }), fc.nat(), (specs, pick) => {
        const h = generate([...specs, { key: 0, kind: 0, value: 0, expectNull: false, before: 5, after: 5, fate: 10 }]);
        const gets = h.filter((o) => o.status === 'ok' && o.op.f === 'get');
        const victim = gets[pick % gets.length]!;
        victim.result = { f: 'get', value: 'never-written' };
        const v = checkLinearizable(h);
        expect(v.ok).toBe(false);
        if (v.ok === false) expect(v.key).toBe(victim.op.key);
        // The search on its own must agree, without the precheck that names the value.
        const ofKey = h.filter((o) => o.op.key === victim.op.key && (o.status === 'ok' || (o.status === 'indeterminate' && o.op.f !== 'get')));
        expect(searchRegister(ofKey, 1e6).kind).toBe('fail');
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('answers of the wrong kind', () => {
  it('are a violation, not a harness error: a put answered with a cas result (register seed 198)', () => {
    const h = [put(1, 0, 10, 'a'), mk(2, 20, 30, { f: 'put', key: 'k', value: 'b' }, { f: 'cas', ok: true }), get(3, 40, 50, 'b')];
    const v = checkLinearizable(h);
    expect(v.ok).toBe(false);
    if (v.ok === false) expect(v.reason).toMatch(/^put answered with a cas result/);
  });
});
