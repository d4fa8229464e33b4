// `npm run sim:sweep -- --seeds N [--workers W] [...]`: runs many seeds in
// parallel worker processes and reports verdicts, speed and every failing seed
// with the command that reproduces it. Exit codes: 0 every seed ok, 2 bad
// usage, 130 interrupted, otherwise the code of the worst verdict.
//
// Workers are forked child processes (sim/sweep-worker.ts, or the .js beside
// the compiled sweep when npm run sim:sweep runs it from sim/.build through
// bin/sim.js). Under tsx the parent's execArgv carries tsx's loader, and fork
// passes it on, so workers load TypeScript the same way. Processes rather
// than threads: a seed that runs out of memory or aborts takes down only its
// own worker, which the sweep records as a crash of that seed and replaces.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.js';
import type { FromWorker, ToWorker } from './sweep-worker.js';
import {
  buildReport,
  crashSummary,
  exitCodeOf,
  formatProgress,
  formatReport,
  parseSweepArgs,
  sweepHelp,
  Tally,
  type SeedSummary,
  type StopReason,
  type SweepArgs,
} from './sweep-report.js';

/** A terminal bar is redrawn this often; a log gets a line at most this often. */
const TTY_PROGRESS_MS = 250;
const LOG_PROGRESS_MS = 5_000;
/** A second SIGINT later than this after the first exits at once, without a summary. */
const SECOND_INTERRUPT_MS = 1_000;

function workerModule(): { path: string; execArgv: string[] } {
  const self = fileURLToPath(import.meta.url);
  const path = self.slice(0, -extname(self).length) + '-worker' + extname(self);
  // When tsx was registered some other way (module.register from a script,
  // say), execArgv does not name it, and the worker must be told to load it.
  const hasTsx = process.execArgv.some((a) => a.includes('tsx'));
  const execArgv = extname(self) === '.ts' && !hasTsx ? [...process.execArgv, '--import', import.meta.resolve('tsx')] : process.execArgv;
  return { path, execArgv };
}

