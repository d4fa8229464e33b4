import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/run.js';
import { readScenario } from '../../sim/scenario.js';
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

// Scenario files (npm run sim -- --write-scenario, or --shrink) dropped into
// scenarios/: each replays, must pass, and must replay to the same trace hash
// twice. The file's note says what it once found.
const scenarioDir = join(import.meta.dirname, 'scenarios');
const scenarioFiles = readdirSync(scenarioDir).filter((f) => f.endsWith('.json')).sort();

describe('regression scenarios', () => {
  it('has scenario files to run', () => {
    expect(scenarioFiles.length).toBeGreaterThan(0);
  });
  for (const file of scenarioFiles) {
    it(`${file} passes`, () => {
      const scenario = readScenario(join(scenarioDir, file));
      const a = simulate({ scenario }).result;
      const b = simulate({ scenario }).result;
      expect(a.violations, `${file}: ${scenario.note ?? ''}`).toEqual([]);
      expect(a.verdict).toBe('ok');
      expect(b.traceHash).toBe(a.traceHash);
    });
  }
});
