import { describe, expect, it } from 'vitest';
import { txnCluster } from '../txn/sim-cluster.js';
import type { Outcome } from '../../core/cluster/replica.js';
import { encodePartitionCommand, requestIdOf, type PartitionCommand } from '../../core/txn/commands.js';
import { utf8Encode } from '../../core/util/codec.js';
import { ErrorCode } from '../../core/errors.js';
import { compareTs, ZERO_TS } from '../../core/hlc.js';
import type { TxnOutcome } from '../../core/txn/node.js';

// A retried request reaches the leader again while its first try is still
// uncommitted (a forwarding node retries after about one election without an
// answer). One partition on three simulated nodes; node 1 leads.

describe('a leader given a retry of a request it logged', () => {
  it('logs it once in its term, and answers every try with the one result', () => {
    const world = txnCluster('retry/dedup', 1, 4_000);
    const replica = world.slots[0]!.node!.groups[0]!;
    expect(replica.raft.role).toBe('leader');
    const now = world.slots[0]!.node!.hlc.now();
    const c: PartitionCommand = {
      type: 'commit',
      txn: { txnId: 'retried', snapshotTs: now, reads: [], ranges: [], writes: [{ key: 'k', value: utf8Encode('v') }] },
      proposedTs: now,
    };
    const answers: Outcome<unknown>[] = [];
    const log = replica.raft.log;
    let before = 0;
    // Cut the leader off so the entry stays uncommitted while the retries come.
    world.at(world.now, () => {
      world.net.partition([1], [2, 3]);
      before = log.lastIndex();
      replica.propose(requestIdOf(c), encodePartitionCommand(c), (o) => answers.push(o));
    });
    world.runUntil(world.now + 30);
    world.at(world.now, () => {
      for (let i = 0; i < 3; i++) replica.propose(requestIdOf(c), encodePartitionCommand(c), (o) => answers.push(o));
    });
    world.runUntil(world.now + 30);
    expect(replica.raft.role).toBe('leader');
    expect(log.lastIndex()).toBe(before + 1);
    expect(answers).toEqual([]);
    world.at(world.now, () => world.net.heal());
    world.runUntil(world.now + 500);
    expect(answers.length).toBe(4);
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: 'ok', result: { ok: true } });
  });
});

// A forwarding node's retry can be refused while its first try sits in the
// leader's log: "proposal dropped" then speaks for that one attempt only. In
// bank seed 18265 a coordinator took such a failure of its commit decision's
// retry for final and aborted the other participants, while the first try
// committed the decision: a partial commit. Here the first try commits and
// its answer is lost; the retry's refusal is forged (it stands for a leader
// that refused the retry: a leadership transfer begun, or too much
// uncommitted work).
describe('a call whose retry is refused after an unanswered attempt', () => {
  it('does not answer failed: it tries again and answers with the result', () => {
    const world = txnCluster('retry/refused', 1, 4_000);
    const leader = world.leader(0)!.id;
    const follower = world.ids.find((id) => id !== leader)!;
    const node = world.slots[follower - 1]!.node!;
    const now = node.hlc.now();
    const c: PartitionCommand = {
      type: 'commit',
      txn: { txnId: 'refused-retry', snapshotTs: now, reads: [], ranges: [], writes: [{ key: 'k', value: utf8Encode('v') }] },
      proposedTs: now,
    };
    const answers: Outcome<unknown>[] = [];
    let callId = -1;
    let calls = 0;
    let dropAnswers = true;
    world.sendTrap = (from, to, m) => {
      if (from === follower && m.type === 'call') {
        callId = m.callId;
        calls++;
      }
      return dropAnswers && from === leader && to === follower && m.type === 'answer';
    };
    world.at(world.now, () => node.send(0, c, (o) => answers.push(o)));
    // Long enough for the first try to commit and for one retry (after about an election) to be answered and lost.
    world.runUntil(world.now + 700);
    const store = world.slots[leader - 1]!.node!.groups[0]!.sm.store;
    expect(store.get('k', store.highTs).value).toEqual(utf8Encode('v'));
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(answers).toEqual([]);
    dropAnswers = false;
    world.at(world.now, () =>
      node.receive({ type: 'answer', from: leader, callId, answer: { status: 'failed', code: ErrorCode.TransactionMustRetry, message: 'proposal dropped' } }),
    );
    world.runUntil(world.now + 500);
    expect(answers.length).toBe(1);
    expect(answers[0]).toMatchObject({ status: 'ok', result: { ok: true } });
  });
});

// The outcome a partition keeps for duplicates is dropped once the GC floor
// passes the transaction's snapshot (store.ts, remember). A retry that
// arrives after that is validated afresh and refused as snapshot-too-old,
// though its first try committed: a conflict ("changed nothing") would be a
// lie. It takes a floor that moves faster than a call lives, which a leader's
// clock jumping ahead can cause; here the test proposes the floor itself.
describe('a commit retried after the GC floor passed its snapshot', () => {
  it('answers timeout, not a conflict: its first try may have committed', () => {
    const world = txnCluster('retry/gc-floor', 1, 4_000, {}, { replica: { snapshotEntries: 1000, keepEntries: 50, requestTimeoutMs: 3_000 } });
    const leader = world.leader(0)!.id;
    const follower = world.ids.find((id) => id !== leader)!;
    const node = world.slots[follower - 1]!.node!;
    const outcomes: TxnOutcome<null>[] = [];
    let calls = 0;
    let cut = true;
    let snapshotTs = ZERO_TS;
    world.sendTrap = (from, to, m) => {
      if (from === follower && m.type === 'call') return ++calls > 1 && cut;
      return cut && from === leader && to === follower && m.type === 'answer';
    };
    world.at(world.now, () =>
      node.begin((b) => {
        if (b.status !== 'ok') throw new Error(`begin: ${b.status}`);
        snapshotTs = b.result.snapshotTs;
        b.result.put('k', utf8Encode('v'));
        node.commit(b.result, (o) => outcomes.push(o));
      }),
    );
    world.runUntil(world.now + 300);
    const leaderNode = world.slots[leader - 1]!.node!;
    const store = leaderNode.groups[0]!.sm.store;
    expect(calls).toBe(1);
    expect(store.get('k', store.highTs).value).toEqual(utf8Encode('v'));
    world.at(world.now, () => {
      const gc: PartitionCommand = { type: 'gc', id: 'test-gc', belowTs: leaderNode.hlc.now() };
      leaderNode.groups[0]!.propose(requestIdOf(gc), encodePartitionCommand(gc), () => {});
    });
    world.runUntil(world.now + 100);
    // The floor is past the snapshot, so the kept outcome is gone.
    expect(compareTs(store.gcThreshold, snapshotTs)).toBeGreaterThan(0);
    expect(outcomes).toEqual([]);
    cut = false;
    world.runUntil(world.now + 3_000);
    expect(calls).toBeGreaterThan(1);
    expect(outcomes).toEqual([{ status: 'timeout' }]);
  });
});
