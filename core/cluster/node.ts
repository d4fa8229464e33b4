import type { Io } from '../io.js';
import { encodeCommand, KvStateMachine } from '../kv/state-machine.js';
import type { KvReply, KvRequest, KvResult } from '../kv/types.js';
import { ReplicaHost, type HostOptions, type NodeMessage } from './host.js';
import type { Outcome, ReplicaObserver } from './replica.js';

export type { NodeMessage } from './host.js';
export type NodeOptions = Omit<HostOptions, 'groups'>;
export type NodeObserver = ReplicaObserver;

/**
 * A node of the replicated key/value register store: one replica of one Raft
 * group applying a KvStateMachine. Gets are linearizable reads (ReadIndex);
 * writes are routed to the leader and answered when it applies them (a
 * client's session makes a retried write apply once).
 */
export class Node extends ReplicaHost<KvStateMachine> {
  constructor(io: Io<NodeMessage>, opts: NodeOptions, observer: NodeObserver = {}) {
    super(io, { ...opts, groups: 1 }, () => new KvStateMachine(), () => observer);
  }

  /** Serves a client request; `reply` is called exactly once, or never if the node crashes. */
  request(req: KvRequest, reply: (r: KvReply) => void): void {
    const op = req.op;
    if (op.f === 'get') {
      this.replicas[0]!.read((sm) => ({ f: 'get', value: sm.read(op.key) }) as KvResult, (o) => reply(toReply(o)));
    } else {
      this.call(0, `${req.client}:${req.seq}`, encodeCommand(req), (o) => reply(toReply(o as Outcome<KvResult>)));
    }
    this.flush();
  }
}

function toReply(o: Outcome<KvResult>): KvReply {
  return o.status === 'ok' ? { status: 'ok', result: o.result } : o;
}
