// Parsing, aggregation and formatting for `npm run sim:sweep`. Everything here
// is pure so it can be tested without processes; sim/sweep.ts runs the workers.
import { parseArgs, parseIntArg, splitFlag, UsageError } from './args.js';
import { EXIT_CODES, type SimOptions, type SimResult, type Verdict } from './run.js';

export const VERDICTS: readonly Verdict[] = ['ok', 'correctness', 'liveness', 'crash'];

/**
 * How bad a verdict is, for the exit code: a crash hides whatever else the run
 * would have found, and a safety violation matters more than a stall. This is
 * not the order of the exit codes themselves (liveness is 4, correctness 3).
 */
const SEVERITY: Record<Verdict, number> = { ok: 0, liveness: 1, correctness: 2, crash: 3 };

/** Exit code of a sweep stopped by SIGINT (128 + 2, as a shell reports it). */
export const INTERRUPTED_EXIT_CODE = 130;

/** The options of `npm run sim` that every seed of a sweep runs with. */
const PASS_THROUGH: ReadonlySet<string> = new Set(['--nodes', '--partitions', '--duration', '--faults', '--tuning', '--workload']);

export function sweepHelp(cpus: number): string {
  return `usage: npm run sim:sweep -- (--seeds N | --from A --to B) [options]

  --seeds N         run seeds 1..N
  --from A --to B   run seeds A..B (inclusive)
  --workers W       worker processes (default: the number of CPUs, here ${cpus})
  --json FILE       write the full report to FILE
  --fail-fast       stop at the first seed whose verdict is not ok
  --nodes, --partitions, --duration, --faults, --tuning, --workload
                    passed to every seed, as for \`npm run sim\` (see npm run sim -- --help)
  -h, --help        this text

Exit codes: 0 every seed ok, 2 bad usage, 130 interrupted; otherwise the code of
the worst verdict found: crash ${EXIT_CODES.crash}, then correctness ${EXIT_CODES.correctness}, then liveness ${EXIT_CODES.liveness}.`;
}

export interface SweepArgs {
  from: number;
  to: number;
  workers: number;
  jsonFile: string | null;
  failFast: boolean;
  help: boolean;
  /** The `npm run sim` options given, verbatim; every worker parses them with sim/args.ts. */
  simArgv: string[];
  /** Those options as `npm run sim` parses them (the seed is a placeholder). */
  sim: SimOptions;
  /** The options every seed runs with, spelled out as in a reproduce command. */
  simText: string;
}

/**
 * Parses the sweep's own options and hands the rest to sim/args.ts, so the
 * run options mean and validate exactly what they do for `npm run sim`.
 * Throws UsageError on anything it does not accept.
 */
export function parseSweepArgs(argv: readonly string[], cpus: number): SweepArgs {
  let seeds: number | undefined;
  let from: number | undefined;
  let to: number | undefined;
  let workers = Math.max(1, cpus);
  let jsonFile: string | null = null;
  let failFast = false;
  let help = false;
  const simArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const { flag, inline } = splitFlag(raw);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--seeds':
        seeds = parseIntArg('--seeds', value(), 1, Number.MAX_SAFE_INTEGER);
        break;
      case '--from':
        from = parseIntArg('--from', value(), 0, Number.MAX_SAFE_INTEGER);
        break;
      case '--to':
        to = parseIntArg('--to', value(), 0, Number.MAX_SAFE_INTEGER);
        break;
      case '--workers':
        workers = parseIntArg('--workers', value(), 1, 1024);
        break;
      case '--json': {
        // `npm run sim -- --json` is a flag, so a sweep given --json without a
        // file name must not swallow the next option as one.
        const f = value();
        if (f === undefined || f === '' || f.startsWith('-')) throw new UsageError(`--json needs a file name to write the report to, got ${f === undefined ? 'nothing' : JSON.stringify(f)}`);
        jsonFile = f;
        break;
      }
      case '--fail-fast':
        if (inline !== undefined) throw new UsageError(`--fail-fast takes no value, got ${JSON.stringify(raw)}`);
        failFast = true;
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      case '--seed':
        throw new UsageError('--seed runs one seed (npm run sim -- --seed N); a sweep takes --seeds N or --from A --to B');
      default:
        if (!PASS_THROUGH.has(flag)) throw new UsageError(`unknown option ${JSON.stringify(raw)}`);
        if (inline !== undefined) simArgv.push(raw);
        else {
          simArgv.push(flag);
          // A missing value is left for sim/args.ts to report in its own words.
          if (i + 1 < argv.length) simArgv.push(argv[++i]!);
        }
    }
  }
  const parsed = parseArgs(simArgv, () => 0);
  const simText = reproduceArgv(parsed.reproduce).join(' ');
  if (help) return { from: 1, to: 1, workers, jsonFile, failFast, help, simArgv, sim: parsed.options, simText };
  if (seeds !== undefined && (from !== undefined || to !== undefined)) throw new UsageError('give either --seeds N or --from A --to B, not both');
  if (seeds !== undefined) {
    from = 1;
    to = seeds;
  }
  if (from === undefined && to === undefined) throw new UsageError('which seeds? give --seeds N (seeds 1..N) or --from A --to B');
  if (from === undefined || to === undefined) throw new UsageError('--from and --to go together');
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  return { from, to, workers, jsonFile, failFast, help, simArgv, sim: parsed.options, simText };
}

