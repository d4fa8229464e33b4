// Shrinks a failing scenario to a smaller one that fails the same way: fewer
// faults, fewer operations, fewer nodes, a shorter run, fewer fault settings.
// Every candidate is one replay; the runner is a parameter so tests can shrink
// against a deliberately broken build that the CLI cannot plant.
import { FAULT_SETTINGS, sizeOf, withNodes, type Scenario, type ScenarioSize } from './scenario.js';
import type { SimResult, SimRun } from './run.js';
import type { ScheduledFault } from './fault-schedule.js';
import type { ClientStep } from './workloads/clients.js';

/** Replays a scenario: `simulate({ scenario })`, plus whatever a test plants. */
export type Runner = (s: Scenario) => SimRun;

export interface ShrinkOptions {
  /** Replays allowed, the first (which establishes the failure) included. */
  budget: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface ShrinkReport {
  /** What the shrunk scenario and the original fail with, e.g. "correctness: serializability: G2". */
  failure: string;
  scenario: Scenario;
  result: SimResult;
  before: ScenarioSize;
  after: ScenarioSize;
  runs: number;
  /** Each accepted reduction, in order. */
  steps: string[];
}

/**
 * The class of a run's failure: the verdict, and for a correctness verdict
 * the kind of its first violation ("serializability: G2", "bank:",
 * "linearizability", "election safety", ...). Null when the run passed.
 */
export function failureClass(r: SimResult): string | null {
  if (r.verdict === 'ok') return null;
  if (r.verdict !== 'correctness') return r.verdict;
  const v = (r.violations[0] ?? '').replace(/^group \d+: /, '').replace(/^t=[\d.]+ms /, '');
  const serial = /^serializability: ([\w-]+)/.exec(v);
  if (serial) return `correctness: serializability: ${serial[1]}`;
  if (v.startsWith('bank:')) return 'correctness: bank:';
  if (v.startsWith('linearizability')) return 'correctness: linearizability';
  return `correctness: ${v.split(':')[0]}`;
}

class OutOfBudget extends Error {}

class Shrinker {
  runs = 0;
  readonly steps: string[] = [];

  constructor(
    private readonly runner: Runner,
    private readonly target: string,
    private readonly opts: ShrinkOptions,
    public current: SimRun,
  ) {}

  /**
   * Replays a candidate; keeps it if it fails the same way. The kept
   * scenario is the one the replay recorded, so operations and faults that
   * never got to run (after a crash verdict, after the clients stopped) go too.
   */
  try(candidate: Scenario, what: string): boolean {
    if (this.runs >= this.opts.budget) throw new OutOfBudget();
    this.runs++;
    const run = this.runner(candidate);
    if (failureClass(run.result) !== this.target) return false;
    this.current = run;
    const z = sizeOf(run.scenario);
    this.steps.push(what);
    this.opts.log?.(`  [${this.runs}] ${what}: ${z.ops} ops, ${z.faults} faults, ${z.nodes} nodes, ${z.durationMs} ms`);
    return true;
  }

  get scenario(): Scenario {
    return this.current.scenario;
  }

