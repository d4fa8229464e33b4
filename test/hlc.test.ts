import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AssertionError, assertNever } from '../core/assert.js';
import { CamusError } from '../core/errors.js';
import {
  ClockOffsetError,
  compareTs,
  Hlc,
  MAX_LOGICAL,
  nextTs,
  prevTs,
  readTimestamp,
  tsFromString,
  tsMax,
  tsMin,
  tsToString,
  writeTimestamp,
  ZERO_TS,
  type Timestamp,
} from '../core/hlc.js';
import { DecodeError, Reader, Writer } from '../core/util/codec.js';

class FakeClock {
  constructor(public ms: number) {}
  nowMs(): number {
    return this.ms;
  }
}

const ts = (wall: number, logical = 0): Timestamp => ({ wall, logical });

const tsArb: fc.Arbitrary<Timestamp> = fc.record({
  wall: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
  logical: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(MAX_LOGICAL), fc.integer({ min: 0, max: MAX_LOGICAL })),
});

describe('timestamps', () => {
  it('compare wall first, then logical', () => {
    expect(compareTs(ts(1, 9), ts(2, 0))).toBeLessThan(0);
    expect(compareTs(ts(2, 1), ts(2, 0))).toBeGreaterThan(0);
    expect(compareTs(ts(2, 1), ts(2, 1))).toBe(0);
    expect(tsMax(ts(1, 5), ts(2, 0))).toEqual(ts(2, 0));
    expect(tsMin(ts(1, 5), ts(2, 0))).toEqual(ts(1, 5));
  });

  it('nextTs is the smallest greater timestamp, and prevTs undoes it', () => {
    expect(nextTs(ZERO_TS)).toEqual(ts(0, 1));
    expect(nextTs(ts(7, MAX_LOGICAL))).toEqual(ts(8, 0));
    expect(prevTs(ts(8, 0))).toEqual(ts(7, MAX_LOGICAL));
    expect(() => prevTs(ZERO_TS)).toThrow(AssertionError);
    fc.assert(
      fc.property(tsArb, tsArb, (a, b) => {
        if (a.wall === Number.MAX_SAFE_INTEGER && a.logical === MAX_LOGICAL) return;
        const n = nextTs(a);
        expect(compareTs(n, a)).toBeGreaterThan(0);
        expect(prevTs(n)).toEqual(a);
        // Nothing lies strictly between a and nextTs(a).
        expect(compareTs(b, a) > 0 && compareTs(b, n) < 0).toBe(false);
      }),
    );
  });

  it('string form has a fixed width, round-trips and sorts like compareTs', () => {
    fc.assert(
      fc.property(tsArb, tsArb, (a, b) => {
        const sa = tsToString(a);
        const sb = tsToString(b);
        expect(sa).toHaveLength(23);
        expect(tsFromString(sa)).toEqual(a);
        expect(Math.sign(sa < sb ? -1 : sa > sb ? 1 : 0)).toBe(Math.sign(compareTs(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('parsing rejects malformed strings', () => {
    for (const bad of ['', '0.0', '00000000000001.0000000', '00000000000001-00000000', 'ffffffffffffff.00000000', '0000000000000G.00000000']) {
      expect(() => tsFromString(bad)).toThrow(DecodeError);
    }
    expect(() => tsToString(ts(-1))).toThrow(AssertionError);
    expect(() => tsToString(ts(1, 0.5))).toThrow(AssertionError);
  });

  it('binary form round-trips', () => {
    fc.assert(
      fc.property(tsArb, (a) => {
        const w = new Writer();
        writeTimestamp(w, a);
        const r = new Reader(w.finish());
        expect(readTimestamp(r)).toEqual(a);
        r.end();
      }),
    );
  });
});

describe('Hlc', () => {
  it('follows the physical clock and resets logical when wall advances', () => {
    const c = new FakeClock(1000);
    const h = new Hlc(c, 500);
    expect(h.now()).toEqual(ts(1000, 0));
    expect(h.now()).toEqual(ts(1000, 1));
    expect(h.now()).toEqual(ts(1000, 2));
    c.ms = 1001.7; // Fractional readings are floored.
    expect(h.now()).toEqual(ts(1001, 0));
    expect(h.peek()).toEqual(ts(1001, 0));
  });

  it('never goes backwards when the physical clock jumps back', () => {
    const c = new FakeClock(5000);
    const h = new Hlc(c, 500);
    const a = h.now();
    c.ms = 1000;
    const b = h.now();
    expect(b).toEqual(ts(5000, 1));
    expect(compareTs(b, a)).toBeGreaterThan(0);
    c.ms = -50; // A clock before the epoch counts as 0.
    expect(h.now()).toEqual(ts(5000, 2));
    c.ms = 5000;
    expect(h.now()).toEqual(ts(5000, 3));
    c.ms = 5001;
    expect(h.now()).toEqual(ts(5001, 0));
  });

  it('update advances past a remote timestamp', () => {
    const c = new FakeClock(1000);
    const h = new Hlc(c, 500);
    h.now();
    expect(h.update(ts(1200, 7))).toEqual(ts(1200, 8));
    expect(h.now()).toEqual(ts(1200, 9)); // Physical time is still behind.
    expect(h.update(ts(900, 3))).toEqual(ts(1200, 10)); // An old remote changes nothing but the counter.
    expect(h.update(ts(1200, 40))).toEqual(ts(1200, 41));
    c.ms = 1300;
    expect(h.update(ts(1250, 99))).toEqual(ts(1300, 0)); // Physical time wins: logical resets.
  });

  it('rejects a remote timestamp too far ahead and stays unchanged', () => {
    const c = new FakeClock(1000);
    const h = new Hlc(c, 500);
    const before = h.now();
    expect(h.update(ts(1500, 0))).toEqual(ts(1500, 1)); // Exactly at the bound is accepted.
    let err: unknown;
    try {
      h.update(ts(1501, 0));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClockOffsetError);
    expect(err).toBeInstanceOf(CamusError);
    expect((err as ClockOffsetError).remote).toEqual(ts(1501, 0));
    expect((err as ClockOffsetError).physicalMs).toBe(1000);
    expect(h.peek()).toEqual(ts(1500, 1));
    expect(compareTs(h.now(), before)).toBeGreaterThan(0);
  });

  it('overflowing the logical counter carries into wall', () => {
    const c = new FakeClock(10);
    const h = new Hlc(c, 500);
    expect(h.update(ts(10, MAX_LOGICAL))).toEqual(ts(11, 0));
    expect(h.now()).toEqual(ts(11, 1));
  });

  it('rejects bad configuration and malformed remotes as programmer errors', () => {
    expect(() => new Hlc(new FakeClock(0), -1)).toThrow(AssertionError);
    const h = new Hlc(new FakeClock(0), 10);
    expect(() => h.update({ wall: 1.5, logical: 0 })).toThrow(AssertionError);
    expect(() => new Hlc({ nowMs: () => Number.NaN }, 10).now()).toThrow(AssertionError);
  });

  type Action =
    | { t: 'clock'; node: number; delta: number }
    | { t: 'now'; node: number }
    | { t: 'send'; from: number; to: number; delay: number };

  const N = 4;
  const actionArb: fc.Arbitrary<Action> = fc.oneof(
    fc.record({ t: fc.constant('clock' as const), node: fc.nat(N - 1), delta: fc.integer({ min: -3000, max: 3000 }) }),
    fc.record({ t: fc.constant('now' as const), node: fc.nat(N - 1) }),
    fc.record({ t: fc.constant('send' as const), from: fc.nat(N - 1), to: fc.nat(N - 1), delay: fc.nat(3) }),
  );

  it('property: per-node timestamps strictly increase and every receive is above the send', () => {
    const maxOffset = 1000;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: N, maxLength: N }),
        fc.array(actionArb, { maxLength: 300 }),
        (skews, actions) => {
          const clocks = skews.map((s) => new FakeClock(1_000_000 + s));
          const hlcs = clocks.map((c) => new Hlc(c, maxOffset));
          const last: Timestamp[] = hlcs.map(() => ZERO_TS);
          const maxPhysical = clocks.map((c) => c.ms);
          // Messages in flight: delivered after `delay` further actions, so sends and receives interleave.
          const inFlight: { to: number; ts: Timestamp; due: number }[] = [];
          const issue = (node: number, t: Timestamp): void => {
            expect(compareTs(t, last[node]!)).toBeGreaterThan(0);
            // A node's time leads its own clock by at most the offset bound.
            expect(t.wall).toBeLessThanOrEqual(maxPhysical[node]! + maxOffset);
            last[node] = t;
          };
          actions.forEach((a, step) => {
            for (let i = inFlight.length - 1; i >= 0; i--) {
              const m = inFlight[i]!;
              if (m.due > step) continue;
              inFlight.splice(i, 1);
              const clockMs = Math.max(0, clocks[m.to]!.ms);
              try {
                const got = hlcs[m.to]!.update(m.ts);
                expect(compareTs(got, m.ts)).toBeGreaterThan(0);
                issue(m.to, got);
              } catch (e) {
                expect(e).toBeInstanceOf(ClockOffsetError);
                expect(m.ts.wall).toBeGreaterThan(clockMs + maxOffset);
              }
            }
            switch (a.t) {
              case 'clock': {
                const c = clocks[a.node]!;
                c.ms = Math.max(0, c.ms + a.delta);
                maxPhysical[a.node] = Math.max(maxPhysical[a.node]!, c.ms);
                break;
              }
              case 'now':
                issue(a.node, hlcs[a.node]!.now());
                break;
              case 'send': {
                const t = hlcs[a.from]!.now();
                issue(a.from, t);
                inFlight.push({ to: a.to, ts: t, due: step + a.delay });
                break;
              }
              default:
                assertNever(a, 'action');
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