/** The run options of a reproduce command, without `npm run sim -- --seed N`. */
function reproduceArgv(reproduce: readonly string[]): string[] {
  const i = reproduce.indexOf('--seed');
  return [...reproduce.slice(reproduce.indexOf('--') + 1, i), ...reproduce.slice(i + 2)];
}

/** The command that reruns one seed of the sweep alone, built by sim/args.ts like `npm run sim` builds its own. */
export function reproduceCommand(args: Pick<SweepArgs, 'simArgv'>, seed: number): string {
  return parseArgs([...args.simArgv, '--seed', String(seed)], () => seed).reproduce.join(' ');
}

/** What a worker sends back for one seed: enough to tally and to report a failure. */
export interface SeedSummary {
  seed: number;
  verdict: Verdict;
  traceHash: string;
  events: number;
  simulatedMs: number;
  wallMs: number;
  crashes: number;
  elections: number;
  ops: { ok: number; failed: number; indeterminate: number };
  /** First line of the first violation; null when the verdict is ok. */
  violation: string | null;
}

export function summarize(r: SimResult): SeedSummary {
  const first = r.violations[0];
  return {
    seed: r.seed,
    verdict: r.verdict,
    traceHash: r.traceHash,
    events: r.events,
    simulatedMs: r.simulatedMs,
    wallMs: r.wallMs,
    crashes: r.crashes,
    elections: r.elections,
    ops: { ...r.ops },
    violation: first === undefined ? null : first.split('\n', 1)[0]!,
  };
}

/** A seed whose run never produced a result (it threw past the simulator, or killed its worker). */
export function crashSummary(seed: number, why: string, wallMs = 0): SeedSummary {
  return {
    seed,
    verdict: 'crash',
    traceHash: '',
    events: 0,
    simulatedMs: 0,
    wallMs,
    crashes: 0,
    elections: 0,
    ops: { ok: 0, failed: 0, indeterminate: 0 },
    violation: why.split('\n', 1)[0]!,
  };
}

/** Running totals of a sweep. */
export class Tally {
  readonly counts: Record<Verdict, number> = { ok: 0, correctness: 0, liveness: 0, crash: 0 };
  readonly results: SeedSummary[] = [];
  simulatedMs = 0;
  /** Sum of the seeds' own wall times (worker time, not the sweep's elapsed time). */
  seedWallMs = 0;
  events = 0;

  get done(): number {
    return this.results.length;
  }

  add(s: SeedSummary): void {
    this.results.push(s);
    this.counts[s.verdict]++;
    this.simulatedMs += s.simulatedMs;
    this.seedWallMs += s.wallMs;
    this.events += s.events;
  }

  worst(): Verdict {
    let w: Verdict = 'ok';
    for (const v of VERDICTS) if (this.counts[v] > 0 && SEVERITY[v] > SEVERITY[w]) w = v;
    return w;
  }

  failures(): SeedSummary[] {
    return this.results.filter((s) => s.verdict !== 'ok').sort((a, b) => a.seed - b.seed);
  }
}

export type StopReason = 'done' | 'interrupted' | 'fail-fast';

