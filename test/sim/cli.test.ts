import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../sim/args.js';
import { EXIT_CODES } from '../../sim/run.js';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function sim(args: string[]) {
  const r = spawnSync(tsx, ['sim/cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run sim', () => {
  it('gives the same trace hash for a seed in two separate processes', () => {
    const a = sim(['--seed', '11', '--json']);
    const b = sim(['--seed', '11', '--json']);
    expect(a.code).toBe(0);
    const ja = JSON.parse(a.stdout.trim());
    const jb = JSON.parse(b.stdout.trim());
    expect(ja.traceHash).toMatch(/^[0-9a-f]{16}$/);
    expect(jb.traceHash).toBe(ja.traceHash);
    for (const k of ['seed', 'traceHash', 'verdict', 'events', 'simulatedMs', 'wallMs']) expect(ja).toHaveProperty(k);
    expect(ja.seed).toBe(11);
    expect(ja.verdict).toBe('ok');
  });

  it('is deterministic across processes for the transactional workloads too', () => {
    for (const workload of ['list-append', 'bank']) {
      const a = JSON.parse(sim(['--seed', '5', '--workload', workload, '--duration', '4s', '--json']).stdout.trim());
      const b = JSON.parse(sim(['--seed', '5', '--workload', workload, '--duration', '4s', '--json']).stdout.trim());
      expect(a.verdict, workload).toBe('ok');
      expect(b.traceHash, workload).toBe(a.traceHash);
    }
  });

  it('prints a readable summary', () => {
    const r = sim(['--seed', '3', '--nodes', '5', '--duration', '4s', '--faults', 'crash,partition,loss']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/seed\s+3/);
    expect(r.stdout).toMatch(/verdict\s+ok/);
    expect(r.stdout).toMatch(/trace hash\s+[0-9a-f]{16}/);
    expect(r.stdout).toMatch(/faults\s+loss=0\.05 partition=1 crash=1/);
    expect(r.stdout).toMatch(/ops\s+\d+ ok, \d+ failed, \d+ indeterminate/);
  });

  it('runs a single-node cluster, with crashes, for both workloads', () => {
    for (const workload of ['register', 'list-append']) {
      const r = sim(['--seed', '2', '--nodes', '1', '--faults', 'crash,disk-slow', '--duration', '3s', '--workload', workload, '--json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim()).verdict).toBe('ok');
    }
  });

  it('rejects unknown options and bad values with exit code 2', () => {
    for (const args of [['--bogus'], ['--seed', 'x'], ['--nodes', '0'], ['--nodes', '12'], ['--faults', 'crash,meteor'], ['--workload', 'bank2'], ['--duration', '5 minutes'], ['--seed']]) {
      const r = sim(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^sim: /);
    }
  });

  it('has distinct exit codes per verdict', () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT_CODES.ok).toBe(0);
    expect(codes).not.toContain(2);
  });

  it('builds a reproduce command that parses back to the same options', () => {
    const a = parseArgs(['--seed', '9', '--nodes', '5', '--faults', 'crash,loss', '--duration', '7s'], () => 0);
    const b = parseArgs(a.reproduce.slice(4), () => 1);
    expect(b.options).toEqual(a.options);
    const random = parseArgs([], () => 424242);
    expect(random.options.seed).toBe(424242);
    expect(random.reproduce).toContain('424242');
    expect(() => parseArgs(['--seed', '-1'], () => 0)).toThrow(UsageError);
  });
});
