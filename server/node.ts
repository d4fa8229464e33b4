// A running node: the core's TxnNode over the real world (wall clock, LevelDB,
// TCP), plus what the server does around it: creating the `test` database on
// first start, logging what an operator wants to see (elections, partitions
// led, peers up and down), a status report, and a clean shutdown that hands
// leadership to a caught-up peer first.

import { mkdir } from 'node:fs/promises';
import type { NodeMessage } from '../core/cluster/host.js';
import type { Disk, Network } from '../core/io.js';
import type { Role } from '../core/raft/types.js';
import { SqlSession, type SqlOutcome } from '../core/sql/session.js';
import { PARTITION_RESULT_CODEC } from '../core/txn/result-codec.js';
import { TxnNode, type TxnNodeOptions } from '../core/txn/node.js';
import type { ServerConfig } from './config.js';
import { formatHostPort } from './config.js';
import { isRequestTraffic } from './warm.js';
import { LevelDisk } from './disk/level-disk.js';
import { sendHeldAnswers } from './http/wire.js';
import { wallClockIo } from './io.js';
import { SILENT_LOG, type Logger } from './log.js';
import { TcpTransport, type PeerStats } from './net/tcp-transport.js';

/** Production knobs. Election timeout 10-20 ticks (0.5-1 s), heartbeats every 100 ms. */
export const NODE_TUNING = {
  tickMs: 50,
  electionTicks: 10,
  heartbeatTicks: 2,
  requestTimeoutMs: 5_000,
  snapshotEntries: 10_000,
  keepEntries: 1_000,
  balanceIntervalMs: 2_000,
} as const;

/** Used when cluster mode runs without cluster_secret (the transport needs one); main warns about it. */
export const DEFAULT_CLUSTER_SECRET = 'camusdb-default-cluster-secret';

/** A peer counts as up when a frame from it arrived within this long (heartbeats go out every 100 ms). */
const PEER_UP_MS = 2_000;

export interface DiskHandle extends Disk {
  close(): Promise<void>;
  /** Drops the recovery image once every replica has read it (optional). */
  releaseRecovered?(): void;
}

export interface TransportHandle extends Network<NodeMessage> {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): unknown;
}

export interface TransportOptions {
  id: number;
  listenHost: string;
  listenPort: number;
  peers: Map<number, { host: string; port: number }>;
  secret: string;
  onMessage: (m: NodeMessage) => void;
  log: Logger;
}

/** Factories for the disk and the transport; tests may swap them. */
export interface NodeDeps {
  openDisk?(dir: string, onFatal: (e: Error) => void): Promise<DiskHandle>;
  makeTransport?(opts: TransportOptions): TransportHandle;
  /** Extra TxnNode options (tests shorten timers). */
  nodeOptions?: Partial<TxnNodeOptions>;
  /** Called once if the disk fails; the default logs (main exits the process). */
  onFatal?(e: Error): void;
  /** Called for each peer message that serves a request (not an idle heartbeat); main keeps the loop awake on it. */
  onRequestTraffic?(): void;
}

export interface PartitionStatus {
  partition: number;
  role: Role;
  term: number;
  leader: number;
  commitIndex: number;
  appliedIndex: number;
}

export interface PeerStatus {
  id: number;
  raft: string;
  http: string | null;
  /** A frame from it arrived recently, or a connection to or from it is open. */
  reachable: boolean;
  lastHeardMsAgo: number | null;
  transport: PeerStats | null;
}

export interface NodeStatus {
  node: { id: number; name: string; mode: string; raft: string; httpPort: number };
  partitions: PartitionStatus[];
  peers: PeerStatus[];
}

export class ServerNode {
  private readonly heardMs = new Map<number, number>();
  private readonly peerUp = new Map<number, boolean>();
  private led = '';
  private timers: NodeJS.Timeout[] = [];
  private stopping: Promise<void> | null = null;
  private stopped = false;
  /** Resolves once the `test` database exists (created by this node or found). */
  readonly databaseReady: Promise<void>;
  private resolveDatabaseReady!: () => void;

  private constructor(
    readonly cfg: ServerConfig,
    readonly node: TxnNode,
    private readonly disk: DiskHandle,
    private readonly transport: TransportHandle | null,
    private readonly log: Logger,
  ) {
    this.databaseReady = new Promise((r) => (this.resolveDatabaseReady = r));
  }

