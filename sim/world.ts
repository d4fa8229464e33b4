import type { NodeMessage } from '../core/cluster/host.js';
import type { ReplicaObserver, ReplicaOptions } from '../core/cluster/replica.js';
import type { Io } from '../core/io.js';
import type { Raft } from '../core/raft/raft.js';
import { CorruptionError } from '../core/raft/storage.js';
import type { NodeId } from '../core/raft/types.js';
import { Hasher, wordCode } from '../core/util/hash.js';
import { RaftSafetyChecker } from './checkers/raft-safety.js';
import { SimClock } from './clock.js';
import { SimDisk } from './disk.js';
import { EventQueue, RUN_FN, SimEvent } from './queue.js';
import type { FaultOptions } from './faults.js';
import { SimNetwork } from './network.js';
import type { Rng } from './rng.js';
import type { ScheduledFault } from './fault-schedule.js';
import type { Role } from '../core/raft/types.js';

/**
 * The world's own event kinds (RUN_FN, 0, runs a function). Each carries its
 * data in the event's fields instead of a closure:
 *  - DELIVER: a node-to-node message; a = to, b = from, c = its trace size, ref = the message.
 *  - DISK, TIMER: owned by a node's incarnation (dropped if it crashed since);
 *    ref = the slot, a = the incarnation, fn = what to run. A TIMER's c is 1
 *    until it is cancelled.
 */
const DELIVER = 1;
const DISK = 2;
const TIMER = 3;

/** Trace words of the frequent event kinds, folded as hasher.word(kind) would fold them. */
const W_RECV = wordCode('recv');
const W_DISK = wordCode('disk');
const W_TIMER = wordCode('timer');
const W_RAFT = wordCode('raft');
const W_CALL = wordCode('call');
const W_ANSWER = wordCode('answer');

/**
 * Watches a run without changing it: the determinism check and the timeline
 * use it. Every hook is optional and none may draw randomness or schedule
 * events, or the run it watches would not be the run without it.
 */
export interface WorldObserver {
  /** Given the world's clock when the run starts. */
  attach?(now: () => number): void;
  /** Every word folded into the trace hash, as it is folded. */
  trace?(kind: string, a: number, b: number, c: number, d: number): void;
  /** After each event: its number (from 1), its time, and the running trace hash. */
  afterEvent?(index: number, atMs: number, hash: number): void;
  /** A node-to-node message as it is sent: when each copy will arrive (none when lost). */
  message?(from: NodeId, to: NodeId, msg: NodeMessage, deliverAt: readonly number[]): void;
  /** A replica changed role or term (through Raft's observer hook). */
  role?(group: number, node: NodeId, role: Role, term: number): void;
  /** A nemesis action about to run. */
  fault?(f: ScheduledFault): void;
}

/** One Raft group member on a node, as the checkers see it. */
export interface SimReplica {
  readonly raft: Raft;
  readonly sm: { digest(): string };
}

/** What the world needs of a node, whatever it serves: its replicas, one per group, in group order. */
export interface SimNode {
  readonly groups: readonly SimReplica[];
  start(): void;
  receive(m: NodeMessage): void;
  transferLeader(group: number, to: NodeId): void;
}

export type NodeFactory<N extends SimNode> = (io: Io<NodeMessage>, opts: Omit<ReplicaOptions, 'diskPrefix'>, observerOf: (group: number) => ReplicaObserver) => N;

/** One node slot: the disk and clock outlive crashes; the node does not. */
export interface NodeSlot<N extends SimNode = SimNode> {
  id: NodeId;
  disk: SimDisk;
  clock: SimClock;
  rng: Rng;
  node: N | null;
  /** Bumped at every crash; events scheduled by an older incarnation are dropped. */
  incarnation: number;
  /** The disk failed its checksums at recovery: this replica is gone for good. */
  failStopped: boolean;
  crashes: number;
}

export interface WorldOptions<N extends SimNode> {
  nodes: number;
  /** Raft groups per node (every node hosts every group). */
  groups: number;
  tickMs: number;
  faults: FaultOptions;
  diskLatencyMs: { min: number; max: number };
  node: Omit<ReplicaOptions, 'id' | 'voters' | 'tickMs'>;
  makeNode: NodeFactory<N>;
}

/**
 * The deterministic world: one event queue in simulated time, the simulated
 * network, disks and clocks, and the nodes living in it. Every event and
 * effect is folded into the trace hash, so two runs of a seed can be compared
 * with one string.
 */
