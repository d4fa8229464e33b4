import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readScenario, scenarioJson } from '../../sim/scenario.js';

// The reproduction flags of `npm run sim`: scenario files, shrinking,
// determinism checks and the timeline page, run as a user runs them.
const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'sim-repro-'));

function sim(args: string[]) {
  const r = spawnSync(tsx, ['sim/cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run sim: scenarios', () => {
  it('replays a written scenario with the same verdict and trace hash', () => {
    const file = join(dir, 'seed8.json');
    const a = sim(['--seed', '8', '--duration', '4s', '--workload', 'bank', '--json', '--write-scenario', file]);
    expect(a.code, a.stderr).toBe(0);
    const s = readScenario(file);
    expect(s.seed).toBe(8);
    expect(s.options.workload).toBe('bank');
    expect(s.clients.some((c) => c.steps.length > 0)).toBe(true);
    const b = sim(['--scenario', file, '--json']);
    expect(b.code, b.stderr).toBe(0);
    const [ja, jb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(jb.traceHash).toBe(ja.traceHash);
    expect(jb.verdict).toBe(ja.verdict);
    expect(jb.reproduce).toBe(`npm run sim -- --scenario ${file}`);
  });

  it('rejects a scenario with run options, and files that are not scenarios', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ format: 'camusdb-sim-scenario', version: 99 }));
    for (const args of [['--scenario', file, '--seed', '3'], ['--scenario', file], ['--scenario', join(dir, 'missing.json')], ['--out', 'x.json']]) {
      const r = sim(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^sim: /);
    }
    expect(sim(['--scenario', file]).stderr).toMatch(/version 99 is not supported/);
  });

  it('shrinks a failing scenario and writes the result with a summary', () => {
    // A liveness failure made by hand: a liveness bound no run can meet (a
    // write after the heal would have to succeed before the heal).
    const file = join(dir, 'impatient.json');
    expect(sim(['--seed', '4', '--duration', '3s', '--json', '--write-scenario', file]).code).toBe(0);
    const s = readScenario(file);
    s.options.livenessMs = -1_000_000;
    writeFileSync(file, scenarioJson(s));
    expect(sim(['--scenario', file]).code).toBe(4);
    const out = join(dir, 'shrunk.json');
    const page = join(dir, 'shrunk.html');
    const r = sim(['--scenario', file, '--shrink', '--shrink-budget', '30', '--out', out, '--html', page]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toMatch(/failure +liveness/);
    // One write after the heal must stay: without it there is nothing late.
    const ops = /ops +(\d+) -> (\d+)\n/.exec(r.stdout);
    expect(ops).not.toBeNull();
    expect(Number(ops![2])).toBeGreaterThanOrEqual(1);
    expect(Number(ops![2]) * 10).toBeLessThanOrEqual(Number(ops![1]));
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(page, 'utf8')).toContain('(shrunk from seed 4)');
    expect(readScenario(out).note).toMatch(/^shrunk from npm run sim -- --scenario /);
    expect(sim(['--scenario', out]).code).toBe(4);
  });

  it('has nothing to shrink when the seed passes', () => {
    const r = sim(['--seed', '2', '--duration', '2s', '--shrink', '--shrink-budget', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/passes: there is no failure to shrink/);
  });
});

describe('npm run sim: determinism and timeline', () => {
  it('checks determinism event by event', () => {
    const r = sim(['--seed', '6', '--duration', '2s', '--check-determinism']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^deterministic: both runs identical, event by event/);
  });

  it('writes a self-contained timeline page', () => {
    const file = join(dir, 'timeline.html');
    const r = sim(['--seed', '6', '--duration', '2s', '--faults', 'crash,partition', '--html', file]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<script type="application/json" id="data">');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    const data = JSON.parse(/<script type="application\/json" id="data">(.*?)<\/script>/s.exec(html)![1]!);
    expect(data.nodes).toBe(3);
    expect(data.roles.length).toBeGreaterThan(0);
    expect(data.faults.some((f: { text: string }) => /^crash \d/.test(f.text))).toBe(true);
  });
});
