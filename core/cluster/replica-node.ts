import type { Raft } from '../raft/raft.js';
import type { NodeId } from '../raft/types.js';
import type { NodeMessage, ReplicatedStateMachine, Replica } from './replica.js';

/**
 * What every kind of node shares: it owns one Replica and forwards the
 * host's events to it. Subclasses add the client-facing API (key/value
 * requests, transactions).
 */
export abstract class ReplicaNode<SM extends ReplicatedStateMachine> {
  protected abstract readonly replica: Replica<SM>;

  get id(): NodeId {
    return this.replica.id;
  }

  get raft(): Raft {
    return this.replica.raft;
  }

  get sm(): SM {
    return this.replica.sm;
  }

  /** The current leader as this node sees it. */
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
}
