// The cluster reference: a 3-member etcd (Debian's etcd-server, 3.4) on
// 127.0.0.1/.2/.3, members started by the bench and stopped by pid. Clients
// use etcd's JSON gateway (/v3/kv/put, /v3/kv/range, /v3/kv/txn; keys and
// values base64) over the same fetch client as CamusDB; ranges are
// linearizable (etcd's default, serializable: false).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, postText } from './http.js';
import { checkPortFree, ensureDebian, eventually, run, start, type Managed } from './procs.js';

export const ETCD = '/usr/bin/etcd';
const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

export function ensureEtcd(log: (s: string) => void): string {
  ensureDebian(() => existsSync(ETCD), ['etcd-server'], log);
  return run(ETCD, ['--version']).split('\n')[0]!.trim();
}

export interface EtcdMember {
  proc: Managed;
  base: string;
}

export async function startEtcd(dir: string, portBase: number): Promise<EtcdMember[]> {
  const client = (i: number) => portBase + i;
  const peer = (i: number) => portBase + 10 + i;
  for (let i = 0; i < 3; i++) {
    await checkPortFree(HOSTS[i]!, client(i));
    await checkPortFree(HOSTS[i]!, peer(i));
  }
  const initial = HOSTS.map((h, i) => `e${i + 1}=http://${h}:${peer(i)}`).join(',');
  const members: EtcdMember[] = [];
  for (let i = 0; i < 3; i++) {
    const h = HOSTS[i]!;
    const args = [
      `--name=e${i + 1}`,
      `--data-dir=${join(dir, `etcd-${i + 1}`)}`,
      `--listen-client-urls=http://${h}:${client(i)}`,
      `--advertise-client-urls=http://${h}:${client(i)}`,
      `--listen-peer-urls=http://${h}:${peer(i)}`,
      `--initial-advertise-peer-urls=http://${h}:${peer(i)}`,
      `--initial-cluster=${initial}`,
      '--initial-cluster-state=new',
      '--initial-cluster-token=camus-bench',
      '--logger=zap',
      '--log-level=warn',
    ];
    const proc = start(`etcd-e${i + 1}`, ETCD, args, join(dir, `etcd-${i + 1}.log`), { cwd: dir });
    members.push({ proc, base: `http://${h}:${client(i)}` });
  }
  await eventually(async () => {
    for (const m of members) {
      if (!m.proc.running) throw new Error(`${m.proc.name} exited:\n${m.proc.tail()}`);
      const h = await getJson(`${m.base}/health`);
      if (String(h.health) !== 'true') throw new Error(`${m.base} not healthy`);
    }
    await etcdPut(members[0]!.base, 'bench-ready', 'x');
  }, 60_000, 250);
  return members;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export async function etcdPut(base: string, key: string, value: string): Promise<void> {
  const out = await postText(`${base}/v3/kv/put`, `{"key":"${b64(key)}","value":"${b64(value)}"}`);
  if (!out.includes('"header"')) throw new Error(`etcd put: ${out.slice(0, 200)}`);
}

/** A linearizable get of one key; throws when the key is missing. */
export async function etcdGet(base: string, key: string): Promise<void> {
  const out = await postText(`${base}/v3/kv/range`, `{"key":"${b64(key)}"}`);
  if (!out.includes('"kvs"')) throw new Error(`etcd range: ${out.slice(0, 200)}`);
}

/** One transaction with two puts (the reference figure for the two-table transaction). */
export async function etcdTxn2(base: string, k1: string, k2: string, value: string): Promise<void> {
  const v = b64(value);
  const out = await postText(`${base}/v3/kv/txn`, `{"success":[{"requestPut":{"key":"${b64(k1)}","value":"${v}"}},{"requestPut":{"key":"${b64(k2)}","value":"${v}"}}]}`);
  if (!out.includes('"succeeded":true')) throw new Error(`etcd txn: ${out.slice(0, 200)}`);
}
