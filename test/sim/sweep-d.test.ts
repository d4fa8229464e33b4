import { describe, expect, it } from 'vitest';
import { range, sweep } from './sweep.js';

// Part of the seed sweep (split across files so both cores share it).
describe('seed sweep: 5 nodes, swarm faults, seeds 41..80', () => {
  it('every seed is ok and deterministic', () => {
    const results = sweep(range(41, 80), { nodes: 5, faults: 'swarm' });
    // The sweep must actually exercise faults and elections, not idle.
    expect(results.reduce((n, r) => n + r.crashes, 0)).toBeGreaterThan(0);
    expect(results.reduce((n, r) => n + r.ops.ok, 0)).toBeGreaterThan(1000);
  });
});
