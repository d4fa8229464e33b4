// The bench measures the server as it is deployed: compiled by tsc (the
// docker image runs dist/), not the TypeScript sources through tsx. tsx's
// transpiled code names every function expression as it is created
// (esbuild's keepNames), which is work a deployed server never does: A/B on
// the same machine, cluster INSERT at 64 clients, the compiled server used
// 10-30% less CPU per INSERT. The bench compiles once per run into
// bench/.build (ignored by git), never into dist/, so `npm start` keeps
// running whatever the developer built or the sources.
// CAMUS_BENCH_FROM_SOURCE=1 runs the sources through tsx instead.

import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const OUT = join(ROOT, 'bench', '.build');
let entry: string | null = null;

/** The script that starts the server: compiled on first use (about 10 s), then reused by this process. */
export function serverEntry(): string {
  if (process.env.CAMUS_BENCH_FROM_SOURCE === '1') return join(ROOT, 'bin', 'camusdb.js');
  if (entry) return entry;
  // A fresh directory: a module whose source is gone must not linger there and still be importable.
  rmSync(OUT, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', OUT, '--sourceMap', 'false'], { cwd: ROOT, stdio: 'inherit' });
  const run = join(OUT, 'camusdb.mjs');
  writeFileSync(run, "import { main } from './server/main.js';\nawait main(process.argv.slice(2));\n");
  entry = run;
  return run;
}
