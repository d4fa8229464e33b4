// CamusDB processes for the bench: a 3-node cluster on 127.0.0.1/.2/.3 or a
// standalone node, the server compiled as it is deployed (lib/build.ts), each
// recorded by pid.

import { join } from 'node:path';
import { serverEntry } from './build.js';
import { getJson, postText } from './http.js';
import { checkPortFree, eventually, start, type Managed } from './procs.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const DB = 'test';
export const CLUSTER_HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

export interface CamusNode {
  proc: Managed;
  base: string;
}

export interface StartOptions {
  dir: string;
  portBase: number;
  partitions?: number;
  /** Extra node flags for node i (e.g. ['--cpu-prof', ...]); placed before the script. */
  nodeArgs?: (i: number) => string[];
}

/** Starts three cluster nodes and waits until every partition has a leader and every node serves SQL. */
export async function startCluster(o: StartOptions): Promise<CamusNode[]> {
  const partitions = o.partitions ?? 3;
  const raft = (i: number) => o.portBase + 10 + i * 2;
  const http = (i: number) => o.portBase + i;
  for (let i = 0; i < 3; i++) {
    await checkPortFree(CLUSTER_HOSTS[i]!, raft(i));
    await checkPortFree(CLUSTER_HOSTS[i]!, http(i));
  }
  const nodes: CamusNode[] = [];
  for (let i = 0; i < 3; i++) {
    const args = [
      ...(o.nodeArgs?.(i) ?? []),
      serverEntry(),
      '--mode=cluster',
      `--raft-nodename=n${i + 1}`,
      `--raft-host=${CLUSTER_HOSTS[i]}`,
      `--raft-port=${raft(i)}`,
      `--http-host=${CLUSTER_HOSTS[i]}`,
      `--http-port=${http(i)}`,
      `--initial-cluster-partitions=${partitions}`,
      '--initial-cluster',
      ...CLUSTER_HOSTS.map((h, k) => `${h}:${raft(k)}`),
      '--http-peers',
      ...CLUSTER_HOSTS.map((h, k) => `${h}:${http(k)}`),
      `--data-dir=${o.dir}`,
      '--cluster-secret=bench-secret',
    ];
    const proc = start(`camus-n${i + 1}`, process.execPath, args, join(o.dir, `n${i + 1}.log`), { cwd: o.dir });
    nodes.push({ proc, base: `http://${CLUSTER_HOSTS[i]}:${http(i)}` });
  }
  await eventually(async () => {
    for (const n of nodes) {
      if (!n.proc.running) throw new Error(`${n.proc.name} exited:\n${n.proc.tail()}`);
      const s = await getJson(`${n.base}/cluster/status`);
      for (const p of s.partitions) if (!p.leader) throw new Error(`${n.base}: partition ${p.partition} has no leader`);
    }
    for (const n of nodes) await sql(n.base, 'SHOW TABLES');
  }, 60_000, 250);
  await waitStableLeaders(nodes.map((n) => n.base));
  return nodes;
}

/**
 * Waits until every node names the same leaders and they stayed put for 3 s
 * (the nodes move leaderships to their preferred owners a few seconds after
 * start; a request caught in a transfer waits out its timeout), at most 30 s.
 */
async function waitStableLeaders(bases: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  let since = Date.now();
  while (Date.now() < deadline) {
    const views = await Promise.all(bases.map((b) => getJson(`${b}/cluster/status`).then((s) => s.partitions.map((p: any) => p.leader).join(','), () => '?')));
    const agreed = views.every((v) => v === views[0]) && !views[0]!.includes('?') ? views[0]! : '';
    if (agreed !== last) {
      last = agreed;
      since = Date.now();
    } else if (agreed && Date.now() - since >= 3_000) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts a standalone node on 127.0.0.1 and waits for it to serve SQL. */
export async function startStandalone(o: StartOptions): Promise<CamusNode> {
  await checkPortFree('127.0.0.1', o.portBase);
  const args = [...(o.nodeArgs?.(0) ?? []), serverEntry(), '--http-host=127.0.0.1', `--http-port=${o.portBase}`, `--data-dir=${join(o.dir, 'data')}`];
  const proc = start('camus-standalone', process.execPath, args, join(o.dir, 'standalone.log'), { cwd: o.dir });
  const base = `http://127.0.0.1:${o.portBase}`;
  await eventually(async () => {
    if (!proc.running) throw new Error(`standalone exited:\n${proc.tail()}`);
    await sql(base, 'SHOW TABLES');
  }, 60_000, 250);
  return { proc, base };
}

export type Params = Record<string, { type: number; strValue?: string; longValue?: number }>;

export const str = (s: string) => ({ type: 3, strValue: s });

export interface Txn {
  txnIdPT: number | string;
  txnIdCounter: number | string;
}

/** Runs SQL (query route); throws unless the answer is {status:"ok"}. Returns the raw body text. */
export async function sql(base: string, text: string, parameters: Params = {}, txn?: Txn, route = '/execute-sql-query'): Promise<string> {
  const body = JSON.stringify({ databaseName: DB, sql: text, parameters, ...(txn ?? {}) });
  const out = await postText(`${base}${route}`, body);
  if (!out.startsWith('{"status":"ok"')) throw new Error(`${base}${route}: ${out.slice(0, 200)}`);
  return out;
}

export const nonQuery = (base: string, text: string, parameters: Params = {}, txn?: Txn) => sql(base, text, parameters, txn, '/execute-sql-non-query');

/** DDL through one node, then waits until every node sees the table (schema propagates through Raft). */
export async function createTable(bases: string[], ddl: string, table: string): Promise<void> {
  await eventually(() => postText(`${bases[0]}/execute-sql-ddl`, JSON.stringify({ databaseName: DB, sql: ddl, parameters: {} })), 20_000);
  for (const b of bases) await eventually(() => sql(b, `SELECT COUNT(*) FROM ${table}`), 20_000);
}

export async function startTxn(base: string): Promise<Txn> {
  const out = await postText(`${base}/start-transaction`, JSON.stringify({ databaseName: DB }));
  const j = JSON.parse(out);
  if (j.status !== 'ok') throw new Error(`start-transaction: ${out.slice(0, 200)}`);
  return { txnIdPT: j.txnIdPT, txnIdCounter: j.txnIdCounter };
}

export async function endTxn(base: string, txn: Txn, how: 'commit' | 'rollback'): Promise<void> {
  const out = await postText(`${base}/${how}-transaction`, JSON.stringify({ databaseName: DB, ...txn }));
  if (!out.startsWith('{"status":"ok"')) throw new Error(`${how}: ${out.slice(0, 200)}`);
}

/** Per-peer transport counters and per-partition commit indexes, summed over nodes. */
export async function clusterCounters(bases: string[]): Promise<{ sent: number; socketWrites: number; received: number; commitIndex: number[]; leaders: number[] }> {
  let sent = 0;
  let socketWrites = 0;
  let received = 0;
  let commitIndex: number[] = [];
  let leaders: number[] = [];
  for (const b of bases) {
    const s = await getJson(`${b}/cluster/status`);
    for (const p of s.peers) {
      sent += p.transport?.sent ?? 0;
      socketWrites += p.transport?.socketWrites ?? 0;
      received += p.transport?.received ?? 0;
    }
    commitIndex = s.partitions.map((p: any, k: number) => Math.max(p.commitIndex, commitIndex[k] ?? 0));
    leaders = s.partitions.map((p: any) => p.leader);
  }
  return { sent, socketWrites, received, commitIndex, leaders };
}
