import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { sweep } from '../sim/sweep.js';

// Every seed that ever failed stays here and runs forever.
interface Regression {
  seed: number;
  nodes: number;
  faults: 'swarm';
  workload?: 'register' | 'list-append' | 'bank';
  partitions?: number;
  note: string;
}

const regressions = JSON.parse(readFileSync(join(import.meta.dirname, 'seeds.json'), 'utf8')) as Regression[];

describe('regression seeds', () => {
  for (const r of regressions) {
    it(`seed ${r.seed} (${r.nodes} nodes, ${r.workload ?? 'register'}): ${r.note.slice(0, 60)}...`, () => {
      sweep([r.seed], { nodes: r.nodes, faults: r.faults, workload: r.workload ?? 'register', partitions: r.partitions });
    });
  }
});