  /**
   * Delta debugging over a list (ddmin, complements only): try dropping
   * each chunk in turn, keeping every drop that still fails, then halve the
   * chunk size, down to single items. Items are re-read after each success,
   * since a kept replay may drop more than the chunk (what never ran).
   */
  ddmin<T>(label: string, items: (s: Scenario) => T[], without: (s: Scenario, drop: ReadonlySet<T>) => Scenario): void {
    const all = items(this.scenario);
    if (!all.length || this.try(without(this.scenario, new Set(all)), `drop all ${all.length} ${label}`)) return;
    for (let size = Math.ceil(all.length / 2); ; size = Math.ceil(size / 2)) {
      for (let i = 0; i < items(this.scenario).length; ) {
        const cur = items(this.scenario);
        const chunk = cur.slice(i, i + size);
        if (!this.try(without(this.scenario, new Set(chunk)), `drop ${chunk.length} of ${cur.length} ${label}`)) i += size;
      }
      if (size === 1) return;
    }
  }
}

/** Steps of all clients, in the order they were sent (chunks are windows of time across clients). */
function opsOf(s: Scenario): ClientStep[] {
  return s.clients.flatMap((c) => c.steps).sort((a, b) => a.atMs - b.atMs);
}

/**
 * The scenario without the dropped steps, every kept step still sent when it
 * was. A replayed client waits each step's delay after its previous
 * operation ended, so a kept step that follows dropped ones gets the delay
 * from the end of the last kept one: that end is where the next recorded
 * step's delay starts (its atMs minus its delayMs). Without this, dropping an
 * operation would move every later one of its client, and the failure with
 * them.
 */
function withoutOps(s: Scenario, drop: ReadonlySet<ClientStep>): Scenario {
  return {
    ...s,
    clients: s.clients.map((c) => {
      const steps: ClientStep[] = [];
      // When the client was last free: its start, then the end of each kept step.
      let freeAtMs = c.steps.length ? c.steps[0]!.atMs - c.steps[0]!.delayMs : 0;
      let keptLast = true;
      c.steps.forEach((st, i) => {
        if (keptLast && i > 0) freeAtMs = st.atMs - st.delayMs;
        keptLast = !drop.has(st);
        if (!keptLast) return;
        steps.push(st.atMs - st.delayMs === freeAtMs ? st : { ...st, delayMs: Math.max(0, st.atMs - freeAtMs) });
      });
      return { ...c, steps };
    }),
  };
}

function faultsOf(s: Scenario): ScheduledFault[] {
  return s.faults.filter((f) => f.action !== 'skip');
}

function withoutFaults(s: Scenario, drop: ReadonlySet<ScheduledFault>): Scenario {
  return { ...s, faults: s.faults.filter((f) => !drop.has(f)) };
}

/**
 * Shrinks a failing scenario within a budget of replays. Order: bookkeeping
 * skips, time, faults, operations, nodes, fault settings, idle clients, then
 * faults and operations once more (a smaller world often lets more go).
 */
export function shrink(start: Scenario, runner: Runner, opts: ShrinkOptions): ShrinkReport {
  const first = runner(start);
  const target = failureClass(first.result);
  if (target === null) throw new Error('the scenario passes: there is no failure to shrink');
  const s = new Shrinker(runner, target, opts, first);
  s.runs = 1;
  opts.log?.(`shrinking a failure of class "${target}" (budget ${opts.budget} runs)`);
  try {
    if (s.scenario.faults.some((f) => f.action === 'skip')) s.try({ ...s.scenario, faults: s.scenario.faults.filter((f) => f.action !== 'skip') }, 'drop idle nemesis wake-ups');
    // Focus first: the operations after a history violation (reads that let
    // the checker order the versions it names) are still there to keep when
    // it drops what came before; truncating first would drop them, and then
    // neither half alone shows the anomaly.
    focusOnViolation(s);
    truncateAfterFailure(s);
    shortenDuration(s);
    for (let round = 0; round < 2; round++) {
      s.ddmin('faults', faultsOf, withoutFaults);
      s.ddmin('ops', opsOf, withoutOps);
      if (round === 0) {
        fewerNodes(s);
        fewerSettings(s);
        if (s.scenario.clients.some((c) => c.steps.length === 0)) s.try({ ...s.scenario, clients: s.scenario.clients.filter((c) => c.steps.length > 0) }, 'drop idle clients');
        shortenDuration(s);
      }
    }
  } catch (e) {
    if (!(e instanceof OutOfBudget)) throw e;
    opts.log?.(`budget of ${opts.budget} runs spent`);
  }
  return { failure: target, scenario: s.scenario, result: s.current.result, before: sizeOf(start), after: sizeOf(s.scenario), runs: s.runs, steps: s.steps };
}

/**
 * When the failure happened: the time a Raft violation or a crash names, or
 * the end of the last operation a history violation involves. Null if unknown.
 */
export function failureTime(run: SimRun): number | null {
  const f = run.findings[0];
  if (!f) return null;
  const t = /^(?:group \d+: )?(?:crash at )?t=([\d.]+)ms/.exec(f.text);
  if (t) return Number(t[1]);
  if (f.ops?.length) return Math.max(...f.ops.map((o) => o.completeMs));
  return null;
}

/**
 * Drops what comes after the failure: operations sent and faults begun
 * later, then a duration that ends the safety phase just after it. A Raft
 * violation or a crash is detected as it happens, so for those nothing
 * before it changes; a history violation may need later reads, so this is
 * only tried like any other step.
 */
function truncateAfterFailure(s: Shrinker): void {
  const t = failureTime(s.current);
  if (t === null) return;
  const sc = s.scenario;
  const later = new Set([...opsOf(sc).filter((st) => st.atMs > t), ...faultsOf(sc).filter((f) => f.atMs > t)]);
  if (later.size) s.try({ ...withoutOps(sc, later as Set<ClientStep>), faults: sc.faults.filter((f) => !later.has(f)) }, `drop what came after the failure at ${t.toFixed(0)} ms`);
  const d = Math.max(1000, Math.ceil((t + 1) / 0.7));
  if (d < s.scenario.options.durationMs) s.try({ ...s.scenario, options: { ...s.scenario.options, durationMs: d } }, `duration ${s.scenario.options.durationMs} -> ${d} ms (heal just after the failure)`);
}

/**
 * For a history violation, which names the operations it involves: keeps
 * only those; else drops everything sent before the first of them (the
 * anomaly may need later reads to be visible); else everything sent outside
 * the time they ran. Delta debugging gets there too, a chunk at a time, but
 * every chunk holding a named operation fails to go, and it can get stuck
 * well above the few operations an anomaly needs.
 */
function focusOnViolation(s: Shrinker): void {
  const named = s.current.findings[0]?.ops;
  if (!named?.length) return;
  const sc = s.scenario;
  const keep = new Set<ClientStep>();
  for (const o of named) {
    // Clients are numbered from 1.
    const step = o.client === undefined ? undefined : sc.clients[o.client - 1]?.steps.find((st) => st.atMs === o.invokeMs);
    if (!step) return;
    keep.add(step);
  }
  const all = opsOf(sc);
  if (keep.size === all.length) return;
  const from = Math.min(...named.map((o) => o.invokeMs));
  const to = Math.max(...named.map((o) => o.completeMs));
  const candidates: [ClientStep[], string][] = [
    [all.filter((st) => !keep.has(st)), `keep only the ${keep.size} operations the violation names`],
    [all.filter((st) => !keep.has(st) && st.atMs < from), `drop the operations sent before the violation's first (${from.toFixed(0)} ms)`],
    [all.filter((st) => !keep.has(st) && (st.atMs < from || st.atMs > to)), `keep only the operations sent while the violation's ran (${from.toFixed(0)}-${to.toFixed(0)} ms)`],
  ];
  for (const [drop, what] of candidates) if (drop.length && s.try(withoutOps(sc, new Set(drop)), what)) return;
}

/** Halves the duration while the failure holds (at least 1 s). */
function shortenDuration(s: Shrinker): void {
  for (;;) {
    const d = s.scenario.options.durationMs;
    const half = Math.max(1000, Math.round(d / 2));
    if (half >= d || !s.try({ ...s.scenario, options: { ...s.scenario.options, durationMs: half } }, `duration ${d} -> ${half} ms`)) return;
  }
}

/** Tries the smallest cluster first: one success ends the search. */
function fewerNodes(s: Shrinker): void {
  const n = s.scenario.options.nodes;
  for (let k = 1; k < n; k++) if (s.try(withNodes(s.scenario, k), `nodes ${n} -> ${k}`)) return;
}

/** All fault settings off at once, else one at a time. */
function fewerSettings(s: Shrinker): void {
  const on = FAULT_SETTINGS.filter((k) => s.scenario.options.faults[k] > 0);
  const off = (keys: readonly string[]) => ({ ...s.scenario, options: { ...s.scenario.options, faults: { ...s.scenario.options.faults, ...Object.fromEntries(keys.map((k) => [k, 0])) } } });
  if (!on.length || s.try(off(on), `fault settings off: ${on.join(', ')}`)) return;
  for (const k of on) s.try(off([k]), `${k} off`);
}