export function exitCodeOf(tally: Tally, stop: StopReason): number {
  return stop === 'interrupted' ? INTERRUPTED_EXIT_CODE : EXIT_CODES[tally.worst()];
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function verdictCounts(tally: Tally, sep: string): string {
  // Verdicts that did not occur are left out to keep the line short; ok always shows.
  return VERDICTS.filter((v) => v === 'ok' || tally.counts[v] > 0)
    .map((v) => `${v} ${tally.counts[v]}`)
    .join(sep);
}

export interface ProgressState {
  tally: Tally;
  total: number;
  elapsedMs: number;
}

/** The one progress line: a bar for a terminal (overwritten in place), plain text for a log. */
export function formatProgress(p: ProgressState, tty: boolean, columns = 100): string {
  const { tally, total, elapsedMs } = p;
  const rate = elapsedMs > 0 ? (tally.done / elapsedMs) * 1000 : 0;
  const eta = tally.done > 0 ? formatDuration(((total - tally.done) / rate) * 1000) : '?';
  const pct = total > 0 ? (100 * tally.done) / total : 100;
  const text = `${tally.done}/${total} (${pct.toFixed(1)}%) ${rate.toFixed(1)} seeds/s ETA ${eta}`;
  if (!tty) return `sim:sweep: ${text}, elapsed ${formatDuration(elapsedMs)}; ${verdictCounts(tally, ', ')}`;
  const width = 20;
  const filled = Math.min(width, Math.floor((width * tally.done) / Math.max(1, total)));
  const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text} | ${verdictCounts(tally, ' ')}`;
  // A line longer than the terminal wraps, and `\r` would then redraw only its tail.
  // A terminal that reports no sensible width (a pty without a size says 0) is not cut to nothing.
  return columns >= 20 && line.length > columns - 1 ? line.slice(0, columns - 1) : line;
}

export interface SweepReport {
  options: {
    from: number;
    to: number;
    workers: number;
    failFast: boolean;
    nodes: number;
    durationMs: number;
    faults: string;
    tuning: string | null;
    workload: string;
    /** The run options as given to every seed, in `npm run sim` syntax. */
    sim: string;
  };
  stop: StopReason;
  exitCode: number;
  totals: {
    planned: number;
    seeds: number;
    wallMs: number;
    seedsPerSecond: number;
    simulatedMs: number;
    /** Simulated seconds per wall second summed over all workers. */
    simulatedPerWallSecond: number;
    /** Simulated seconds per second of one worker's time (seed wall times added up). */
    simulatedPerWorkerSecond: number;
    events: number;
  };
  verdicts: Record<Verdict, number>;
  failures: { seed: number; verdict: Verdict; violation: string | null; traceHash: string; reproduce: string }[];
  /** Every seed that finished, by seed: trace hashes to compare across commits. */
  results: SeedSummary[];
}

export function buildReport(args: SweepArgs, workers: number, tally: Tally, wallMs: number, stop: StopReason): SweepReport {
  const faultsAt = args.simText.split(' ');
  const faults = faultsAt[faultsAt.indexOf('--faults') + 1] ?? 'swarm';
  return {
    options: {
      from: args.from,
      to: args.to,
      workers,
      failFast: args.failFast,
      nodes: args.sim.nodes,
      durationMs: args.sim.durationMs,
      faults,
      tuning: args.sim.tuning ?? null,
      workload: args.sim.workload,
      sim: args.simText,
    },
    stop,
    exitCode: exitCodeOf(tally, stop),
    totals: {
      planned: args.to - args.from + 1,
      seeds: tally.done,
      wallMs: Math.round(wallMs),
      seedsPerSecond: round2(wallMs > 0 ? (tally.done / wallMs) * 1000 : 0),
      simulatedMs: tally.simulatedMs,
      simulatedPerWallSecond: round2(wallMs > 0 ? tally.simulatedMs / wallMs : 0),
      simulatedPerWorkerSecond: round2(tally.seedWallMs > 0 ? tally.simulatedMs / tally.seedWallMs : 0),
      events: tally.events,
    },
    verdicts: { ...tally.counts },
    failures: tally.failures().map((s) => ({ seed: s.seed, verdict: s.verdict, violation: s.violation, traceHash: s.traceHash, reproduce: reproduceCommand(args, s.seed) })),
    results: [...tally.results].sort((a, b) => a.seed - b.seed),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The end-of-sweep text for stdout: what ran, verdicts, speed, and how to rerun every failure. */
export function formatReport(r: SweepReport): string {
  const o = r.options;
  const t = r.totals;
  const lines = [`sweep        seeds ${o.from}..${o.to} on ${o.workers} worker${o.workers === 1 ? '' : 's'}: ${o.sim}`];
  if (r.stop === 'interrupted') lines.push(`interrupted  after ${t.seeds} of ${t.planned} seeds; seeds still running were dropped`);
  if (r.stop === 'fail-fast') lines.push(`stopped      at the first failure (--fail-fast), after ${t.seeds} of ${t.planned} seeds`);
  lines.push('', 'verdict        count    share');
  for (const v of VERDICTS) {
    const share = t.seeds > 0 ? (100 * r.verdicts[v]) / t.seeds : 0;
    lines.push(`${v.padEnd(12)} ${String(r.verdicts[v]).padStart(7)}  ${share.toFixed(2).padStart(6)}%`);
  }
  lines.push(
    '',
    `seeds        ${t.seeds} in ${(t.wallMs / 1000).toFixed(1)} s wall, ${t.seedsPerSecond.toFixed(2)} seeds/s`,
    `simulated    ${(t.simulatedMs / 1000).toFixed(0)} s, ${t.simulatedPerWallSecond.toFixed(1)} simulated s per wall s across workers (${t.simulatedPerWorkerSecond.toFixed(1)} per worker)`,
    `events       ${t.events}`,
  );
  if (r.failures.length === 0) lines.push('', t.seeds > 0 ? 'every seed that finished is ok' : 'no seed finished');
  else {
    lines.push('', `failing seeds (${r.failures.length}):`);
    for (const f of r.failures) {
      lines.push(`  seed ${f.seed}  ${f.verdict}  ${f.violation ?? ''}`.trimEnd(), `    ${f.reproduce}`);
    }
    lines.push('', 'add --shrink to a command for a minimal scenario, --html FILE for its timeline (docs/simulation.md)');
  }
  return lines.join('\n');
}
