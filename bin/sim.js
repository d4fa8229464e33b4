#!/usr/bin/env node
// The simulator's commands from JavaScript compiled by tsc:
// `bin/sim.js cli|sweep|bench [args]` (npm run sim, sim:sweep, bench:sim).
//
// Why: compiled, the simulator does 20-27% more simulated seconds per wall
// second than the same sources loaded through tsx (bench:sim, three
// alternating pairs: 157 / 153 / 127x against 129 / 120 / 106x). tsx
// transforms each file with esbuild on the fly, and its output is not tsc's:
// for one, every function expression is created through a helper that keeps
// its name. A seed gives the same trace hash either way: it is the same code,
// loaded differently.
//
// The build covers core/, sim/ and bench/sim.ts (tsconfig.sim.json, a few
// seconds), goes to sim/.build (ignored by git), and is redone whenever a
// source, or the set of sources, changed since. It is written to a fresh
// directory and renamed into place, so no command loads a half-written
// build. Type errors do not stop it (tsx ignores types too); it says so and
// runs what tsc emitted. The npm scripts pass --enable-source-maps, so a
// crash's stack (in a simulator report) names TypeScript lines; a stack is
// mapped only when it is formatted, which the simulator does only to report
// a crash. CAMUS_SIM_FROM_SOURCE=1 runs the TypeScript sources through tsx
// instead, without building.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'sim', '.build');
const STAMP = join(OUT, 'sources.json');
const ENTRIES = { cli: 'sim/cli', sweep: 'sim/sweep', bench: 'bench/sim' };

const tool = process.argv[2];
if (!Object.hasOwn(ENTRIES, tool ?? '')) {
  process.stderr.write(`usage: bin/sim.js ${Object.keys(ENTRIES).join('|')} [args]\n`);
  process.exit(2);
}
// The tool reads its own arguments from process.argv.
process.argv.splice(2, 1);

if (process.env.CAMUS_SIM_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(ROOT, `${ENTRIES[tool]}.ts`)).href);
} else {
  ensureBuilt();
  await import(pathToFileURL(join(OUT, `${ENTRIES[tool]}.js`)).href);
}

/** Every source the build depends on, with its modification time: what the stamp records. */
function sources() {
  const files = {};
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.build' && e.name !== 'node_modules') walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) files[relative(ROOT, p)] = statSync(p).mtimeMs;
    }
  };
  walk(join(ROOT, 'core'));
  walk(join(ROOT, 'sim'));
  for (const f of ['bench/sim.ts', 'tsconfig.json', 'tsconfig.sim.json']) files[f] = statSync(join(ROOT, f)).mtimeMs;
  return files;
}

function ensureBuilt() {
  const want = JSON.stringify(sources());
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === want) return;
  const tmp = `${OUT}-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  process.stderr.write('sim: compiling core/ and sim/ (tsc) ...\n');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.sim.json'), '--outDir', tmp], { cwd: ROOT, encoding: 'utf8' });
  // tsc's exit status 2: type errors, output written anyway.
  if (r.status === 2) process.stderr.write('sim: the sources have type errors (npm run typecheck); running what tsc emitted\n');
  else if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}sim: tsc failed (exit ${r.status ?? r.signal})\n`);
    rmSync(tmp, { recursive: true, force: true });
    process.exit(1);
  }
  writeFileSync(join(tmp, 'sources.json'), want);
  rmSync(OUT, { recursive: true, force: true });
  try {
    renameSync(tmp, OUT);
  } catch (e) {
    // Another command built it at the same moment and renamed its own first: use that one.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(STAMP)) throw e;
  }
}