class Sweep {
  private readonly tally = new Tally();
  private readonly running = new Map<ChildProcess, number | null>();
  private readonly started = performance.now();
  private readonly worker = workerModule();
  private readonly tty = process.stderr.isTTY === true;
  private nextSeed: number;
  private stop: StopReason | null = null;
  private exitSignal = 0;
  private interruptedAt = 0;
  private startFailed = false;
  /** The first result is reported at once, so a log shows early that the workers run. */
  private lastProgress = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly args: SweepArgs,
    private readonly workers: number,
  ) {
    this.nextSeed = args.from;
  }

  private get total(): number {
    return this.args.to - this.args.from + 1;
  }

  run(): void {
    process.stderr.write(`sim:sweep: seeds ${this.args.from}..${this.args.to} on ${this.workers} worker${this.workers === 1 ? '' : 's'}: ${this.args.simText}\n`);
    for (let i = 0; i < this.workers; i++) this.spawn();
    process.on('SIGINT', () => this.interrupt(2));
    process.on('SIGTERM', () => this.interrupt(15));
    this.timer = setInterval(() => this.progress(), this.tty ? TTY_PROGRESS_MS : 1_000);
  }

  private spawn(): void {
    const child = fork(this.worker.path, this.args.simArgv, { execArgv: this.worker.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let ready = false;
    this.running.set(child, null);
    child.on('message', (m: FromWorker) => {
      if (m.type === 'ready') ready = true;
      else {
        this.running.set(child, null);
        this.record(m.result);
      }
      this.assign(child);
    });
    child.on('error', (e) => process.stderr.write(`\nsim:sweep: worker: ${e.message}\n`));
    child.on('exit', (code, signal) => {
      const seed = this.running.get(child);
      this.running.delete(child);
      if (this.stop === null) {
        if (!ready) {
          // A worker that dies before it can take a seed would die again if replaced.
          this.clearProgress();
          process.stderr.write(`sim:sweep: a worker process failed to start (exit code ${code}, signal ${signal})\n`);
          this.startFailed = true;
          this.halt('interrupted');
        } else {
          // The seed took its process down (out of memory, say): a crash of that seed.
          if (seed != null) this.record(crashSummary(seed, `worker process died running this seed (exit code ${code}, signal ${signal})`));
          // Whatever killed it, the seeds left still need a worker.
          if (this.stop === null && this.nextSeed <= this.args.to) this.spawn();
        }
      }
      if (this.running.size === 0) this.finish();
    });
  }

  /** Hands the worker its next seed, or lets it go when there is none. */
  private assign(child: ChildProcess): void {
    if (this.stop !== null || this.nextSeed > this.args.to) {
      if (child.connected) child.disconnect();
      return;
    }
    const seed = this.nextSeed++;
    this.running.set(child, seed);
    child.send({ type: 'run', seed } satisfies ToWorker);
  }

  private record(s: SeedSummary): void {
    this.tally.add(s);
    if (s.verdict !== 'ok' && this.args.failFast && this.stop === null) this.halt('fail-fast');
    this.progress();
  }

  private interrupt(signal: number): void {
    const now = performance.now();
    if (this.stop === 'interrupted') {
      // A second Ctrl-C means the user will not wait for the summary. One
      // within a moment of the first is tsx relaying the same signal again
      // (it re-sends when the child is slow to acknowledge), not the user.
      if (now - this.interruptedAt > SECOND_INTERRUPT_MS) process.exit(128 + signal);
      return;
    }
    this.interruptedAt = now;
    this.exitSignal = signal;
    this.halt('interrupted');
  }

  /** Stops handing out seeds and kills the workers; seeds still running are dropped. */
  private halt(reason: StopReason): void {
    this.stop = reason;
    for (const child of this.running.keys()) child.kill('SIGKILL');
  }

  private progress(): void {
    const now = performance.now();
    const every = this.tty ? TTY_PROGRESS_MS : LOG_PROGRESS_MS;
    if (now - this.lastProgress < every) return;
    // A log line saying nothing is done yet only helps once the start has taken a while.
    if (!this.tty && this.tally.done === 0 && now - this.started < LOG_PROGRESS_MS) return;
    this.lastProgress = now;
    const line = formatProgress({ tally: this.tally, total: this.total, elapsedMs: now - this.started }, this.tty, process.stderr.columns || 100);
    process.stderr.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  private clearProgress(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }

  private finish(): void {
    clearInterval(this.timer);
    this.clearProgress();
    const stop = this.stop ?? 'done';
    const report = buildReport(this.args, this.workers, this.tally, performance.now() - this.started, stop);
    process.stdout.write(`${formatReport(report)}\n`);
    let code = exitCodeOf(this.tally, stop);
    if (stop === 'interrupted' && this.exitSignal) code = 128 + this.exitSignal;
    if (this.args.jsonFile !== null) {
      try {
        writeFileSync(this.args.jsonFile, `${JSON.stringify({ ...report, exitCode: code }, null, 2)}\n`);
      } catch (e) {
        process.stderr.write(`sim:sweep: could not write ${this.args.jsonFile}: ${(e as Error).message}\n`);
        if (code === 0) code = 1;
      }
    }
    // A sweep whose workers could not start did not really run: never report it as ok.
    process.exitCode = this.startFailed ? 1 : code;
  }
}

function main(): void {
  const cpus = Math.max(1, availableParallelism());
  let args: SweepArgs;
  try {
    args = parseSweepArgs(process.argv.slice(2), cpus);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`sim:sweep: ${e.message}\n\n${sweepHelp(cpus)}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${sweepHelp(cpus)}\n`);
    return;
  }
  // More workers than seeds would only start processes that get nothing to do.
  const workers = Math.min(args.workers, args.to - args.from + 1);
  new Sweep(args, workers).run();
}

main();
