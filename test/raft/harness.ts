// An in-memory cluster of Raft step machines for the transcript tests. Every
// node has a disk (written through the real RaftDiskLayout, durable at once),
// an applied list that plays the state machine, and is either up or down. The
// network is one FIFO queue; a message on a cut link or to a down node is
// dropped when its turn comes, while what a node sent before it crashed is
// already on the wire and still arrives. Everything is deterministic: election
// timeouts are exactly electionTicks (randomInt returns 0) and nodes act in id
// order.

import type { DiskOp } from '../../core/io.js';
import { Raft } from '../../core/raft/raft.js';
import { RaftDiskLayout } from '../../core/raft/storage.js';
import { DEFAULT_RAFT_CONFIG, type Entry, type Message, type NodeId, type RaftConfig, type Ready, type Snapshot } from '../../core/raft/types.js';

export type RaftTuning = Omit<RaftConfig, 'id' | 'voters'>;

export interface SimNode {
  readonly id: NodeId;
  readonly cfg: RaftConfig;
  /** What survives a crash. */
  disk: Map<string, Uint8Array>;
  /** Null while the node is down; memory is gone then. */
  raft: Raft | null;
  layout: RaftDiskLayout;
  /** The state machine: every entry applied, in order (rebuilt from the snapshot on restart). */
  applied: Entry[];
}

const PREFIX = 'raft/';
const enc = new TextEncoder();
const dec = new TextDecoder();

export function fmtEntry(e: Entry): string {
  return `${e.index}/${e.term}` + (e.data.length ? `:${dec.decode(e.data)}` : '');
}

function fmtEntries(es: readonly Entry[]): string {
  return `[${es.map(fmtEntry).join(' ')}]`;
}

export function fmtMsg(m: Message): string {
  const h = `${m.from}->${m.to}`;
  switch (m.type) {
    case 'app':
      return `${h} app term=${m.term} prev=${m.prevIndex}/${m.prevTerm} commit=${m.commit}` + (m.entries.length ? ` entries=${fmtEntries(m.entries)}` : '');
    case 'app-resp':
      return `${h} app-resp term=${m.term}` + (m.reject ? ` reject index=${m.index} hint=${m.hintIndex}/${m.hintTerm}` : ` index=${m.index}`);
    case 'heartbeat':
      return `${h} heartbeat term=${m.term} commit=${m.commit}` + (m.ctx ? ` ctx=${m.ctx}` : '');
    case 'heartbeat-resp':
      return `${h} heartbeat-resp term=${m.term}` + (m.ctx ? ` ctx=${m.ctx}` : '');
    case 'commit':
      return `${h} commit term=${m.term} commit=${m.commit}`;
    case 'vote':
      return `${h} ${m.pre ? 'prevote' : 'vote'} term=${m.term} last=${m.lastIndex}/${m.lastTerm}` + (m.force ? ' force' : '');
    case 'vote-resp':
      return `${h} ${m.pre ? 'prevote' : 'vote'}-resp term=${m.term} ${m.reject ? 'rejected' : 'granted'}`;
    case 'snap':
      return `${h} snap term=${m.term} snap=${m.snapshot.meta.index}/${m.snapshot.meta.term}`;
    case 'timeout-now':
      return `${h} timeout-now term=${m.term}`;
    case 'prop':
      return `${h} prop term=${m.term} data=[${m.entries.map((d) => dec.decode(d)).join(' ')}]`;
    case 'read-index':
      return `${h} read-index term=${m.term} ctx=${m.ctx}`;
    case 'read-index-resp':
      return `${h} read-index-resp term=${m.term} ctx=${m.ctx} index=${m.index}` + (m.reject ? ' rejected' : '');
  }
}

/** The state machine image is the applied list itself, so a snapshot shows exactly what it covers. */
function encodeImage(applied: readonly Entry[]): Uint8Array {
  return enc.encode(JSON.stringify(applied.map((e) => [e.index, e.term, dec.decode(e.data)])));
}

function decodeImage(b: Uint8Array): Entry[] {
  return (JSON.parse(dec.decode(b)) as [number, number, string][]).map(([index, term, d]) => ({ index, term, data: enc.encode(d) }));
}

function applyOps(disk: Map<string, Uint8Array>, ops: readonly DiskOp[]): void {
  for (const op of ops) {
    if (op.type === 'put') disk.set(op.key, op.value);
    else disk.delete(op.key);
  }
}

