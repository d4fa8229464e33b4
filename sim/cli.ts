// `npm run sim -- --seed N [...]`: runs one seeded simulation and prints its
// summary. Exit codes: 0 ok, 2 bad usage, 3 correctness, 4 liveness, 5 crash.
import { randomInt } from 'node:crypto';
import { formatSummary, HELP, parseArgs, UsageError, type CliArgs } from './args.js';
import { EXIT_CODES, runSimulation } from './run.js';

function main(): void {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2), () => randomInt(0, 2 ** 31));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`sim: ${e.message}\n\n${HELP}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const r = runSimulation(args.options);
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ ...r, reproduce: args.reproduce.join(' ') })}\n`);
  } else {
    process.stdout.write(`${formatSummary(r, args.reproduce)}\n`);
  }
  process.exitCode = EXIT_CODES[r.verdict];
}

main();
