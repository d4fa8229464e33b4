// Parsing and printing for `npm run sim`; sim/cli.ts is the entry point.
import { FAULT_NAMES, namedFaults, noFaults, type FaultName, type FaultOptions } from './faults.js';
import { DEFAULT_SIM_OPTIONS, DEFAULT_TXN_PARTITIONS, EXIT_CODES, type SimOptions, type SimResult } from './run.js';

export class UsageError extends Error {}

export const DEFAULT_SHRINK_BUDGET = 200;
/** Exit code of --check-determinism when the two runs differ. */
export const NONDETERMINISTIC_EXIT = 6;

export const HELP = `usage: npm run sim -- [options]

  --seed N          run seed N (a non-negative integer; default: a random seed, printed)
  --nodes N         cluster size, 1..9 (default ${DEFAULT_SIM_OPTIONS.nodes})
  --duration T      simulated workload time, e.g. 10000, 10000ms or 10s (default ${DEFAULT_SIM_OPTIONS.durationMs}ms)
  --faults F        none | swarm | comma-separated fault names (default swarm)
                    faults: ${FAULT_NAMES.join(', ')}
  --tuning T        swarm | default: draw the system's knobs (tick, batch sizes, disk latency...)
                    per seed, or use the defaults (default: swarm when --faults is swarm)
  --workload W      register (default): single-key get/put/cas/delete, checked for linearizability
                    list-append: serializable transactions (Elle's model), checked for dependency cycles
                    bank: transfers and full audits; every committed audit must see the initial total
                    sql: interactive SQL transactions on several tables (list-append through SQL,
                    checked by Elle; CamusDB's on-call write-skew example, checked never to leave
                    nobody on call)
  --partitions P    Raft partitions, 1..16, for list-append, bank and sql (default ${DEFAULT_TXN_PARTITIONS});
                    keys spread over them, so transactions take two-phase commit
  --json            print one JSON line instead of the table
  -h, --help        this text

Reproducing, shrinking, looking:
  --write-scenario F  also write the run's scenario (options, fault schedule, every client's
                    operations) to F; replaying it gives the same trace hash
  --scenario F      replay scenario file F instead of drawing from a seed (takes none of
                    --seed --nodes --duration --faults --tuning --workload --partitions)
  --shrink          search for a smaller scenario failing the same way (same verdict and kind
                    of first violation); writes it to --out (default shrunk-<seed>.json)
  --out F           where --shrink writes
  --shrink-budget N replays --shrink may spend, 1..100000 (default ${DEFAULT_SHRINK_BUDGET})
  --check-determinism  run twice, compare event by event, name the first event that differs
  --html F          write the run's timeline as one self-contained HTML page (with --shrink:
                    the shrunk run's)

Exit codes: 0 ok, 2 bad usage, ${EXIT_CODES.correctness} correctness violation, ${EXIT_CODES.liveness} liveness failure, ${EXIT_CODES.crash} crash,
${NONDETERMINISTIC_EXIT} nondeterministic (--check-determinism). --shrink exits with the shrunk scenario's verdict.`;


export interface CliArgs {
  options: SimOptions;
  json: boolean;
  help: boolean;
  /** A scenario file to replay instead of a seed. */
  scenario: string | null;
  writeScenario: string | null;
  shrink: boolean;
  out: string | null;
  shrinkBudget: number;
  checkDeterminism: boolean;
  html: string | null;
  /** The argv that reproduces this run exactly. */
  reproduce: string[];
}

