import { afterEach, describe, expect, it } from 'vitest';
import { simulate, type SimOptions } from '../../sim/run.js';
import { sizeOf } from '../../sim/scenario.js';
import { failureClass, shrink } from '../../sim/shrink.js';
import { NonAtomicCommit, plantLyingFsync, SnapshotIsolation } from './planted.js';

// The shrinker on deliberately broken builds: it must keep the failure's
// class (verdict and kind of first violation) while cutting the scenario
// down. Measures: operations (client requests) and faults (nemesis actions
// that did something: crashes, partitions, clock skews..., not idle wake-ups).

let undo: (() => void) | null = null;
afterEach(() => {
  undo?.();
  undo = null;
});

function shrinkSeed(opts: Partial<SimOptions>, budget: number) {
  const original = simulate(opts);
  const report = shrink(original.scenario, (s) => simulate({ ...opts, scenario: s }), { budget });
  // The shrunk scenario, replayed on its own, fails the same way.
  const again = simulate({ ...opts, scenario: report.scenario });
  expect(failureClass(again.result)).toBe(report.failure);
  expect(again.result.traceHash).toBe(report.result.traceHash);
  expect(report.runs).toBeLessThanOrEqual(budget);
  return { original, report, before: sizeOf(original.scenario), after: sizeOf(report.scenario) };
}

describe('shrinking a failing scenario', () => {
  it('keeps write skew (G2) from a planted snapshot-isolation commit rule, with a tenth of the operations and faults', () => {
    const { report, before, after } = shrinkSeed({ seed: 1, workload: 'list-append', makeStateMachine: () => new SnapshotIsolation() }, 200);
    expect(report.failure).toBe('correctness: serializability: G2');
    expect(before.ops).toBeGreaterThan(200);
    expect(before.faults).toBeGreaterThanOrEqual(10);
    expect(after.ops * 10).toBeLessThanOrEqual(before.ops);
    expect(after.faults * 10).toBeLessThanOrEqual(before.faults);
    // On the correct build the same scenario passes: the failure is the plant's.
    expect(simulate({ scenario: report.scenario }).result.verdict).toBe('ok');
  });

  it('keeps a torn transfer (bank audit) from a planted non-atomic commit, with a tenth of the operations and faults', () => {
    const { report, before, after } = shrinkSeed({ seed: 1, workload: 'bank', makeStateMachine: () => new NonAtomicCommit() }, 200);
    expect(report.failure).toBe('correctness: bank:');
    expect(before.ops).toBeGreaterThan(100);
    expect(before.faults).toBeGreaterThanOrEqual(10);
    expect(after.ops * 10).toBeLessThanOrEqual(before.ops);
    expect(after.faults * 10).toBeLessThanOrEqual(before.faults);
    expect(simulate({ scenario: report.scenario }).result.verdict).toBe('ok');
  });

  it('keeps a Raft safety violation from a lying fsync, with a tenth of the operations and of operations plus faults', () => {
    undo = plantLyingFsync();
    const { report, before, after } = shrinkSeed({ seed: 9, nodes: 3 }, 200);
    expect(report.failure).toBe('correctness: log matching');
    expect(before.ops).toBeGreaterThan(1000);
    expect(after.ops * 10).toBeLessThanOrEqual(before.ops);
    // Losing acknowledged writes takes a few faults in the right order (a
    // leader losing its term record, an entry it wrote in that term, a voter
    // that never saw it), so the faults cannot all go: removing any of the 7
    // left turns the failure into a liveness verdict, and the smallest robust
    // scenario built by hand has 3 (docs/simulation.md). They must shrink,
    // and the whole scenario (operations plus faults) must be at most a tenth.
    expect(after.faults).toBeLessThan(before.faults);
    expect((after.ops + after.faults) * 10).toBeLessThanOrEqual(before.ops + before.faults);
    expect(after.durationMs).toBeLessThan(before.durationMs);
  });

  it('refuses a scenario that passes', () => {
    const ok = simulate({ seed: 2, durationMs: 2000, faults: 'swarm' });
    expect(ok.result.verdict).toBe('ok');
    expect(() => shrink(ok.scenario, (s) => simulate({ scenario: s }), { budget: 5 })).toThrow(/no failure to shrink/);
  });
});

describe('failure classes', () => {
  const r = (verdict: 'ok' | 'correctness' | 'crash', v: string) => ({ verdict, violations: [v] }) as Parameters<typeof failureClass>[0];
  it('name the verdict and the kind of the first violation', () => {
    expect(failureClass(r('ok', ''))).toBeNull();
    expect(failureClass(r('crash', 'crash at t=1ms: boom'))).toBe('crash');
    expect(failureClass(r('correctness', 'serializability: G-single: T1 → T2 → T1\n...'))).toBe('correctness: serializability: G-single');
    expect(failureClass(r('correctness', 'bank: audit 3: total: 590'))).toBe('correctness: bank:');
    expect(failureClass(r('correctness', 'linearizability: key k1: no order'))).toBe('correctness: linearizability');
    expect(failureClass(r('correctness', 'group 2: t=12.5ms election safety: nodes 1 and 2 both leaders in term 3'))).toBe('correctness: election safety');
  });
});
