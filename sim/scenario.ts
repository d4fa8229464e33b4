// A scenario: everything a run drew from its faults and workload streams,
// written out so it can be replayed, edited by hand, and shrunk. What it does
// not hold (message latencies, disk latencies, election timeouts, client
// network hops) still comes from the seed's other named streams, which a
// replay shares with the run it was recorded from.
import { readFileSync, writeFileSync } from 'node:fs';
import { FAULT_NAMES, type FaultOptions } from './faults.js';
import { countFaults, FAULT_ACTIONS, restrictSchedule, type ScheduledFault } from './fault-schedule.js';
import type { Tuning } from './run.js';
import type { ClientScript } from './workloads/clients.js';

export const SCENARIO_FORMAT = 'camusdb-sim-scenario';
export const SCENARIO_VERSION = 1;

export const WORKLOADS = ['register', 'list-append', 'bank', 'sql'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface ScenarioOptions {
  nodes: number;
  /** Raft groups per node (1 for register). */
  partitions: number;
  durationMs: number;
  livenessMs: number;
  workload: WorkloadName;
  tuning: Tuning;
  /** Fault intensities. Replays use the settings among them (loss, delay, duplicate, reorder, disk-torn, disk-partial-flush); the nemesis' weights are kept as a record of how the schedule was drawn. */
  faults: FaultOptions;
}

export interface Scenario {
  format: typeof SCENARIO_FORMAT;
  version: typeof SCENARIO_VERSION;
  /** Seeds the streams a scenario does not hold: network, disks, node randomness (election timers), client hops. */
  seed: number;
  options: ScenarioOptions;
  /** The nemesis' actions in time order. */
  faults: ScheduledFault[];
  /** Per client, its requests in order (the op's shape depends on the workload). */
  clients: ClientScript[];
  /** sql only: the node of each schema-setup attempt. */
  setupNodes?: number[];
  /** Free text: where the scenario came from, what it shows. */
  note?: string;
}

/** Sizes that shrinking reduces. */
export interface ScenarioSize {
  ops: number;
  /** Nemesis actions that do something (skips not counted). */
  faults: number;
  /** Fault settings switched on (message loss, delay, duplication, reordering, torn writes, partial flush); clock skew is in the schedule. */
  faultSettings: number;
  nodes: number;
  clients: number;
  durationMs: number;
}

const SETTINGS = ['loss', 'delay', 'duplicate', 'reorder', 'disk-torn', 'disk-partial-flush'] as const;
export type FaultSetting = (typeof SETTINGS)[number];
/** Settings a replay reads from options.faults (clock skew is in the schedule, as per-node actions). */
export const FAULT_SETTINGS: readonly FaultSetting[] = SETTINGS;

export function sizeOf(s: Scenario): ScenarioSize {
  return {
    ops: s.clients.reduce((n, c) => n + c.steps.length, 0),
    faults: countFaults(s.faults),
    faultSettings: FAULT_SETTINGS.filter((k) => s.options.faults[k] > 0).length,
    nodes: s.options.nodes,
    clients: s.clients.length,
    durationMs: s.options.durationMs,
  };
}

export function formatSize(z: ScenarioSize): string {
  return `${z.ops} ops, ${z.faults} faults, ${z.faultSettings} fault settings, ${z.nodes} nodes, ${z.clients} clients, ${z.durationMs} ms`;
}

/**
 * The scenario on `nodes` nodes: faults on removed nodes go, and clients
 * whose request went to a removed node send it to a surviving one instead.
 */
export function withNodes(s: Scenario, nodes: number): Scenario {
  const remap = (n: number) => ((n - 1) % nodes) + 1;
  return {
    ...s,
    options: { ...s.options, nodes },
    faults: restrictSchedule(s.faults, nodes),
    clients: s.clients.map((c) => ({ ...c, steps: c.steps.map((st) => ({ ...st, node: remap(st.node) })) })),
    setupNodes: s.setupNodes?.map(remap),
  };
}

export class ScenarioError extends Error {}

/**
 * Checks the shape of a parsed scenario file, enough that a replay fails with
 * a clear message rather than deep inside the run. Operations are checked by
 * shape only (their fields depend on the workload).
 */
export function validateScenario(x: unknown, where = 'scenario'): Scenario {
  const fail = (msg: string): never => {
    throw new ScenarioError(`${where}: ${msg}`);
  };
  if (typeof x !== 'object' || x === null) fail('not a JSON object');
  const s = x as Partial<Scenario>;
  if (s.format !== SCENARIO_FORMAT) fail(`format must be "${SCENARIO_FORMAT}"`);
  if (s.version !== SCENARIO_VERSION) fail(`version ${String(s.version)} is not supported (this build reads version ${SCENARIO_VERSION})`);
  if (!Number.isSafeInteger(s.seed) || s.seed! < 0) fail('seed must be a non-negative integer');
  const o = s.options;
  if (!o || typeof o !== 'object') fail('options missing');
  if (!Number.isInteger(o!.nodes) || o!.nodes < 1 || o!.nodes > 9) fail('options.nodes must be 1..9');
  if (!Number.isInteger(o!.partitions) || o!.partitions < 1 || o!.partitions > 16) fail('options.partitions must be 1..16');
  if (!(WORKLOADS as readonly string[]).includes(o!.workload)) fail(`options.workload must be one of ${WORKLOADS.join(', ')}`);
  if (o!.workload === 'register' && o!.partitions !== 1) fail('the register workload runs one partition');
  if (typeof o!.durationMs !== 'number' || o!.durationMs < 1) fail('options.durationMs must be a positive number');
  if (typeof o!.livenessMs !== 'number') fail('options.livenessMs must be a number');
  if (!o!.tuning || typeof o!.tuning.tickMs !== 'number') fail('options.tuning missing');
  for (const n of FAULT_NAMES) if (typeof o!.faults?.[n] !== 'number') fail(`options.faults.${n} must be a number`);
  if (!Array.isArray(s.faults)) fail('faults must be a list');
  for (const [i, f] of s.faults!.entries()) {
    if (typeof f?.atMs !== 'number' || !(FAULT_ACTIONS as readonly string[]).includes(f.action) || typeof f.params !== 'object') fail(`faults[${i}] must be {atMs, action, params} with a known action`);
  }
  if (!Array.isArray(s.clients)) fail('clients must be a list');
  for (const [i, c] of s.clients!.entries()) {
    if (!Array.isArray(c?.steps) || !(c.tailMs === null || typeof c.tailMs === 'number')) fail(`clients[${i}] must be {steps, tailMs}`);
    for (const [j, st] of c.steps.entries()) {
      if (typeof st?.delayMs !== 'number' || !Number.isInteger(st.node) || st.node < 1 || st.node > o!.nodes || st.op === undefined) fail(`clients[${i}].steps[${j}] must be {delayMs, node (1..nodes), op}`);
    }
  }
  return s as Scenario;
}

export function readScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`${path}: not JSON: ${(e as Error).message}`);
  }
  return validateScenario(parsed, path);
}

/** One client step per line: diffable, and still readable at thousands of operations. */
export function scenarioJson(s: Scenario): string {
  const { clients, faults, ...head } = s;
  const lines = [JSON.stringify(head, null, 2).replace(/\n}$/, ',')];
  lines.push('  "faults": [');
  lines.push(faults.map((f) => `    ${JSON.stringify(f)}`).join(',\n'));
  lines.push('  ],', '  "clients": [');
  lines.push(
    clients
      .map((c) => `    {"tailMs": ${JSON.stringify(c.tailMs)}, "steps": [\n${c.steps.map((st) => `      ${JSON.stringify(st)}`).join(',\n')}\n    ]}`)
      .join(',\n'),
  );
  lines.push('  ]', '}');
  return lines.join('\n') + '\n';
}

export function writeScenario(path: string, s: Scenario): void {
  writeFileSync(path, scenarioJson(s));
}
