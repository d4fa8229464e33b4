// `npm run sim -- --seed N [...]`: runs one seeded simulation (or replays a
// scenario file) and prints its summary; can also write the run's scenario,
// shrink a failure, check determinism event by event, and draw a timeline.
// Exit codes: 0 ok, 2 bad usage, 3 correctness, 4 liveness, 5 crash,
// 6 nondeterministic.
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { formatSummary, HELP, NONDETERMINISTIC_EXIT, parseArgs, UsageError, type CliArgs } from './args.js';
import { checkDeterminism, formatDeterminism } from './determinism.js';
import { EXIT_CODES, simulate, type SimOptions, type SimRun } from './run.js';
import { formatSize, readScenario, ScenarioError, sizeOf, writeScenario } from './scenario.js';
import { shrink } from './shrink.js';
import { renderTimelineHtml } from './timeline-html.js';
import { TimelineRecorder } from './timeline.js';

function usage(message: string): never {
  process.stderr.write(`sim: ${message}\n\n${HELP}\n`);
  process.exit(2);
}

function main(): void {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2), () => randomInt(0, 2 ** 31));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    usage(e.message);
  }
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  let options: SimOptions = args.options;
  if (args.scenario) {
    try {
      options = { ...options, scenario: readScenario(args.scenario) };
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      usage(e.message);
    }
  }
  if (args.checkDeterminism) return determinism(options);
  if (args.shrink) return shrinkRun(args, options);

  const { run, timeline } = simulateWithTimeline(options, args.html);
  const r = run.result;
  if (args.json) process.stdout.write(`${JSON.stringify({ ...r, reproduce: args.reproduce.join(' ') })}\n`);
  else process.stdout.write(`${formatSummary(r, args.reproduce)}\n`);
  if (args.writeScenario) {
    writeScenario(args.writeScenario, { ...run.scenario, note: `recorded from ${args.reproduce.join(' ')}` });
    process.stderr.write(`scenario written to ${args.writeScenario} (${formatSize(sizeOf(run.scenario))}); replay: npm run sim -- --scenario ${args.writeScenario}\n`);
  }
  if (timeline && args.html) writeTimeline(args.html, timeline, run, `seed ${r.seed}`);
  process.exitCode = EXIT_CODES[r.verdict];
}

/** Runs with a timeline recorder attached when a page is wanted (it only watches: same trace hash). */
function simulateWithTimeline(options: Partial<SimOptions>, html: string | null): { run: SimRun; timeline: TimelineRecorder | null } {
  const timeline = html ? new TimelineRecorder() : null;
  return { run: simulate(options, timeline ? { world: timeline, clients: timeline } : {}), timeline };
}

function writeTimeline(path: string, timeline: TimelineRecorder, run: SimRun, title: string): void {
  writeFileSync(path, renderTimelineHtml(timeline.data(run, title)));
  process.stderr.write(`timeline written to ${path}\n`);
}

function determinism(options: SimOptions): void {
  const report = checkDeterminism(options);
  process.stdout.write(`${formatDeterminism(report)}\n`);
  process.exitCode = report.identical ? 0 : NONDETERMINISTIC_EXIT;
}

function shrinkRun(args: CliArgs, options: SimOptions): void {
  const start = simulate(options);
  if (start.result.verdict === 'ok') {
    process.stdout.write(`seed ${start.result.seed} passes: there is no failure to shrink\n`);
    return;
  }
  const report = shrink(start.scenario, (s) => simulate({ scenario: s }), { budget: args.shrinkBudget, log: (l) => process.stderr.write(`${l}\n`) });
  const out = args.out ?? `shrunk-${start.result.seed}.json`;
  const b = report.before;
  const a = report.after;
  const summary = [
    `failure      ${report.failure}`,
    `replays      ${report.runs} (budget ${args.shrinkBudget})`,
    `ops          ${b.ops} -> ${a.ops}`,
    `faults       ${b.faults} -> ${a.faults} (fault settings ${b.faultSettings} -> ${a.faultSettings})`,
    `nodes        ${b.nodes} -> ${a.nodes}`,
    `clients      ${b.clients} -> ${a.clients}`,
    `duration     ${b.durationMs} -> ${a.durationMs} ms`,
    `trace hash   ${report.result.traceHash}`,
  ];
  writeScenario(out, { ...report.scenario, note: `shrunk from ${args.reproduce.join(' ')}: ${report.failure}; ${summary.slice(2, 7).map((l) => l.replace(/\s+/, ' ')).join('; ')}` });
  // With --html, the page shows the shrunk run: that is the one to read.
  if (args.html) {
    const { run, timeline } = simulateWithTimeline({ scenario: report.scenario }, args.html);
    writeTimeline(args.html, timeline!, run, `${out} (shrunk from seed ${start.result.seed})`);
  }
  process.stdout.write(`${summary.join('\n')}\n\nviolation:\n  ${(report.result.violations[0] ?? '').replace(/\n/g, '\n  ')}\n\nwritten to ${out}; replay: npm run sim -- --scenario ${out}\n`);
  process.exitCode = EXIT_CODES[report.result.verdict];
}

main();