/** A whole number in [lo, hi] for option `name`; throws UsageError otherwise. */
export function parseIntArg(name: string, v: string | undefined, lo: number, hi: number): number {
  if (v === undefined || !/^\d+$/.test(v)) throw new UsageError(`${name} needs a whole number, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < lo || n > hi) throw new UsageError(`${name} must be between ${lo} and ${hi}, got ${v}`);
  return n;
}

function parseDuration(v: string | undefined): number {
  const m = v === undefined ? null : /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v);
  if (!m) throw new UsageError(`--duration needs a time like 10000, 500ms or 10s, got ${JSON.stringify(v ?? '')}`);
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (ms < 1000 || ms > 3_600_000) throw new UsageError(`--duration must be between 1s and 1h, got ${v}`);
  return Math.round(ms);
}

function parseFaults(v: string | undefined): FaultOptions | 'swarm' {
  if (v === undefined || v === '') throw new UsageError('--faults needs none, swarm or a list of fault names');
  if (v === 'swarm') return 'swarm';
  if (v === 'none') return noFaults();
  const names = v.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(FAULT_NAMES as readonly string[]).includes(n)) throw new UsageError(`unknown fault ${JSON.stringify(n)}; known: ${FAULT_NAMES.join(', ')}`);
  }
  return namedFaults(names as FaultName[]);
}

/** Splits `--flag=value` into its flag and inline value; anything else is a flag with no inline value. */
export function splitFlag(raw: string): { flag: string; inline: string | undefined } {
  const eq = raw.indexOf('=');
  return raw.startsWith('--') && eq > 0 ? { flag: raw.slice(0, eq), inline: raw.slice(eq + 1) } : { flag: raw, inline: undefined };
}

export function parseArgs(argv: readonly string[], randomSeed: () => number): CliArgs {
  const options: SimOptions = { ...DEFAULT_SIM_OPTIONS };
  let json = false;
  let help = false;
  let seedGiven = false;
  let faultsText = 'swarm';
  const extra = { scenario: null as string | null, writeScenario: null as string | null, shrink: false, out: null as string | null, shrinkBudget: DEFAULT_SHRINK_BUDGET, checkDeterminism: false, html: null as string | null };
  /** Run options given explicitly, which a scenario would contradict. */
  const runFlags: string[] = [];
  const path = (flag: string, v: string | undefined) => {
    if (!v || v.startsWith('--')) throw new UsageError(`${flag} needs a file name`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const { flag, inline } = splitFlag(raw);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (['--seed', '--nodes', '--duration', '--faults', '--tuning', '--workload', '--partitions'].includes(flag)) runFlags.push(flag);
    switch (flag) {
      case '--seed':
        options.seed = parseIntArg('--seed', value(), 0, Number.MAX_SAFE_INTEGER);
        seedGiven = true;
        break;
      case '--nodes':
        options.nodes = parseIntArg('--nodes', value(), 1, 9);
        break;
      case '--duration':
        options.durationMs = parseDuration(value());
        break;
      case '--faults':
        faultsText = value() ?? '';
        options.faults = parseFaults(faultsText);
        break;
      case '--tuning': {
        const t = value();
        if (t !== 'swarm' && t !== 'default') throw new UsageError(`--tuning needs swarm or default, got ${JSON.stringify(t ?? '')}`);
        options.tuning = t;
        break;
      }
      case '--workload': {
        const w = value();
        if (w !== 'register' && w !== 'list-append' && w !== 'bank' && w !== 'sql') throw new UsageError(`unknown workload ${JSON.stringify(w ?? '')}; known: register, list-append, bank, sql`);
        options.workload = w;
        break;
      }
      case '--partitions':
        options.partitions = parseIntArg('--partitions', value(), 1, 16);
        break;
      case '--json':
        json = true;
        break;
      case '--scenario':
        extra.scenario = path(flag, value());
        break;
      case '--write-scenario':
        extra.writeScenario = path(flag, value());
        break;
      case '--shrink':
        extra.shrink = true;
        break;
      case '--out':
        extra.out = path(flag, value());
        break;
      case '--shrink-budget':
        extra.shrinkBudget = parseIntArg('--shrink-budget', value(), 1, 100_000);
        break;
      case '--check-determinism':
        extra.checkDeterminism = true;
        break;
      case '--html':
        extra.html = path(flag, value());
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(raw)}`);
    }
  }
  if (extra.scenario && runFlags.length) throw new UsageError(`--scenario replays a file's options; drop ${runFlags.join(', ')}`);
  if (extra.shrink && extra.checkDeterminism) throw new UsageError('--shrink and --check-determinism are separate runs; give one');
  if (extra.out && !extra.shrink) throw new UsageError('--out is where --shrink writes; it needs --shrink');
  if (!seedGiven) options.seed = randomSeed();
  if (options.workload === 'register' && options.partitions !== undefined && options.partitions !== 1) {
    throw new UsageError('--partitions applies to the list-append, bank and sql workloads; register runs one group');
  }
  const reproduce = ['npm', 'run', 'sim', '--', '--seed', String(options.seed), '--nodes', String(options.nodes), '--duration', `${options.durationMs}ms`, '--faults', faultsText, '--workload', options.workload];
  if (options.partitions !== undefined) reproduce.push('--partitions', String(options.partitions));
  if (options.tuning) reproduce.push('--tuning', options.tuning);
  return { options, json, help, reproduce: extra.scenario ? ['npm', 'run', 'sim', '--', '--scenario', extra.scenario] : reproduce, ...extra };
}

export function formatSummary(r: SimResult, reproduce: string[]): string {
  const lines = [
    `seed         ${r.seed}`,
    `verdict      ${r.verdict}`,
    `trace hash   ${r.traceHash}`,
    `nodes        ${r.nodes}${r.partitions > 1 ? `, ${r.partitions} partitions` : ''}`,
    `faults       ${r.faults}`,
    `simulated    ${r.simulatedMs} ms in ${r.wallMs} ms wall (${(r.simulatedMs / Math.max(1, r.wallMs)).toFixed(0)}x)`,
    `events       ${r.events}`,
    `messages     ${r.messages.sent} sent, ${r.messages.delivered} delivered, ${r.messages.dropped} dropped`,
    `elections    ${r.elections} leaders elected`,
    `snapshots    ${r.snapshotsInstalled} installed from a leader`,
    `crashes      ${r.crashes} (${r.nemesisActions} nemesis actions)`,
    `ops          ${r.ops.ok} ok, ${r.ops.failed} failed, ${r.ops.indeterminate} indeterminate`,
  ];
  if (r.verdict !== 'ok') {
    lines.push('', 'violations:', ...r.violations.map((v) => `  ${v.replace(/\n/g, '\n  ')}`));
    lines.push('', `reproduce: ${reproduce.join(' ')}`);
  }
  return lines.join('\n');
}
