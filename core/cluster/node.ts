import type { Io } from '../io.js';
import { encodeCommand, KvStateMachine } from '../kv/state-machine.js';
import type { KvReply, KvRequest, KvResult } from '../kv/types.js';
import { Replica, type NodeMessage, type Outcome, type ReplicaObserver, type ReplicaOptions } from './replica.js';

import { ReplicaNode } from './replica-node.js';

export type { NodeMessage } from './replica.js';
export type NodeOptions = ReplicaOptions;
export type NodeObserver = ReplicaObserver;

/**
 * A node of the replicated key/value register store: one replica of one Raft
 * group applying a KvStateMachine. Gets are linearizable reads (ReadIndex);
 * writes are proposals answered when this node applies them.
 */
export class Node extends ReplicaNode<KvStateMachine> {
  protected readonly replica: Replica<KvStateMachine>;

  constructor(io: Io<NodeMessage>, opts: NodeOptions, observer: NodeObserver = {}) {
    super();
    this.replica = new Replica(io, opts, new KvStateMachine(), observer);
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