export class World<N extends SimNode = SimNode> {
  readonly queue = new EventQueue();
  readonly net: SimNetwork;
  readonly slots: NodeSlot<N>[] = [];
  /** One Raft safety checker per group. */
  readonly checkers: RaftSafetyChecker[] = [];
  readonly ids: NodeId[];
  private hasher = new Hasher();
  private readonly clientNetRng: Rng;
  now = 0;
  events = 0;
  /**
   * Armed by the nemesis: called with every node-to-node message as it is
   * sent; returning true drops it (the sender is about to crash there).
   */
  sendTrap: ((from: NodeId, to: NodeId, msg: NodeMessage) => boolean) | null = null;
  /** An unexpected exception inside the system under test: the run's verdict is crash. */
  crashError: Error | null = null;
  observer: WorldObserver | null = null;

  constructor(
    readonly rng: Rng,
    readonly opts: WorldOptions<N>,
  ) {
    this.clientNetRng = rng.fork('client-network');
    this.ids = Array.from({ length: opts.nodes }, (_, i) => i + 1);
    this.net = new SimNetwork(rng.fork('network'), { min: 0.5, mean: 3 });
    const f = opts.faults;
    this.net.faults = { loss: f.loss, duplicate: f.duplicate, delay: f.delay, reorder: f.reorder > 0 };
    for (let g = 0; g < opts.groups; g++) {
      this.checkers.push(new RaftSafetyChecker((id) => this.slots[id - 1]?.node?.groups[g] ?? null, () => this.now));
    }
    for (const id of this.ids) {
      const clock = new SimClock(() => this.now);
      const diskRng = rng.fork(`disk/${id}`);
      const slot: NodeSlot<N> = {
        id,
        clock,
        rng: rng.fork(`node/${id}`),
        disk: null as unknown as SimDisk,
        node: null,
        incarnation: 0,
        failStopped: false,
        crashes: 0,
      };
      slot.disk = new SimDisk(
        {
          now: () => this.now,
          schedule: (at, fn) => void this.scheduleFor(slot, at, DISK, fn),
          trace: (kind, a, b) => this.trace(kind, id, a, b),
        },
        diskRng,
        { lostWrites: f['disk-partial-flush'] === 0, torn: Math.min(1, f['disk-torn']), slowFactor: 1 },
        opts.diskLatencyMs,
      );
      this.slots.push(slot);
    }
  }

  /** Folds an event or effect into the trace hash: a kind and up to four numbers. */
  trace(kind: string, a = 0, b = 0, c = 0, d = 0): void {
    this.hasher.word(kind).num(a).num(b).num(c).num(d);
    this.observer?.trace?.(kind, a, b, c, d);
  }

  /** trace() with the kind's word precomputed: `word` must be wordCode(kind). */
  private traceWord(word: number, kind: string, a: number, b: number, c: number, d: number): void {
    this.hasher.int32(word).num(a).num(b).num(c).num(d);
    this.observer?.trace?.(kind, a, b, c, d);
  }

  get traceHash(): string {
    return this.hasher.hex();
  }

  /** Schedules a world-level event (clients, nemesis): these never die. */
  at(at: number, fn: () => void): void {
    this.queue.push(Math.max(at, this.now), fn);
  }

  /**
   * Schedules an event (DISK or TIMER) owned by a node's current incarnation;
   * dropped if it crashes first. Returns the event (a timer cancels through it).
   */
  private scheduleFor(slot: NodeSlot<N>, at: number, kind: typeof DISK | typeof TIMER, fn: () => void): SimEvent {
    const e = new SimEvent(Math.max(at, this.now), kind, fn, slot.incarnation, 0, 1, slot);
    this.queue.pushEvent(e);
    return e;
  }

  /** Runs events until simulated time `until` or until the system crashes. */
  runUntil(until: number): void {
    const q = this.queue;
    while (!this.crashError && q.peekTime() <= until) {
      const e = q.pop()!;
      this.now = e.at;
      this.events++;
      this.hasher.num(e.at);
      try {
        this.dispatch(e);
      } catch (err) {
        this.crashError = err as Error;
      }
      this.observer?.afterEvent?.(this.events, e.at, this.hasher.value());
    }
    if (!this.crashError) this.now = Math.max(this.now, until);
  }

  /** Runs one event by its kind (see DELIVER, DISK and TIMER). */
  private dispatch(e: SimEvent): void {
    switch (e.kind) {
      case RUN_FN:
        e.fn!();
        return;
      case DELIVER: {
        const node = this.slots[e.a - 1]!.node;
        if (!node) return;
        this.net.delivered++;
        this.traceWord(W_RECV, 'recv', e.a, e.b, e.c, 0);
        node.receive(e.ref as NodeMessage);
        return;
      }
      case DISK:
      case TIMER: {
        const slot = e.ref as NodeSlot<N>;
        if (slot.incarnation !== e.a || !slot.node) return;
        // A cancelled timer still counts as an event of its node, as it did when it was scheduled.
        if (e.kind === DISK) this.traceWord(W_DISK, 'disk', slot.id, 0, 0, 0);
        else this.traceWord(W_TIMER, 'timer', slot.id, 0, 0, 0);
        if (e.c !== 0) e.fn!();
        return;
      }
    }
  }

