// `npm run bench:sim [-- --json] [-- --seeds N]`: how fast the simulator runs.
// A 5-node cluster under the register workload (60% writes) with swarm faults;
// figures are simulated time against wall time measured in the same run.
import { runSimulation } from '../sim/run.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const seedsArg = args.indexOf('--seeds');
const seeds = seedsArg >= 0 ? Number(args[seedsArg + 1]) : 20;
if (!Number.isInteger(seeds) || seeds < 1) {
  process.stderr.write('bench:sim: --seeds needs a positive whole number\n');
  process.exit(2);
}

// Warm the JIT so the figures describe steady state, not compilation.
for (let s = 1; s <= 3; s++) runSimulation({ seed: 1_000_000 + s, nodes: 5 });

const cpu0 = process.cpuUsage();
let events = 0;
let simulatedMs = 0;
let wallMs = 0;
let checkMs = 0;
let opsOk = 0;
const verdicts: Record<string, number> = {};
for (let seed = 1; seed <= seeds; seed++) {
  const t0 = performance.now();
  const r = runSimulation({ seed, nodes: 5, faults: 'swarm' });
  wallMs += performance.now() - t0;
  events += r.events;
  simulatedMs += r.simulatedMs;
  checkMs += r.checkMs;
  opsOk += r.ops.ok;
  verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
}

const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
const result = {
  bench: 'sim',
  nodes: 5,
  seeds,
  faults: 'swarm',
  events,
  simulatedMs,
  wallMs: Math.round(wallMs),
  checkMs: Math.round(checkMs),
  eventsPerSec: Math.round((events / wallMs) * 1000),
  simToWallRatio: +(simulatedMs / wallMs).toFixed(1),
  // CPU time is steadier than wall time when other work shares the machine.
  simToCpuRatio: +(simulatedMs / cpuMs).toFixed(1),
  simToWallRatioWithoutCheckers: +(simulatedMs / (wallMs - checkMs)).toFixed(1),
  simulatedOpsPerSec: Math.round((opsOk / simulatedMs) * 1000),
  verdicts,
};

if (json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const rows: [string, string][] = [
    ['cluster', `5 nodes, swarm faults, ${seeds} seeds`],
    ['simulated', `${(simulatedMs / 1000).toFixed(1)} s in ${(wallMs / 1000).toFixed(2)} s wall`],
    ['sim / wall', `${result.simToWallRatio}x (target 200x, goal 1000x)`],
    ['  without checkers', `${result.simToWallRatioWithoutCheckers}x`],
    ['sim / cpu', `${result.simToCpuRatio}x`],
    ['events / s', String(result.eventsPerSec)],
    ['client ops ok / simulated s', String(result.simulatedOpsPerSec)],
    ['verdicts', JSON.stringify(verdicts)],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(30)} ${v}\n`);
}
