import type { FaultName } from './faults.js';

/** The two-phase-commit step at which an armed coordinator crash fires. */
export type CoordinatorStep = 'prepare' | 'decide' | 'resolve';

/**
 * One nemesis action with every choice made: which nodes, how long, which
 * step. A seeded run draws these at run time (some choices, such as "the
 * leader", depend on the world) and records them; a scenario replays the
 * recorded list through the same code, without drawing anything.
 */
export type FaultAction =
  /** The nemesis woke up but had nothing to do (a partition was still on, no leader to move...). Kept so a replay has the same events. */
  | { action: 'skip'; params: { drawn: FaultName } }
  /** A setting applied before the run starts, whatever atMs says. */
  | { action: 'clock-skew'; params: { node: number; offsetMs: number; drift: number } }
  | { action: 'partition'; params: { sides: [number[], number[]]; durationMs: number } }
  | { action: 'cut'; params: { from: number; to: number[]; durationMs: number } }
  | { action: 'isolate'; params: { node: number; leader: boolean; durationMs: number } }
  | { action: 'crash'; params: { node: number; restartAfterMs: number } }
  /** restartAfterMs is drawn when the trap fires; null if it never did. */
  | { action: 'arm-coordinator-crash'; params: { step: CoordinatorStep; restartAfterMs: number | null } }
  | { action: 'power-loss'; params: { restarts: { node: number; afterMs: number }[] } }
  | { action: 'disk-corrupt'; params: { node: number; restartAfterMs: number } }
  | { action: 'disk-slow'; params: { node: number; factor: number; durationMs: number } }
  | { action: 'clock-jump'; params: { node: number; jumpMs: number } }
  | { action: 'leader-transfer'; params: { group: number; from: number; to: number } };

export type ScheduledFault = { atMs: number } & FaultAction;

export const FAULT_ACTIONS = [
  'skip',
  'clock-skew',
  'partition',
  'cut',
  'isolate',
  'crash',
  'arm-coordinator-crash',
  'power-loss',
  'disk-corrupt',
  'disk-slow',
  'clock-jump',
  'leader-transfer',
] as const satisfies readonly FaultAction['action'][];

export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}

/** Counts the faults that do something: skips are bookkeeping, not faults. */
export function countFaults(schedule: readonly ScheduledFault[]): number {
  return schedule.filter((f) => f.action !== 'skip').length;
}

/**
 * The schedule for a cluster of `nodes` nodes: actions on removed nodes go,
 * partitions keep their surviving members (and go if a side empties).
 */
export function restrictSchedule(schedule: readonly ScheduledFault[], nodes: number): ScheduledFault[] {
  const ok = (n: number) => n >= 1 && n <= nodes;
  const out: ScheduledFault[] = [];
  for (const f of schedule) {
    switch (f.action) {
      case 'skip':
        out.push(f);
        break;
      case 'partition': {
        const sides: [number[], number[]] = [f.params.sides[0].filter(ok), f.params.sides[1].filter(ok)];
        if (sides[0].length && sides[1].length) out.push({ ...f, params: { ...f.params, sides } });
        break;
      }
      case 'cut': {
        const to = f.params.to.filter(ok);
        if (ok(f.params.from) && to.length) out.push({ ...f, params: { ...f.params, to } });
        break;
      }
      case 'power-loss':
        out.push({ ...f, params: { restarts: f.params.restarts.filter((r) => ok(r.node)) } });
        break;
      case 'arm-coordinator-crash':
        out.push(f);
        break;
      case 'leader-transfer':
        if (ok(f.params.from) && ok(f.params.to)) out.push(f);
        break;
      case 'clock-skew':
      case 'isolate':
      case 'crash':
      case 'disk-corrupt':
      case 'disk-slow':
      case 'clock-jump':
        if (ok(f.params.node)) out.push(f);
        break;
      default:
        assertNever(f);
    }
  }
  return out;
}
