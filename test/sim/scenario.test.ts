import { describe, expect, it } from 'vitest';
import { restrictSchedule, type ScheduledFault } from '../../sim/fault-schedule.js';
import { simulate } from '../../sim/run.js';
import { scenarioJson, sizeOf, validateScenario, withNodes } from '../../sim/scenario.js';
import { namedFaults, noFaults } from '../../sim/faults.js';

// A seeded run and the replay of its recorded scenario run through the same
// code (the nemesis' apply, the clients' issue), so they must be the same run:
// same trace hash, event for event, after a trip through the JSON file format.
describe('scenario replay', () => {
  for (const workload of ['register', 'list-append', 'bank', 'sql'] as const) {
    it(`gives the seed's own trace hash for ${workload}`, () => {
      for (const seed of [1, 3]) {
        const run = simulate({ seed, workload, nodes: seed === 3 ? 5 : 3, durationMs: 4000 });
        const replay = simulate({ scenario: validateScenario(JSON.parse(scenarioJson(run.scenario))) });
        expect(replay.result.traceHash, `${workload} seed ${seed}`).toBe(run.result.traceHash);
        expect(replay.result.verdict).toBe(run.result.verdict);
        // The replay records itself as the same scenario.
        expect(scenarioJson(replay.scenario)).toBe(scenarioJson(run.scenario));
        expect(sizeOf(run.scenario).ops).toBeGreaterThan(50);
      }
    });
  }

  it('records faults with their parameters, and clients with their operations', () => {
    const run = simulate({ seed: 4, durationMs: 4000, faults: namedFaults(['crash']) });
    const crashes = run.scenario.faults.filter((f) => f.action === 'crash');
    expect(crashes.length).toBeGreaterThan(0);
    for (const c of crashes) if (c.action === 'crash') expect(c.params.restartAfterMs).toBeGreaterThanOrEqual(20);
    const step = run.scenario.clients[0]!.steps[0]!;
    expect(step.op).toHaveProperty('f');
    expect(step.node).toBeGreaterThanOrEqual(1);
  });

  it('replays edits: without faults or operations the run is quieter', () => {
    const run = simulate({ seed: 5, durationMs: 3000, faults: 'swarm' });
    const calm = simulate({ scenario: { ...run.scenario, faults: [], clients: run.scenario.clients.map((c) => ({ ...c, steps: c.steps.slice(0, 3) })) } });
    expect(calm.result.nemesisActions).toBe(1); // the final heal only
    expect(sizeOf(calm.scenario).ops).toBeLessThanOrEqual(3 * run.scenario.clients.length);
  });

  it('runs on fewer nodes: faults on removed nodes go, requests move to surviving nodes', () => {
    const faults: ScheduledFault[] = [
      { atMs: 1, action: 'crash', params: { node: 5, restartAfterMs: 10 } },
      { atMs: 2, action: 'partition', params: { sides: [[1, 4], [2, 5]], durationMs: 10 } },
      { atMs: 3, action: 'partition', params: { sides: [[4], [5]], durationMs: 10 } },
      { atMs: 4, action: 'cut', params: { from: 1, to: [2, 5], durationMs: 10 } },
    ];
    expect(restrictSchedule(faults, 3)).toEqual([
      { atMs: 2, action: 'partition', params: { sides: [[1], [2]], durationMs: 10 } },
      { atMs: 4, action: 'cut', params: { from: 1, to: [2], durationMs: 10 } },
    ]);
    const run = simulate({ seed: 6, nodes: 5, durationMs: 2000, faults: noFaults() });
    const three = withNodes(run.scenario, 3);
    expect(three.clients.flatMap((c) => c.steps).every((st) => st.node <= 3)).toBe(true);
    expect(simulate({ scenario: three }).result.nodes).toBe(3);
  });

  it('rejects malformed files with the field at fault', () => {
    const run = simulate({ seed: 1, durationMs: 2000 });
    const good = JSON.parse(scenarioJson(run.scenario));
    expect(() => validateScenario({ ...good, version: 2 })).toThrow(/version 2 is not supported/);
    expect(() => validateScenario({ ...good, options: { ...good.options, workload: 'kv' } })).toThrow(/options.workload/);
    expect(() => validateScenario({ ...good, faults: [{ atMs: 1, action: 'meteor', params: {} }] })).toThrow(/faults\[0\]/);
    good.clients[0].steps[0].node = 9;
    expect(() => validateScenario(good)).toThrow(/clients\[0\].steps\[0\]/);
  });
});
