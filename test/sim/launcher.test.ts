// bin/sim.js (npm run sim, sim:sweep, bench:sim) runs the simulator from a
// tsc build in sim/.build: the same code as the sources, so the same trace
// hash for a seed, and rebuilt only when the sources changed.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function launch(args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'sim.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function fromSource(args: string[]) {
  const r = spawnSync(tsx, ['sim/cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(r.stdout.trim()) as { traceHash: string; verdict: string };
}

describe('bin/sim.js', () => {
  it('gives the trace hash the sources give, builds once, and rebuilds when the sources changed', () => {
    const args = ['--seed', '5', '--workload', 'bank', '--duration', '4s', '--json'];
    const first = launch(['cli', ...args]);
    expect(first.code, first.stderr).toBe(0);
    const compiled = JSON.parse(first.stdout.trim()) as { traceHash: string; verdict: string };
    expect(compiled.verdict).toBe('ok');
    expect(compiled.traceHash).toBe(fromSource(args).traceHash);

    const again = launch(['cli', ...args]);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('compiling');
    expect(JSON.parse(again.stdout.trim()).traceHash).toBe(compiled.traceHash);

    // A stamp that no longer matches the sources (as after an edit) makes it build again.
    writeFileSync(join(root, 'sim', '.build', 'sources.json'), '{}');
    const rebuilt = launch(['cli', ...args]);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).toContain('compiling');
    expect(JSON.parse(rebuilt.stdout.trim()).traceHash).toBe(compiled.traceHash);
  }, 400_000);

  it('refuses an unknown command', () => {
    const r = launch(['nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: bin/sim.js cli|sweep|bench');
  });
});