  /** Opens the disk, builds the node and (cluster mode) the transport, and starts them. */
  static async start(cfg: ServerConfig, log: Logger = SILENT_LOG, deps: NodeDeps = {}): Promise<ServerNode> {
    await mkdir(cfg.nodeDataDir, { recursive: true });
    let self: ServerNode | null = null;
    const onFatal = (e: Error) => {
      log.error({ err: e.message }, 'disk failed; the node stops');
      if (deps.onFatal) deps.onFatal(e);
      else void self?.shutdown({ handOff: false });
    };
    const disk = deps.openDisk ? await deps.openDisk(cfg.nodeDataDir, onFatal) : await LevelDisk.open(cfg.nodeDataDir, { onFatal, afterCallbacks: sendHeldAnswers });
    let transport: TransportHandle | null = null;
    let deliver: (m: NodeMessage) => void = () => {};
    let network: Network<NodeMessage>;
    if (cfg.mode === 'cluster') {
      const peers = new Map(cfg.members.map((m) => [m.id, { host: m.raft.host, port: m.raft.port }] as const));
      const topts: TransportOptions = {
        id: cfg.id,
        listenHost: cfg.raftHost,
        listenPort: cfg.raftPort,
        peers,
        secret: cfg.clusterSecret || DEFAULT_CLUSTER_SECRET,
        onMessage: (m) => {
          if (deps.onRequestTraffic && isRequestTraffic(m)) deps.onRequestTraffic();
          deliver(m);
        },
        log,
      };
      transport = deps.makeTransport ? deps.makeTransport(topts) : new TcpTransport({ ...topts, results: PARTITION_RESULT_CODEC });
      network = transport;
    } else {
      let warned = false;
      network = {
        send: (to) => {
          // One voter: Raft has nobody to talk to, so this is never called.
          if (!warned) log.warn({ to }, 'standalone node asked to send a message; dropped');
          warned = true;
        },
      };
    }
    const io = wallClockIo(disk, network);
    const opts: TxnNodeOptions = {
      id: cfg.id,
      voters: cfg.members.map((m) => m.id),
      partitions: cfg.initialPartitions,
      tickMs: NODE_TUNING.tickMs,
      requestTimeoutMs: NODE_TUNING.requestTimeoutMs,
      snapshotEntries: NODE_TUNING.snapshotEntries,
      keepEntries: NODE_TUNING.keepEntries,
      balanceIntervalMs: NODE_TUNING.balanceIntervalMs,
      raft: { electionTicks: NODE_TUNING.electionTicks, heartbeatTicks: NODE_TUNING.heartbeatTicks },
      ...deps.nodeOptions,
    };
    const node = new TxnNode(io, opts, (group) => ({
      onRole: (id, role, term) => self?.onRole(group, id, role, term),
    }));
    // Every replica has read its state from the recovery image: without this the whole database would stay in memory twice.
    disk.releaseRecovered?.();
    self = new ServerNode(cfg, node, disk, transport, log);
    const sn = self;
    deliver = (m) => {
      sn.heardMs.set(m.from, Date.now());
      node.receive(m);
    };
    node.start();
    if (transport) {
      try {
        await transport.start();
      } catch (e) {
        node.stop();
        await disk.close().catch(() => {});
        throw e;
      }
    }
    if (cfg.mode === 'cluster') {
      const t = setInterval(() => sn.checkPeers(), 500);
      t.unref();
      sn.timers.push(t);
    }
    sn.ensureTestDatabase();
    return sn;
  }

  private onRole(group: number, id: number, role: Role, term: number): void {
    if (id !== this.cfg.id || this.stopped) return;
    if (role === 'leader' || role === 'candidate') this.log.info({ partition: group, role, term }, `partition ${group}: ${role} in term ${term}`);
    else this.log.debug({ partition: group, role, term }, `partition ${group}: ${role} in term ${term}`);
    // Raft reports the role before it settles; look at the set led once this event ends.
    queueMicrotask(() => this.logLed());
  }

  private logLed(): void {
    const led = this.partitionsLed();
    const key = led.join(',');
    if (key === this.led) return;
    this.led = key;
    this.log.info({ partitionsLed: led }, `leading ${led.length} of ${this.node.partitions} partitions${led.length ? `: ${led.join(', ')}` : ''}`);
  }

  partitionsLed(): number[] {
    const out: number[] = [];
    this.node.replicas.forEach((r, g) => {
      if (r.raft.role === 'leader') out.push(g);
    });
    return out;
  }

  /**
   * A peer is up when a frame from it arrived recently or an authenticated
   * connection to or from it is open. (Two followers of every group exchange
   * no messages, so hearing from a peer alone would call a healthy one down.)
   */
  private isUp(id: number, now: number, stats: readonly PeerStats[]): boolean {
    const heard = this.heardMs.get(id);
    if (heard !== undefined && now - heard <= PEER_UP_MS) return true;
    const st = stats.find((s) => s.id === id);
    return st !== undefined && (st.connected || st.inbound > 0);
  }

