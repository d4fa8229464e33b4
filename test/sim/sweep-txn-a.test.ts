import { describe, expect, it } from 'vitest';
import { range, sweep } from './sweep.js';

// Part of the seed sweep for serializable transactions (list-append, Elle's checker).
describe('seed sweep: list-append, 3 nodes, swarm faults, seeds 1..10', () => {
  it('every seed is ok and deterministic', () => {
    const results = sweep(range(1, 10), { nodes: 3, faults: 'swarm', workload: 'list-append' });
    expect(results.reduce((n, r) => n + r.ops.ok, 0)).toBeGreaterThan(500);
  });
});
