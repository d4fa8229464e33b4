import type { Rng } from './rng.js';

/** Every fault the simulator can inject. Defaults are all off (weight 0). */
export const FAULT_NAMES = [
  'loss',
  'delay',
  'duplicate',
  'reorder',
  'partition',
  'partition-asymmetric',
  'isolate',
  'isolate-leader',
  'crash',
  'crash-coordinator',
  'power-loss',
  'disk-partial-flush',
  'disk-torn',
  'disk-corrupt',
  'disk-slow',
  'clock-skew',
  'clock-jump',
  'leader-transfer',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

/** Faults that are settings of the world (rates, clock skew, crash semantics) rather than nemesis actions. */
const SETTINGS: ReadonlySet<FaultName> = new Set(['loss', 'delay', 'duplicate', 'reorder', 'clock-skew', 'disk-partial-flush', 'disk-torn']);

/** Faults the nemesis schedules as discrete actions, weighted by their intensity. */
export const NEMESIS_ACTIONS: readonly FaultName[] = FAULT_NAMES.filter((n) => !SETTINGS.has(n));

/**
 * Fault intensities, one per fault. 0 is off. For rates (loss, duplicate) the
 * value is a per-message probability; for nemesis actions (partitions, crashes,
 * transfers) a relative weight in the nemesis' choice of its next action.
 */
export type FaultOptions = Record<FaultName, number>;

export function noFaults(): FaultOptions {
  return Object.fromEntries(FAULT_NAMES.map((n) => [n, 0])) as FaultOptions;
}

/** Default intensity when a fault is named on the command line. */
const NAMED: FaultOptions = {
  loss: 0.05,
  delay: 0.1,
  duplicate: 0.03,
  reorder: 1,
  partition: 1,
  'partition-asymmetric': 1,
  isolate: 1,
  'isolate-leader': 1,
  crash: 1,
  'crash-coordinator': 1,
  'power-loss': 0.3,
  'disk-partial-flush': 1,
  'disk-torn': 0.5,
  'disk-corrupt': 0.3,
  'disk-slow': 1,
  'clock-skew': 1,
  'clock-jump': 1,
  'leader-transfer': 1,
};

export function namedFaults(names: readonly FaultName[]): FaultOptions {
  const f = noFaults();
  for (const n of names) f[n] = NAMED[n];
  return f;
}

/**
 * Swarm testing: each seed turns on a random subset of faults with random
 * intensities, so some runs hammer one failure mode and others mix many.
 */
export function swarm(rng: Rng): FaultOptions {
  const f = noFaults();
  for (const n of FAULT_NAMES) {
    if (!rng.chance(0.5)) continue;
    switch (n) {
      case 'loss':
        f[n] = rng.range(0.005, 0.2);
        break;
      case 'duplicate':
        f[n] = rng.range(0.005, 0.1);
        break;
      case 'delay':
        f[n] = rng.range(0.01, 0.3);
        break;
      case 'disk-torn':
      case 'disk-corrupt':
      case 'power-loss':
        f[n] = rng.range(0.1, 1);
        break;
      default:
        f[n] = rng.range(0.2, 3);
    }
  }
  return f;
}

export function describeFaults(f: FaultOptions): string {
  const on = FAULT_NAMES.filter((n) => f[n] > 0).map((n) => `${n}=${+f[n].toFixed(3)}`);
  return on.length ? on.join(' ') : 'none';
}
