import type { Io } from '../io.js';
import { encodeCommand, KvStateMachine } from '../kv/state-machine.js';
import type { KvReply, KvRequest, KvResult } from '../kv/types.js';
import type { Raft } from '../raft/raft.js';
import type { NodeId } from '../raft/types.js';
import { Replica, type NodeMessage, type Outcome, type ReplicaObserver, type ReplicaOptions } from './replica.js';

export type { NodeMessage } from './replica.js';
export type NodeOptions = ReplicaOptions;
export type NodeObserver = ReplicaObserver;

/**
 * A node of the replicated key/value register store: one replica of one Raft
 * group applying a KvStateMachine. Gets are linearizable reads (ReadIndex);
 * writes are proposals answered when this node applies them.
 */
export class Node {
  private readonly replica: Replica<KvStateMachine>;

  constructor(io: Io<NodeMessage>, opts: NodeOptions, observer: NodeObserver = {}) {
    this.replica = new Replica(io, opts, new KvStateMachine(), observer);
  }

  get id(): NodeId {
    return this.replica.id;
  }

  get raft(): Raft {
    return this.replica.raft;
  }

  get sm(): KvStateMachine {
    return this.replica.sm;
  }

  get leader(): NodeId {
    return this.replica.leader;
  }

  start(): void {
    this.replica.start();
  }

  stop(): void {
    this.replica.stop();
  }

  receive(m: NodeMessage): void {
    this.replica.receive(m);
  }

  transferLeader(to: NodeId): void {
    this.replica.transferLeader(to);
  }

  /** Serves a client request; `reply` is called exactly once, or never if the node crashes. */
  request(req: KvRequest, reply: (r: KvReply) => void): void {
    const op = req.op;
    if (op.f === 'get') {
      this.replica.read((sm) => ({ f: 'get', value: sm.read(op.key) }) as KvResult, (o) => reply(toReply(o)));
    } else {
      this.replica.propose(`${req.client}:${req.seq}`, encodeCommand(req), (o) => reply(toReply(o as Outcome<KvResult>)));
    }
  }
}

function toReply(o: Outcome<KvResult>): KvReply {
  return o.status === 'ok' ? { status: 'ok', result: o.result } : o;
}
