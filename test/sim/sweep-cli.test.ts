import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../sim/args.js';
import { EXIT_CODES, runSimulation, type Verdict } from '../../sim/run.js';
import {
  buildReport,
  crashSummary,
  exitCodeOf,
  formatProgress,
  formatReport,
  parseSweepArgs,
  reproduceCommand,
  Tally,
  type SeedSummary,
  type SweepReport,
} from '../../sim/sweep-report.js';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'sim-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run sim:sweep` as a subprocess. `onStderr` sees stderr as it
 * grows and may return true once, to have the sweep sent SIGINT.
 *
 * The tsx CLI relays a SIGINT to its child and SIGKILLs the child if the
 * child's acknowledgement takes over 30 ms, which a loaded test machine can
 * exceed; so the signal test runs the sweep under node with tsx's loader,
 * where the signal reaches the sweep itself.
 */
function sweep(args: string[], onStderr?: (stderr: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = onStderr ? spawn(process.execPath, ['--import', 'tsx', 'sim/sweep.ts', ...args], { cwd: root }) : spawn(tsx, ['sim/sweep.ts', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      if (onStderr && !signalled && onStderr(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function summary(seed: number, verdict: Verdict, violation: string | null = null): SeedSummary {
  return {
    seed,
    verdict,
    traceHash: '0123456789abcdef',
    events: 100,
    simulatedMs: 12_000,
    wallMs: 200,
    crashes: 1,
    elections: 2,
    ops: { ok: 10, failed: 1, indeterminate: 0 },
    violation,
  };
}

describe('npm run sim:sweep (subprocess)', () => {
  it('sweeps seeds on two workers, prints a summary and writes the JSON report', async () => {
    const file = join(dir, 'report.json');
    const r = await sweep(['--seeds', '6', '--workers', '2', '--duration', '3s', '--json', file]);
    expect(r.stderr).toMatch(/^sim:sweep: seeds 1\.\.6 on 2 workers: --nodes 3 --duration 3000ms --faults swarm/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/seeds 1\.\.6 on 2 workers/);
    expect(r.stdout).toMatch(/^ok\s+6\s+100\.00%$/m);
    expect(r.stdout).toMatch(/^crash\s+0\s+0\.00%$/m);
    expect(r.stdout).toMatch(/seeds\s+6 in [\d.]+ s wall, [\d.]+ seeds\/s/);
    expect(r.stdout).toMatch(/simulated s per wall s across workers/);
    expect(r.stdout).toMatch(/every seed that finished is ok/);

    const report = JSON.parse(readFileSync(file, 'utf8')) as SweepReport;
    expect(report.options).toMatchObject({ from: 1, to: 6, workers: 2, durationMs: 3000, nodes: 3, faults: 'swarm', failFast: false });
    expect(report.stop).toBe('done');
    expect(report.exitCode).toBe(0);
    expect(report.verdicts).toEqual({ ok: 6, correctness: 0, liveness: 0, crash: 0 });
    expect(report.totals.seeds).toBe(6);
    expect(report.totals.seedsPerSecond).toBeGreaterThan(0);
    expect(report.failures).toEqual([]);
    expect(report.results.map((s) => s.seed)).toEqual([1, 2, 3, 4, 5, 6]);
    // A worker runs a seed exactly as `npm run sim` would: same options, same trace.
    expect(report.results[0]!.traceHash).toBe(runSimulation({ seed: 1, durationMs: 3000 }).traceHash);
  });

  it('rejects unknown options and bad values with exit code 2', async () => {
    const runs = await Promise.all([['--seeds', '3', '--bogus'], ['--seeds', '3', '--nodes', '0'], ['--from', '5', '--to', '2'], ['--seeds', '3', '--json']].map((a) => sweep(a)));
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^sim:sweep: /);
      expect(r.stderr).toMatch(/usage: npm run sim:sweep/);
    }
    expect(runs[0]!.stderr).toMatch(/unknown option "--bogus"/);
    // The run options are validated by sim/args.ts, in its words.
    expect(runs[1]!.stderr).toMatch(/--nodes must be between 1 and 9/);
  });

  it('on SIGINT stops, kills its workers and prints what was done (exit 130)', async () => {
    const file = join(dir, 'interrupted.json');
    // Without a terminal the first finished seed is logged at once; interrupt then.
    const r = await sweep(['--seeds', '500', '--workers', '2', '--duration', '3s', '--json', file], (err) => /sim:sweep: [1-9]\d*\/500/.test(err));
    expect(r.code, r.stdout + r.stderr).toBe(130);
    const m = /interrupted\s+after (\d+) of 500 seeds/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThan(500);
    const report = JSON.parse(readFileSync(file, 'utf8')) as SweepReport;
    expect(report.stop).toBe('interrupted');
    expect(report.exitCode).toBe(130);
    expect(report.totals.seeds).toBe(Number(m![1]));
  });
});

describe('sweep options', () => {
  it('takes --seeds or --from/--to, --workers, --json FILE and --fail-fast', () => {
    const a = parseSweepArgs(['--seeds', '10000', '--workers', '2'], 8);
    expect(a).toMatchObject({ from: 1, to: 10000, workers: 2, jsonFile: null, failFast: false, simArgv: [] });
    const b = parseSweepArgs(['--from=100', '--to', '199', '--json', 'r.json', '--fail-fast'], 8);
    expect(b).toMatchObject({ from: 100, to: 199, workers: 8, jsonFile: 'r.json', failFast: true });
    expect(parseSweepArgs(['--seeds', '1'], 0).workers).toBe(1);
  });

  it('passes run options through sim/args.ts with their meaning there', () => {
    const a = parseSweepArgs(['--seeds', '5', '--nodes', '5', '--duration=7s', '--faults', 'crash,loss', '--tuning', 'default', '--workload', 'register'], 2);
    const direct = parseArgs(['--nodes', '5', '--duration', '7s', '--faults', 'crash,loss', '--tuning', 'default'], () => 0);
    expect(a.sim).toEqual(direct.options);
    expect(a.simText).toBe('--nodes 5 --duration 7000ms --faults crash,loss --workload register --tuning default');
  });

  it('rejects what it does not understand', () => {
    for (const argv of [
      [],
      ['--seeds', '0'],
      ['--seeds', 'x'],
      ['--seeds', '3', '--from', '1', '--to', '2'],
      ['--from', '3'],
      ['--from', '3', '--to', '1'],
      ['--seeds', '3', '--workers', '0'],
      ['--seeds', '3', '--json'],
      ['--seeds', '3', '--json', '--fail-fast'],
      ['--seeds', '3', '--seed', '4'],
      ['--seeds', '3', '--faults', 'meteor'],
      ['--seeds', '3', '--duration'],
      ['--seeds', '3', '--fail-fast=yes'],
      ['--seeds', '3', 'extra'],
    ]) {
      expect(() => parseSweepArgs(argv, 2), argv.join(' ')).toThrow(UsageError);
    }
  });

  it('builds reproduce commands the way npm run sim does', () => {
    const a = parseSweepArgs(['--seeds', '5', '--nodes', '5', '--faults', 'crash,loss', '--duration', '7s'], 2);
    const cmd = reproduceCommand(a, 42);
    expect(cmd).toBe(parseArgs(['--seed', '42', '--nodes', '5', '--faults', 'crash,loss', '--duration', '7s'], () => 0).reproduce.join(' '));
    const back = parseArgs(cmd.split(' ').slice(4), () => 0);
    expect(back.options).toEqual({ ...a.sim, seed: 42 });
  });
});

describe('sweep aggregation and formatting', () => {
  it('exits with the code of the worst verdict: crash, then correctness, then liveness', () => {
    const t = new Tally();
    t.add(summary(1, 'ok'));
    expect(exitCodeOf(t, 'done')).toBe(0);
    t.add(summary(2, 'liveness', 'no write'));
    expect(exitCodeOf(t, 'done')).toBe(EXIT_CODES.liveness);
    t.add(summary(3, 'correctness', 'linearizability: key a'));
    expect(exitCodeOf(t, 'done')).toBe(EXIT_CODES.correctness);
    t.add(crashSummary(4, 'worker process died\nstack'));
    expect(exitCodeOf(t, 'fail-fast')).toBe(EXIT_CODES.crash);
    expect(exitCodeOf(t, 'interrupted')).toBe(130);
  });

  it('reports verdict shares, speed and every failing seed with its reproduce command', () => {
    const args = parseSweepArgs(['--from', '10', '--to', '13', '--nodes', '5'], 2);
    const t = new Tally();
    t.add(summary(12, 'liveness', 'first write after the heal succeeded only at 9000ms'));
    t.add(summary(10, 'ok'));
    t.add(summary(11, 'correctness', 'leader completeness: entry 7 missing'));
    t.add(summary(13, 'ok'));
    const report = buildReport(args, 2, t, 2_000, 'done');
    expect(report.verdicts).toEqual({ ok: 2, correctness: 1, liveness: 1, crash: 0 });
    expect(report.exitCode).toBe(EXIT_CODES.correctness);
    expect(report.totals).toMatchObject({ planned: 4, seeds: 4, seedsPerSecond: 2, simulatedMs: 48_000, simulatedPerWallSecond: 24, simulatedPerWorkerSecond: 60 });
    expect(report.failures.map((f) => f.seed)).toEqual([11, 12]);
    expect(report.failures[0]!.reproduce).toBe('npm run sim -- --seed 11 --nodes 5 --duration 10000ms --faults swarm --workload register');
    expect(report.results.map((s) => s.seed)).toEqual([10, 11, 12, 13]);

    const text = formatReport(report);
    expect(text).toMatch(/^ok\s+2\s+50\.00%$/m);
    expect(text).toMatch(/^correctness\s+1\s+25\.00%$/m);
    expect(text).toMatch(/2\.00 seeds\/s/);
    expect(text).toMatch(/24\.0 simulated s per wall s across workers \(60\.0 per worker\)/);
    expect(text).toContain('failing seeds (2):\n  seed 11  correctness  leader completeness: entry 7 missing\n    npm run sim -- --seed 11 --nodes 5');
    expect(text).toContain('  seed 12  liveness  first write after the heal');
    expect(formatReport(buildReport(args, 2, t, 2_000, 'interrupted'))).toMatch(/interrupted\s+after 4 of 4 seeds/);
  });

  it('keeps only the first line of a violation', () => {
    expect(crashSummary(7, 'Error: boom\n    at x (y.ts:1:1)').violation).toBe('Error: boom');
  });

  it('draws a progress bar for a terminal and a plain line for a log', () => {
    const t = new Tally();
    for (let s = 1; s <= 25; s++) t.add(summary(s, s === 5 ? 'liveness' : 'ok'));
    const bar = formatProgress({ tally: t, total: 100, elapsedMs: 10_000 }, true, 200);
    expect(bar).toBe('[#####---------------] 25/100 (25.0%) 2.5 seeds/s ETA 30s | ok 24 liveness 1');
    expect(formatProgress({ tally: t, total: 100, elapsedMs: 10_000 }, true, 40)).toHaveLength(39);
    const line = formatProgress({ tally: t, total: 100, elapsedMs: 10_000 }, false);
    expect(line).toBe('sim:sweep: 25/100 (25.0%) 2.5 seeds/s ETA 30s, elapsed 10s; ok 24, liveness 1');
    expect(formatProgress({ tally: new Tally(), total: 100, elapsedMs: 0 }, false)).toMatch(/ETA \?/);
  });
});
