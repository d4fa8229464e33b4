import { afterEach, describe, expect, it } from 'vitest';
import { Raft } from '../../core/raft/raft.js';
import type { ReadState } from '../../core/raft/types.js';
import { runSimulation, type SimResult } from '../../sim/run.js';
import { plantLyingFsync } from './planted.js';

// The sweep has teeth: each test plants a deliberately broken rule by
// overriding a method from here (the shipped code has no switch for it) and
// asserts that a plain swarm sweep finds a violation.

function firstFailure(seeds: number, nodes: number, opts: Parameters<typeof runSimulation>[0] = {}): SimResult | null {
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSimulation({ seed, nodes, faults: 'swarm', ...opts });
    if (r.verdict !== 'ok') return r;
  }
  return null;
}

let undo: (() => void) | null = null;
afterEach(() => {
  undo?.();
  undo = null;
});

describe('the sweep catches planted bugs', () => {
  it('acknowledging a write before it is durable (a lying fsync) loses committed entries', () => {
    undo = plantLyingFsync();
    const r = firstFailure(150, 3);
    expect(r, 'no seed in 1..150 found the lying fsync').not.toBeNull();
    // Lost committed entries show up as a checker violation, or as an assert
    // (a follower's commit index beyond the new leader's log) that crashes the run.
    expect(['correctness', 'crash']).toContain(r!.verdict);
  });

  it('serving reads without ReadIndex (stale local reads) breaks linearizability', () => {
    class StaleReadRaft extends Raft {
      override readIndex(ctx: number): boolean {
        // Answer from the local commit index, with no leader or quorum check.
        (this as unknown as { readStates: ReadState[] }).readStates.push({ ctx, index: this.log.committed });
        return true;
      }
    }
    const r = firstFailure(40, 3, { node: { makeRaft: (c, s, ri, o) => new StaleReadRaft(c, s, ri, o) } });
    expect(r, 'no seed in 1..40 found stale reads').not.toBeNull();
    expect(r!.verdict).toBe('correctness');
    expect(r!.violations.join('\n')).toMatch(/linearizability/);
  });
});
