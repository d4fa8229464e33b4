// Keeps docker/ honest without a Docker engine: docker/local.yml is parsed,
// checked for what the compose setup promises (ports, volumes, network,
// healthchecks, restarts), and each service's exact command line is run as a
// local process, with the service host names camus1..3 mapped to 127.0.0.1..3,
// the container path /data to a temp dir, and every port moved up by a fixed
// offset (so the test runs beside anything on 5095 or 7070). SQL then goes
// through every endpoint. docker/config.cluster.yml must load and describe the
// same cluster.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../server/config.js';
import { eventually, mustCall, ROOT, ServerProcess } from './process-harness.js';

const compose = parse(readFileSync(join(ROOT, 'docker', 'local.yml'), 'utf8'), { merge: true }) as any;
const SERVICES = ['camus1', 'camus2', 'camus3'];
const PORT_OFFSET = 30_000;
const ADDRESS: Record<string, string> = { camus1: '127.0.0.1', camus2: '127.0.0.2', camus3: '127.0.0.3' };
const EXPECTED = { camus1: { http: 5095, raft: 7070 }, camus2: { http: 5096, raft: 7072 }, camus3: { http: 5097, raft: 7074 } } as Record<string, { http: number; raft: number }>;

/** The service's command line with host names, /data and ports mapped (see the file comment). */
function localCommand(service: string, dataDir: string): string[] {
  const cmd = compose.services[service].command as string[];
  const port = (p: string) => String(Number(p) + PORT_OFFSET);
  return cmd.map((arg) =>
    arg
      .replace(/^(--(?:raft|http)-port=)(\d+)$/, (_, f, p) => f + port(p))
      .replace(/^(--raft-host=)(camus\d)$/, (_, f, h) => f + ADDRESS[h])
      .replace(/^(camus\d):(\d+)$/, (_, h, p) => `${ADDRESS[h]}:${port(p)}`)
      .replace(/^(--data-dir=)\/data$/, (_, f) => f + dataDir),
  );
}

function flag(cmd: string[], name: string): string | undefined {
  return cmd.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

describe('docker/local.yml', () => {
  it('defines camus1..camus3 with the published ports, volumes, network, healthchecks and restarts', () => {
    expect(Object.keys(compose.services).sort()).toEqual(SERVICES);
    expect(compose.networks?.camus?.driver).toBe('bridge');
    for (const s of SERVICES) {
      const svc = compose.services[s];
      const cmd = svc.command as string[];
      const { http, raft } = EXPECTED[s]!;
      expect(svc.build.dockerfile).toBe('docker/Dockerfile');
      expect(svc.restart).toMatch(/^(always|unless-stopped|on-failure)/);
      expect(svc.networks).toEqual(['camus']);
      expect(svc.ports).toEqual([`${http}:${http}`, `${raft}:${raft}`]);
      expect(svc.volumes).toEqual([`${s}-data:/data`]);
      expect(Object.hasOwn(compose.volumes, `${s}-data`)).toBe(true);
      expect(svc.healthcheck.test.join(' ')).toContain(`:${http}/ping`);
      expect(flag(cmd, '--mode')).toBe('cluster');
      expect(flag(cmd, '--raft-host')).toBe(s);
      expect(flag(cmd, '--raft-port')).toBe(String(raft));
      expect(flag(cmd, '--http-port')).toBe(String(http));
      expect(flag(cmd, '--data-dir')).toBe('/data');
      expect(cmd).toContain(`${s}:${raft}`);
      expect(svc.environment.CAMUS_CLUSTER_SECRET).toBeTruthy();
    }
  });

  it('every node resolves the same members, each itself at its own id', () => {
    const ids = SERVICES.map((s) => {
      const c = loadConfig(compose.services[s].command, { cwd: tmpdir(), env: {} });
      expect(c.mode).toBe('cluster');
      expect(c.initialPartitions).toBe(3);
      expect(c.members.map((m) => `${m.raft.host}:${m.raft.port}/${m.http?.port}`)).toEqual(['camus1:7070/5095', 'camus2:7072/5096', 'camus3:7074/5097']);
      return c.id;
    });
    expect(ids).toEqual([1, 2, 3]);
  });

  it('docker/config.cluster.yml loads and describes the same cluster', () => {
    const file = join(ROOT, 'docker', 'config.cluster.yml');
    const c1 = loadConfig(['--config', file], { cwd: tmpdir(), env: {} });
    expect(c1).toMatchObject({ mode: 'cluster', id: 1, nodeName: 'camus1', httpPort: 5095, initialPartitions: 3 });
    expect(c1.nodeDataDir).toBe(join('/data', 'node-1'));
    const c2 = loadConfig(['--config', file, '--raft-nodename=camus2', '--raft-host=camus2', '--raft-port=7072', '--http-port=5096'], { cwd: tmpdir(), env: {} });
    expect(c2).toMatchObject({ id: 2, nodeName: 'camus2', httpPort: 5096 });
    expect(c2.members.map((m) => m.raft.port)).toEqual([7070, 7072, 7074]);
  });
});

describe('the compose command lines, run as local processes', () => {
  let dir: string;
  const procs: ServerProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camus-compose-'));
    for (const s of SERVICES) {
      const data = join(dir, `${s}-data`);
      mkdirSync(data);
      const env = compose.services[s].environment as Record<string, string>;
      const p = new ServerProcess(s, localCommand(s, data), `http://${ADDRESS[s]}:${EXPECTED[s]!.http + PORT_OFFSET}`, join(dir, `${s}.log`), env);
      p.start();
      procs.push(p);
    }
    await Promise.all(procs.map((p) => p.waitUp(30_000)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('the mapped command lines keep their structure', () => {
    const cmd = localCommand('camus2', '/tmp/x');
    expect(flag(cmd, '--raft-host')).toBe('127.0.0.2');
    expect(flag(cmd, '--raft-port')).toBe(String(7072 + PORT_OFFSET));
    expect(flag(cmd, '--raft-nodename')).toBe('camus2');
    expect(cmd).toContain(`127.0.0.3:${7074 + PORT_OFFSET}`);
  });

  it('serves SQL through every endpoint', async () => {
    const [a, b, c] = procs.map((p) => p.httpBase) as [string, string, string];
    await eventually(() => mustCall(a, '/execute-sql-ddl', { databaseName: 'test', sql: 'CREATE TABLE IF NOT EXISTS notes (id OID PRIMARY KEY DEFAULT (GEN_ID()), body STRING, n INT64)' }, 5_000), 30_000, 250);
    for (const [i, base] of [a, b, c].entries()) {
      await eventually(
        () => mustCall(base, '/execute-sql-non-query', { databaseName: 'test', sql: 'INSERT INTO notes (body, n) VALUES (@b, @n)', parameters: { '@b': { type: 3, strValue: `from node ${i + 1}` }, '@n': { type: 2, longValue: 9007199254740993n + BigInt(i) } } }, 5_000),
        15_000,
        250,
      );
    }
    for (const base of [a, b, c]) {
      const r = await eventually(() => mustCall(base, '/execute-sql-query', { databaseName: 'test', sql: 'SELECT body, n FROM notes ORDER BY n' }, 5_000), 15_000, 250);
      expect(r.rows.map((row: any) => [row.body.strValue, row.n.longValue])).toEqual([
        ['from node 1', 9007199254740993n],
        ['from node 2', 9007199254740994n],
        ['from node 3', 9007199254740995n],
      ]);
    }
    const s = await mustCall(b, '/cluster/status');
    expect(s.node).toMatchObject({ id: 2, name: 'camus2', mode: 'cluster' });
  });
});
