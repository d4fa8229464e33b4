// The standalone reference: PostgreSQL (Debian's package), initdb'd into a
// temp dir and started as `postgres` directly (so the recorded pid is the
// server's) as the postgres user, on a private port, listening on a unix
// socket in a private dir (what pgbench uses for the target's points) and on
// 127.0.0.1 (one extra point crosses TCP loopback, as every request to the
// HTTP systems does); fsync and synchronous_commit on. Load comes from pgbench with
// custom scripts (prepared statements); latencies from its per-transaction log
// go through the same histogram as the HTTP load generator.

import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Histogram, type PointResult } from './loadgen.js';
import { ensureDebian, eventually, run, start, treeCpuMs, type Managed } from './procs.js';

function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')) && existsSync(join(root, v, 'bin', 'pgbench')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : null;
}

export function ensurePostgres(log: (s: string) => void): { bin: string; version: string } {
  ensureDebian(() => binDir() !== null, ['postgresql', 'postgresql-contrib'], log);
  const bin = binDir()!;
  return { bin, version: run(join(bin, 'postgres'), ['--version']).trim() };
}

export interface Pg {
  proc: Managed;
  bin: string;
  sock: string;
  /** Also listened on (TCP), for the points that cross the same transport as the HTTP systems. */
  tcpHost: string;
  port: number;
  dir: string;
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user (the postgresql package creates it)');
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

const PG_TCP_HOST = '127.0.0.1';

export async function startPostgres(dir: string, port: number, bin: string): Promise<Pg> {
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? postgresUser() : null;
  const data = join(dir, 'pgdata');
  const sock = join(dir, 'sock');
  mkdirSync(sock, { recursive: true });
  if (user) for (const d of [dir, sock]) chownSync(d, user.uid, user.gid);
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'], { ...ids, cwd: dir });
  const args = [
    '-D', data,
    '-p', String(port),
    '-k', sock,
    '-c', `listen_addresses=${PG_TCP_HOST}`,
    '-c', 'fsync=on',
    '-c', 'synchronous_commit=on',
    '-c', 'max_connections=200',
    '-c', 'logging_collector=off',
  ];
  const proc = start('postgres', join(bin, 'postgres'), args, join(dir, 'postgres.log'), { ...ids, cwd: dir, stopSignal: 'SIGINT' });
  const pg: Pg = { proc, bin, sock, tcpHost: PG_TCP_HOST, port, dir };
  await eventually(async () => {
    if (!proc.running) throw new Error(`postgres exited:\n${proc.tail()}`);
    psql(pg, 'SELECT 1');
  }, 30_000, 250);
  return pg;
}

export function psql(pg: Pg, sqlText: string): string {
  return run(join(pg.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pg.sock, '-p', String(pg.port), '-U', 'postgres', '-d', 'postgres', '-At', '-c', sqlText]);
}

/**
 * One pgbench point: a warmup run (not recorded), then the measured run with a
 * per-transaction log, read back into a Histogram.
 */
export function pgbenchPoint(pg: Pg, name: string, script: string, concurrency: number, warmupSec: number, durationSec: number, via: 'unix' | 'tcp' = 'unix'): PointResult {
  const work = join(pg.dir, `pgbench-${name}-${concurrency}`);
  mkdirSync(work, { recursive: true });
  const file = join(work, 'script.sql');
  writeFileSync(file, script);
  const common = ['-n', '-h', via === 'unix' ? pg.sock : pg.tcpHost, '-p', String(pg.port), '-U', 'postgres', '-M', 'prepared', '-c', String(concurrency), '-j', String(Math.min(concurrency, 2)), '-f', file];
  const pgbench = join(pg.bin, 'pgbench');
  if (warmupSec > 0) run(pgbench, [...common, '-T', String(Math.max(1, Math.round(warmupSec))), 'postgres'], { cwd: work });
  const cpu0 = treeCpuMs(pg.proc.pid);
  const out = run(pgbench, [...common, '-T', String(Math.max(1, Math.round(durationSec))), '-l', '--log-prefix=txn', 'postgres'], { cwd: work });
  const serverCpuMs = treeCpuMs(pg.proc.pid) - cpu0;
  const hist = new Histogram();
  let failed = 0;
  for (const f of readdirSync(work).filter((n) => n.startsWith('txn.'))) {
    for (const line of readFileSync(join(work, f), 'utf8').split('\n')) {
      if (!line) continue;
      const cols = line.split(' ');
      // client_id transaction_no time script_no time_epoch time_us: `time` is the latency in µs ("failed"/"skipped" otherwise).
      const us = Number(cols[2]);
      if (Number.isFinite(us)) hist.record(us);
      else failed++;
    }
  }
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1] ?? NaN);
  const processed = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? NaN);
  return {
    concurrency,
    opsPerSec: Math.round(tps),
    ok: processed,
    errors: failed,
    errorSamples: [],
    warmupSec,
    durationSec,
    // Server side only (the postmaster and its backends); pgbench's own CPU is not counted.
    cpuMsPerOp: { postgres: +(serverCpuMs / Math.max(1, processed)).toFixed(3) },
    ...hist.summary(),
  };
}
