import { expect } from 'vitest';
import { runSimulation, type SimOptions, type SimResult } from '../../sim/run.js';

/**
 * Runs every seed twice: the verdict must be ok and both runs must give the
 * same trace hash (determinism is proven per seed, not assumed). Failures are
 * reported with the command that reproduces them.
 */
export function sweep(seeds: Iterable<number>, opts: Partial<SimOptions>): SimResult[] {
  const failures: string[] = [];
  const results: SimResult[] = [];
  for (const seed of seeds) {
    const a = runSimulation({ ...opts, seed });
    const b = runSimulation({ ...opts, seed });
    results.push(a);
    const cmd = `npm run sim -- --seed ${seed} --nodes ${a.nodes}${opts.workload ? ` --workload ${opts.workload}` : ''}${opts.partitions ? ` --partitions ${opts.partitions}` : ''}`;
    if (a.traceHash !== b.traceHash) failures.push(`seed ${seed}: nondeterministic (${a.traceHash} vs ${b.traceHash}); ${cmd}`);
    if (a.verdict !== 'ok') failures.push(`seed ${seed}: ${a.verdict}: ${a.violations.join('\n').slice(0, 2000)}\n  reproduce: ${cmd}`);
  }
  expect(failures).toEqual([]);
  return results;
}

export function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}