export class Cluster {
  readonly nodes = new Map<NodeId, SimNode>();
  queue: Message[] = [];
  /** Cut directed links, as "from->to". */
  readonly cuts = new Set<string>();
  /** While true, delivered heartbeats without a read context are not printed (routine traffic during tick-all). */
  private quietHeartbeats = false;
  private out: string[] = [];
  private quietRoles = false;

  constructor(n: number, tuning: Partial<RaftTuning> = {}) {
    const voters = Array.from({ length: n }, (_, k) => k + 1);
    for (const id of voters) {
      const cfg: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...tuning, id, voters };
      this.nodes.set(id, { id, cfg, disk: new Map(), raft: null, layout: new RaftDiskLayout(PREFIX), applied: [] });
      this.start(id);
    }
  }

  private print(line: string): void {
    this.out.push(line);
  }

  /** Returns what was printed since the last call. */
  take(): string[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** The Raft of a live node; commands on a down node are a mistake in the transcript. */
  raft(id: NodeId): Raft {
    const r = this.node(id).raft;
    if (!r) throw new Error(`node ${id} is down`);
    return r;
  }

  /** Builds the node's memory from its disk alone, as a process start does. */
  private start(id: NodeId): void {
    const n = this.node(id);
    n.layout = new RaftDiskLayout(PREFIX);
    const stored = n.layout.recover(n.disk);
    // The constructor announces the follower role; a start is reported by its caller instead.
    this.quietRoles = true;
    n.raft = new Raft(n.cfg, stored, () => 0, {
      onRole: (nid, role, term) => {
        if (!this.quietRoles) this.print(`${nid} becomes ${role} at term ${term}`);
      },
    });
    this.quietRoles = false;
    n.applied = stored.snapshot ? decodeImage(stored.snapshot.data) : [];
  }

  crash(id: NodeId): void {
    const n = this.node(id);
    n.raft = null;
    n.applied = [];
  }

  restart(id: NodeId): void {
    if (this.node(id).raft) throw new Error(`node ${id} is up`);
    this.start(id);
    this.flush();
  }

  /** Replaces a node's disk by one holding the given log and hard state, then starts it from that disk. */
  setLog(id: NodeId, terms: number[], hs: { term?: number; vote?: number; commit?: number }): void {
    const n = this.node(id);
    const entries = terms.map((term, k) => ({ index: k + 1, term, data: new Uint8Array(0) }));
    const hardState = { term: hs.term ?? terms[terms.length - 1] ?? 0, vote: hs.vote ?? 0, commit: hs.commit ?? 0 };
    const rd: Ready = { hardState, entries, snapshot: null, messages: [], committed: [], readStates: [] };
    n.disk = new Map();
    applyOps(n.disk, new RaftDiskLayout(PREFIX).opsForReady(rd));
    this.crash(id);
    this.start(id);
  }

  /** Snapshots the applied list up to `index` and compacts the log there, in memory and on disk. */
  compact(id: NodeId, index: number): void {
    const n = this.node(id);
    const r = this.raft(id);
    const term = r.log.term(index);
    if (term === undefined || index > r.log.applied) throw new Error(`cannot compact ${id} at ${index}`);
    const snap: Snapshot = { meta: { index, term, voters: n.cfg.voters }, data: encodeImage(n.applied.filter((e) => e.index <= index)) };
    r.compact(snap, index);
    applyOps(n.disk, n.layout.opsForCompaction(snap, index, term));
  }

  /** Does what each live node's Ready asks, in the order the host contract requires, until none has work. */
  flush(): void {
    for (let busy = true; busy; ) {
      busy = false;
      for (const n of this.nodes.values()) {
        if (!n.raft?.hasReady()) continue;
        busy = true;
        const rd = n.raft.ready();
        applyOps(n.disk, n.layout.opsForReady(rd));
        this.queue.push(...rd.messages);
        if (rd.snapshot) {
          n.applied = decodeImage(rd.snapshot.data);
          this.print(`${n.id} installed snapshot ${rd.snapshot.meta.index}/${rd.snapshot.meta.term}`);
        }
        if (rd.committed.length) {
          n.applied.push(...rd.committed);
          this.print(`${n.id} applied ${rd.committed.map(fmtEntry).join(' ')}`);
        }
        for (const rs of rd.readStates) this.print(`${n.id} read-state ctx=${rs.ctx} index=${rs.index}`);
        n.raft.advance(rd);
      }
    }
  }

  private isDelivered(m: Message): boolean {
    return !!this.nodes.get(m.to)?.raft && !this.cuts.has(`${m.from}->${m.to}`);
  }

  /** Delivers (or drops) the oldest message in flight; returns it, or null when none is. */
  deliverOne(drops: Message[] | null = null): Message | null {
    const m = this.queue.shift();
    if (!m) return null;
    if (!this.isDelivered(m)) {
      if (drops) drops.push(m);
      else this.print(`${fmtMsg(m)} DROPPED`);
      return m;
    }
    const routine = (m.type === 'heartbeat' || m.type === 'heartbeat-resp') && m.ctx === 0;
    if (!(this.quietHeartbeats && routine)) this.print(fmtMsg(m));
    this.nodes.get(m.to)!.raft!.step(m);
    this.flush();
    return m;
  }

  /** Delivers until no message is in flight and no node has work left. */
  stabilize(drops: Message[] | null = null): void {
    this.flush();
    for (let k = 0; this.deliverOne(drops); k++) {
      if (k > 100_000) throw new Error('stabilize does not converge');
    }
  }

  /** Lets `rounds` ticks of time pass: each live node in id order ticks once, then the network settles. */
  tickAll(rounds: number): void {
    const drops: Message[] = [];
    this.quietHeartbeats = true;
    try {
      for (let t = 0; t < rounds; t++) {
        for (const n of this.nodes.values()) {
          if (!n.raft) continue;
          n.raft.tick();
          this.stabilize(drops);
        }
      }
    } finally {
      this.quietHeartbeats = false;
    }
    if (drops.length) this.print(`dropped: ${summarize(drops)}`);
  }

  partition(groups: NodeId[][]): void {
    const group = new Map<NodeId, number>();
    groups.forEach((g, k) => g.forEach((id) => group.set(id, k)));
    // A node named in no group is alone on its side.
    let next = groups.length;
    for (const id of this.nodes.keys()) if (!group.has(id)) group.set(id, next++);
    for (const a of this.nodes.keys()) for (const b of this.nodes.keys()) if (group.get(a) !== group.get(b)) this.cuts.add(`${a}->${b}`);
  }

  status(id: NodeId): string {
    const r = this.node(id).raft;
    if (!r) return `${id} down`;
    const l = r.log;
    return `${id} ${r.role.padEnd(13)} term=${r.term} vote=${r.vote} lead=${r.lead} commit=${l.committed} applied=${l.applied} last=${l.lastIndex()}`;
  }

  /** The state machine of a live node: every entry it applied, in order. */
  appliedLine(id: NodeId): string {
    const n = this.node(id);
    if (!n.raft) return `${id} down`;
    return `${id} state: ${n.applied.map(fmtEntry).join(' ') || 'empty'}`;
  }

  /** The log of a live node from memory, of a down node from its disk. */
  logLine(id: NodeId): string {
    const n = this.node(id);
    let first: number;
    let prevTerm: number | undefined;
    let ents: Entry[];
    if (n.raft) {
      const l = n.raft.log;
      first = l.firstIndex();
      prevTerm = l.term(first - 1);
      ents = l.slice(first, l.lastIndex() + 1) ?? [];
    } else {
      const s = new RaftDiskLayout(PREFIX).recover(n.disk);
      first = s.firstIndexMinusOne + 1;
      prevTerm = s.firstTermMinusOne;
      ents = s.entries;
    }
    const parts = first > 1 ? [`snap=${first - 1}/${prevTerm}`] : [];
    parts.push(...ents.map(fmtEntry));
    return `${id}${n.raft ? '' : ' (down, disk)'}: ${parts.join(' ') || 'empty'}`;
  }
}

/** "1->2 heartbeat x5, ..." in order of first appearance. */
function summarize(ms: Message[]): string {
  const counts = new Map<string, number>();
  for (const m of ms) {
    const kind = (m.type === 'vote' || m.type === 'vote-resp') && m.pre ? m.type.replace('vote', 'prevote') : m.type;
    const k = `${m.from}->${m.to} ${kind}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, c]) => (c > 1 ? `${k} x${c}` : k)).join(', ');
}
