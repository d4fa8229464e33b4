// One worker process of `npm run sim:sweep`, forked by sim/sweep.ts with the
// `npm run sim` options as its arguments. It asks for a seed, runs it, sends
// back its summary and asks again, until the parent disconnects.
import { parseArgs } from './args.js';
import { runSimulation } from './run.js';
import { crashSummary, summarize, type SeedSummary } from './sweep-report.js';

export type ToWorker = { type: 'run'; seed: number };
export type FromWorker = { type: 'ready' } | { type: 'result'; result: SeedSummary };

function send(m: FromWorker): void {
  process.send!(m);
}

function main(): void {
  if (!process.send) {
    process.stderr.write('sim/sweep-worker.ts is started by sim/sweep.ts (npm run sim:sweep), not on its own\n');
    process.exit(2);
  }
  // The parent already validated these options; the seed is set per run.
  const { options } = parseArgs(process.argv.slice(2), () => 0);
  // Ctrl-C reaches the whole process group. The parent decides what happens
  // (it kills the workers itself), so a worker must not die first and look
  // like a crashed seed.
  process.on('SIGINT', () => {});
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToWorker) => {
    if (m.type !== 'run') return;
    const t0 = performance.now();
    let result: SeedSummary;
    try {
      result = summarize(runSimulation({ ...options, seed: m.seed }));
    } catch (e) {
      // runSimulation turns errors inside the system into a crash verdict;
      // this catches what escapes it (a checker or the harness itself).
      const err = e instanceof Error ? e : new Error(String(e));
      result = crashSummary(m.seed, `uncaught in the simulator: ${err.stack ?? err.message}`, Math.round(performance.now() - t0));
    }
    send({ type: 'result', result });
  });
  send({ type: 'ready' });
}

main();
