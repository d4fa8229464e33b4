import { describe, expect, it } from 'vitest';
import { Raft } from '../../core/raft/raft.js';
import { checkDeterminism, formatDeterminism } from '../../sim/determinism.js';
import { noFaults } from '../../sim/faults.js';
import type { SimOptions } from '../../sim/run.js';

// Per-step determinism: two runs compared event by event. Nondeterminism is
// injected the way it creeps in for real: state shared across runs (here a
// counter in the node factory) that changes what a node does.

const quiet: Partial<SimOptions> = { seed: 3, durationMs: 2000, faults: noFaults(), tuning: 'default' };

describe('--check-determinism', () => {
  it('finds two runs of a seed identical', () => {
    const r = checkDeterminism({ seed: 5, durationMs: 3000 });
    expect(r.identical).toBe(true);
    expect(r.first).toBeNull();
    expect(r.traceHash[0]).toBe(r.traceHash[1]);
    expect(formatDeterminism(r)).toMatch(/^deterministic/);
  });

  it('names the first event where the runs diverge, and what each did there', () => {
    // Node 2's Raft, from its second creation on (the second run), campaigns
    // on its 10th tick: a node whose behaviour depends on a counter that
    // outlives the run.
    let node2Created = 0;
    const tenthTickAt: number[] = [];
    class Flaky extends Raft {
      private ticks = 0;
      constructor(private readonly creation: number, ...args: ConstructorParameters<typeof Raft>) {
        super(...args);
      }
      override tick(): void {
        if (++this.ticks === 10) {
          tenthTickAt.push(this.creation);
          if (this.creation >= 2) return this.campaignNow();
        }
        super.tick();
      }
    }
    const r = checkDeterminism({
      ...quiet,
      node: { makeRaft: (cfg, stored, ri, obs) => (cfg.id === 2 ? new Flaky(++node2Created, cfg, stored, ri, obs) : new Raft(cfg, stored, ri, obs)) },
    });
    expect(node2Created).toBe(2);
    expect(tenthTickAt).toEqual([1, 2]);
    expect(r.identical).toBe(false);
    const first = r.first!;
    expect(first).not.toBeNull();
    // The diverging event is node 2's timer: the same event in both runs (same
    // time, same kind), which did different things.
    expect(first.a!.kind).toBe('timer');
    expect(first.a!.node).toBe(2);
    expect(first.b!.kind).toBe('timer');
    expect(first.b!.node).toBe(2);
    expect(first.b!.atMs).toBe(first.a!.atMs);
    expect(first.b!.did).not.toEqual(first.a!.did);
    // Run 2's node 2 campaigned there: it sent vote requests; run 1's did not.
    expect(first.b!.did.some((w) => w.startsWith('raft(2,'))).toBe(true);
    expect(first.a!.did.some((w) => w.startsWith('raft(2,'))).toBe(false);
    // Everything before it matched.
    expect(first.lastCommon!.index).toBe(first.index - 1);
    const text = formatDeterminism(r);
    expect(text).toMatch(new RegExp(`diverge at event ${first.index}\\b`));
    expect(text).toMatch(/run 1 +#\d+ t=[\d.]+ms timer node 2/);
  });
});
