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

/**
 * Shrinks the first seed in 1..60 whose run on the planted build fails with
 * `failure` and has at least `faultsMin` faults (so that a tenth of them
 * means something). The seed is searched for, as the teeth tests do, rather
 * than fixed: any change to the system moves every run, and which seed
 * shows a planted bug moves with it.
 */
function shrinkSeed(opts: Partial<SimOptions>, failure: RegExp, faultsMin: number, budget: number) {
  let original: ReturnType<typeof simulate> | null = null;
  for (let seed = 1; seed <= 60 && original === null; seed++) {
    const run = simulate({ ...opts, seed });
    if (failure.test(failureClass(run.result) ?? '') && sizeOf(run.scenario).faults >= faultsMin) original = run;
  }
  if (original === null) throw new Error(`no seed in 1..60 fails with ${failure} and ${faultsMin}+ faults`);
  opts = { ...opts, seed: original.result.seed };
  const report = shrink(original.scenario, (s) => simulate({ ...opts, scenario: s }), { budget });
  // The shrunk scenario, replayed on its own, fails the same way.
  const again = simulate({ ...opts, scenario: report.scenario });
  expect(failureClass(again.result)).toBe(report.failure);
  expect(again.result.traceHash).toBe(report.result.traceHash);
  expect(report.runs).toBeLessThanOrEqual(budget);
  return { original, report, before: sizeOf(original.scenario), after: sizeOf(report.scenario) };
}

/** The Raft safety checkers' failure classes: a lying fsync shows as one or another, depending on the run. */
const RAFT_SAFETY = /^correctness: (log matching|leader completeness|election safety|state machine safety)$/;

describe('shrinking a failing scenario', () => {
  it('keeps write skew (G2) from a planted snapshot-isolation commit rule, with a tenth of the operations and faults', () => {
    const { report, before, after } = shrinkSeed({ workload: 'list-append', makeStateMachine: () => new SnapshotIsolation() }, /^correctness: serializability: G2$/, 10, 200);
    expect(report.failure).toBe('correctness: serializability: G2');
    expect(before.ops).toBeGreaterThan(200);
    expect(before.faults).toBeGreaterThanOrEqual(10);
    expect(after.ops * 10).toBeLessThanOrEqual(before.ops);
    expect(after.faults * 10).toBeLessThanOrEqual(before.faults);
    // On the correct build the same scenario passes: the failure is the plant's.
    expect(simulate({ scenario: report.scenario }).result.verdict).toBe('ok');
  });

  it('keeps a torn transfer (bank audit) from a planted non-atomic commit, with a tenth of the operations and faults', () => {
    const { report, before, after } = shrinkSeed({ workload: 'bank', makeStateMachine: () => new NonAtomicCommit() }, /^correctness: bank:$/, 10, 200);
    expect(report.failure).toBe('correctness: bank:');
    expect(before.ops).toBeGreaterThan(100);
    expect(before.faults).toBeGreaterThanOrEqual(10);
    expect(after.ops * 10).toBeLessThanOrEqual(before.ops);
    expect(after.faults * 10).toBeLessThanOrEqual(before.faults);
    expect(simulate({ scenario: report.scenario }).result.verdict).toBe('ok');
  });

  it('keeps a Raft safety violation from a lying fsync, with a tenth of the operations and faults', () => {
    undo = plantLyingFsync();
    const { report, before, after } = shrinkSeed({ nodes: 3 }, RAFT_SAFETY, 10, 200);
    expect(report.failure).toMatch(RAFT_SAFETY);
    expect(before.ops).toBeGreaterThan(1000);
    expect(after.ops * 10).toBeLessThanOrEqual(before.ops);
    // Losing acknowledged writes takes a few faults in the right order (a
    // crash losing what the disk only claimed to hold, and a new election
    // around it), so a few faults always stay; a tenth of the run's is enough.
    expect(after.faults).toBeGreaterThanOrEqual(1);
    expect(after.faults * 10).toBeLessThanOrEqual(before.faults);
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