  private transportStats(): PeerStats[] {
    const st = this.transport?.stats();
    return Array.isArray(st) ? (st as PeerStats[]) : [];
  }

  private checkPeers(): void {
    const now = Date.now();
    const stats = this.transportStats();
    for (const m of this.cfg.members) {
      if (m.id === this.cfg.id) continue;
      const up = this.isUp(m.id, now, stats);
      const was = this.peerUp.get(m.id);
      if (was === up) continue;
      this.peerUp.set(m.id, up);
      if (up) this.log.info({ peer: m.id, raft: formatHostPort(m.raft) }, `peer ${m.id} (${formatHostPort(m.raft)}) is up`);
      else if (was !== undefined) this.log.warn({ peer: m.id, raft: formatHostPort(m.raft) }, `peer ${m.id} (${formatHostPort(m.raft)}) is down`);
    }
  }

  /** Creates the `test` database (the shell's default) once a leader exists; retries until it succeeds. */
  private ensureTestDatabase(): void {
    const attempt = () => {
      if (this.stopped) return;
      new SqlSession(this.node, 'test').execute('CREATE DATABASE IF NOT EXISTS test', new Map(), (o) => {
        if (o.status === 'ok') {
          this.log.debug({}, 'database test is ready');
          return this.resolveDatabaseReady();
        }
        if (this.stopped) return;
        const t = setTimeout(attempt, 200);
        t.unref();
      });
    };
    attempt();
  }

  /** Runs SQL in a fresh autocommit session (used by tests and tools). */
  sql(database: string, sql: string, params: ReadonlyMap<string, import('../core/sql/encoding.js').SqlValue> = new Map()): Promise<SqlOutcome> {
    return new Promise((resolve) => new SqlSession(this.node, database).execute(sql, params, resolve));
  }

  status(): NodeStatus {
    const now = Date.now();
    const stats = this.transportStats();
    return {
      node: { id: this.cfg.id, name: this.cfg.nodeName, mode: this.cfg.mode, raft: formatHostPort({ host: this.cfg.raftHost, port: this.cfg.raftPort }), httpPort: this.cfg.httpPort },
      partitions: this.node.replicas.map((r, g) => ({
        partition: g,
        role: r.raft.role,
        term: r.raft.term,
        leader: r.raft.lead,
        commitIndex: r.raft.log.committed,
        appliedIndex: r.raft.log.applied,
      })),
      peers: this.cfg.members
        .filter((m) => m.id !== this.cfg.id)
        .map((m) => {
          const heard = this.heardMs.get(m.id);
          return {
            id: m.id,
            raft: formatHostPort(m.raft),
            http: m.http ? formatHostPort(m.http) : null,
            reachable: this.isUp(m.id, now, stats),
            lastHeardMsAgo: heard === undefined ? null : now - heard,
            transport: stats.find((s) => s.id === m.id) ?? null,
          };
        }),
    };
  }

  /**
   * Clean shutdown: hands each group this node leads to a caught-up peer it
   * heard from recently and waits (at most handOffMs) for the transfers, then
   * stops the node, the transport and the disk (which writes out what is
   * queued). Safe to call more than once.
   */
  shutdown(opts: { handOff?: boolean; handOffMs?: number } = {}): Promise<void> {
    this.stopping ??= this.doShutdown(opts.handOff ?? true, opts.handOffMs ?? 2_000);
    return this.stopping;
  }

  private async doShutdown(handOff: boolean, handOffMs: number): Promise<void> {
    if (handOff && this.cfg.mode === 'cluster') {
      const deadline = Date.now() + handOffMs;
      while (Date.now() < deadline) {
        const led = this.partitionsLed();
        if (led.length === 0) break;
        const now = Date.now();
        let pending = 0;
        for (const g of led) {
          const raft = this.node.replicas[g]!.raft;
          if (raft.transferring !== 0) {
            pending++;
            continue;
          }
          const target = [...raft.progress()]
            .filter(([id, pr]) => id !== this.cfg.id && pr.match >= raft.log.committed && now - (this.heardMs.get(id) ?? -Infinity) <= PEER_UP_MS)
            .map(([id]) => id)[0];
          if (target === undefined) continue; // Nobody caught up and up to hand it to.
          this.log.info({ partition: g, to: target }, `partition ${g}: handing leadership to node ${target}`);
          this.node.transferLeader(g, target);
          pending++;
        }
        if (pending === 0) break;
        await sleep(50);
      }
    }
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.node.stop();
    if (this.transport) await this.transport.stop().catch((e) => this.log.warn({ err: String(e) }, 'transport stop failed'));
    await this.disk.close().catch((e) => this.log.warn({ err: String(e) }, 'disk close failed'));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