  start(slot: NodeSlot<N>): void {
    if (slot.node || slot.failStopped) return;
    slot.disk.restart();
    const inc = slot.incarnation;
    const io: Io<NodeMessage> = {
      clock: slot.clock,
      random: slot.rng,
      disk: {
        write: (ops, onDurable) => {
          if (slot.incarnation === inc) slot.disk.write(ops, onDurable);
        },
        writeLazy: (ops) => {
          if (slot.incarnation === inc) slot.disk.writeLazy(ops);
        },
        recovered: () => slot.disk.recovered(),
      },
      timer: {
        after: (delayMs, fn) => {
          const e = this.scheduleFor(slot, this.now + slot.clock.toSimDelay(delayMs), TIMER, fn);
          return () => {
            e.c = 0;
          };
        },
      },
      // A crash takes effect at once: whatever the dead incarnation still does in the current event reaches nobody.
      network: { send: (to, msg) => slot.incarnation === inc && this.send(slot.id, to, msg) },
    };
    try {
      const node = this.opts.makeNode(io, { ...this.opts.node, id: slot.id, voters: this.ids, tickMs: this.opts.tickMs }, (g) => this.observerOf(g));
      slot.node = node;
      this.trace('start', slot.id);
      node.groups.forEach((r, g) => this.checkers[g]!.onStart(slot.id, r));
      node.start();
    } catch (err) {
      if (!(err instanceof CorruptionError)) throw err;
      // Detected corruption: the replica refuses to serve anything from this disk.
      slot.failStopped = true;
      slot.node = null;
      this.trace('fail-stop', slot.id);
    }
  }

  /** What a replica reports to: its group's safety checker, and the observer's role hook when there is one. */
  private observerOf(g: number): ReplicaObserver {
    const c = this.checkers[g]!;
    const obs = this.observer;
    if (!obs?.role) return c;
    return {
      onRole: (id, r, term) => {
        c.onRole(id, r, term);
        obs.role!(g, id, r, term);
      },
      onPersisted: (id, rd) => c.onPersisted(id, rd),
      onApplied: (id, e, sm) => c.onApplied(id, e, sm),
      onSnapshotInstalled: (id, snap, sm) => c.onSnapshotInstalled(id, snap, sm),
    };
  }

  crash(slot: NodeSlot<N>): void {
    if (!slot.node) return;
    slot.node = null;
    slot.incarnation++;
    slot.crashes++;
    slot.disk.crash();
    this.trace('crash', slot.id);
  }

  private send(from: NodeId, to: NodeId, msg: NodeMessage): void {
    if (this.sendTrap?.(from, to, msg)) return;
    if (msg.type === 'raft') this.traceWord(W_RAFT, 'raft', from, to, msg.groups.length, msg.groups[0]!.msgs[0]!.term);
    else this.traceWord(msg.type === 'call' ? W_CALL : W_ANSWER, msg.type, from, to, msg.callId, 0);
    const size = msg.type === 'raft' ? msg.groups.length : msg.callId;
    const net = this.net;
    const copies = net.route(from, to, this.now);
    if (this.observer?.message) this.observer.message(from, to, msg, net.deliverAt.slice(0, copies));
    for (let k = 0; k < copies; k++) this.queue.pushEvent(new SimEvent(net.deliverAt[k]!, DELIVER, null, to, from, size, msg));
  }

  /**
   * A client's call to a node: one hop of latency each way. Lost if the node
   * is down on arrival, or crashes before it answers.
   */
  clientCall<R>(nodeId: NodeId, call: (node: N, answer: (r: R) => void) => void, reply: (r: R) => void): void {
    this.queue.push(this.now + (0.2 + this.clientNetRng.exp(1)), () => {
      const slot = this.slots[nodeId - 1]!;
      if (!slot.node) return;
      const inc = slot.incarnation;
      call(slot.node, (r) => {
        if (slot.incarnation !== inc) return;
        this.trace('reply', nodeId);
        this.queue.push(this.now + (0.2 + this.clientNetRng.exp(1)), () => reply(r));
      });
    });
  }

  /** The leader of `group` with the highest term among live nodes, if any. */
  leader(group = 0): NodeSlot<N> | null {
    let best: NodeSlot<N> | null = null;
    let term = -1;
    for (const s of this.slots) {
      const raft = s.node?.groups[group]?.raft;
      if (raft?.role === 'leader' && raft.term > term) {
        best = s;
        term = raft.term;
      }
    }
    return best;
  }

  /** Violations found by every group's Raft safety checker. */
  get raftViolations(): string[] {
    return this.checkers.flatMap((c, g) => c.violations.map((v) => (this.checkers.length > 1 ? `group ${g}: ${v}` : v)));
  }

  liveSlots(): NodeSlot<N>[] {
    return this.slots.filter((s) => s.node !== null);
  }
}
