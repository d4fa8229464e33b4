import { describe, expect, it } from 'vitest';
import { txnCluster } from '../txn/sim-cluster.js';
import { BATCH_COMMANDS_MAX, BATCH_TAG, packCommands, unpackCommands } from '../../core/cluster/batch.js';
import type { Entry } from '../../core/raft/types.js';
import type { TxnOutcome } from '../../core/txn/node.js';
import { ErrorCode } from '../../core/errors.js';
import { DecodeError, utf8Decode, utf8Encode } from '../../core/util/codec.js';

// Commands proposed while a leader's disk is busy go out packed in one entry
// (core/cluster/batch.ts). One partition on three simulated nodes.

describe('packed entries', () => {
  it('unpack to the commands packed, in order, and refuse anything else', () => {
    const cmds = [Uint8Array.of(0, 1, 2), new Uint8Array(0), Uint8Array.of(5), new Uint8Array(300).fill(7)];
    const packed = packCommands(cmds);
    expect(packed[0]).toBe(BATCH_TAG);
    expect(unpackCommands(packed)).toEqual(cmds);
    expect(() => unpackCommands(packCommands([cmds[0]!]))).toThrow(DecodeError);
    expect(() => unpackCommands(packed.subarray(0, packed.length - 1))).toThrow(DecodeError);
    expect(() => unpackCommands(Uint8Array.of(...packed, 0))).toThrow(DecodeError);
    expect(() => unpackCommands(Uint8Array.of(0, ...packed.subarray(1)))).toThrow(DecodeError);
  });
});

describe('a leader with a busy disk', () => {
  /** A cluster, node 1's applied entries, and `n` single-key transactions started at once on node 1 (the leader); runs until they answer. */
  function burst(seed: string, n: number, before?: (world: ReturnType<typeof txnCluster>) => void) {
    const applied: Entry[] = [];
    const world = txnCluster(seed, 1, 4_000, {}, {
      observe: (id, _g, base) => (id === 1 ? { ...base, onApplied: (i, e, sm) => (applied.push(e), base.onApplied?.(i, e, sm)) } : base),
    });
    const outcomes: (TxnOutcome<null> | null)[] = Array.from({ length: n }, () => null);
    const start = applied.length;
    world.at(world.now, () => {
      const node = world.slots[0]!.node!;
      for (let i = 0; i < n; i++) node.execute((tx) => (tx.put(`k${i}`, utf8Encode(`v${i}`)), null), (o) => (outcomes[i] = o));
      before?.(world);
    });
    world.runUntil(world.now + 3_000);
    return { world, outcomes, entries: applied.slice(start) };
  }

  it('packs the commands proposed meanwhile into a few entries, and every transaction gets its own answer', () => {
    const n = 150;
    const { world, outcomes, entries } = burst('batch/burst', n);
    expect(world.leader(0)?.id).toBe(1);
    for (const o of outcomes) expect(o?.status).toBe('committed');
    const packed = entries.filter((e) => e.data[0] === BATCH_TAG);
    const commands = packed.map((e) => unpackCommands(e.data).length);
    // A command proposed while the disk was idle goes alone; the rest wait for that write.
    expect(commands.reduce((a, b) => a + b, 0)).toBeGreaterThan(n - 10);
    expect(Math.max(...commands)).toBe(BATCH_COMMANDS_MAX);
    expect(entries.filter((e) => e.data.length > 0).length).toBeLessThan(10);
    // Every replica applied the same state, and every write is there.
    const digests = world.slots.map((s) => s.node!.groups[0]!.sm.digest());
    expect(new Set(digests).size).toBe(1);
    let read: TxnOutcome<(string | null)[]> | null = null;
    world.at(world.now, () => world.slots[2]!.node!.execute((tx) => Array.from({ length: n }, (_, i) => tx.get(`k${i}`)).map((v) => (v ? utf8Decode(v) : null)), (o) => (read = o)));
    world.runUntil(world.now + 2_000);
    expect(read).toMatchObject({ status: 'committed', value: Array.from({ length: n }, (_, i) => `v${i}`) });
  });

  it('fails each held command, retryably, when leadership moves before they are proposed', () => {
    const n = 20;
    const { world, outcomes } = burst('batch/transfer', n, (w) => {
      // In the same event: the commands just proposed are held (the leader's
      // disk is busy), and a leader handing over refuses proposals.
      w.slots[0]!.node!.transferLeader(0, 2);
    });
    for (const o of outcomes) expect(o?.status === 'committed' || (o?.status === 'failed' && o.code === ErrorCode.TransactionMustRetry)).toBe(true);
    // At most the first went out before the disk was busy; every held one was refused.
    expect(outcomes.filter((o) => o?.status === 'failed').length).toBeGreaterThanOrEqual(n - 1);
    let retry: TxnOutcome<null> | null = null;
    world.at(world.now, () => world.slots[0]!.node!.execute((tx) => (tx.put('k0', utf8Encode('again')), null), (o) => (retry = o)));
    world.runUntil(world.now + 2_000);
    expect(retry).toMatchObject({ status: 'committed' });
  });
});

// A busy leader applies committed entries while its next batch is being
// written (Replica.process, ReplicaIo.defer): they are durable on a quorum
// already. Before, it applied each batch only when the next one was durable,
// so every write waited for two fsyncs.
describe('a leader with a busy disk, applying', () => {
  it('applies committed entries while its next write is in flight', () => {
    let early = 0;
    let applies = 0;
    let world: ReturnType<typeof txnCluster> | null = null;
    world = txnCluster('batch/early-apply', 1, 4_000, {}, {
      observe: (id, _g, base) =>
        id === 1
          ? {
              ...base,
              onApplied: (i, e, sm) => {
                if (e.data.length > 0 && world) {
                  applies++;
                  if (world.slots[0]!.disk.writesInFlight > 0) early++;
                }
                base.onApplied?.(i, e, sm);
              },
            }
          : base,
    });
    const w = world;
    expect(w.leader(0)?.id).toBe(1);
    const n = 200;
    const outcomes: (TxnOutcome<null> | null)[] = Array.from({ length: n }, () => null);
    // Transactions keep arriving, so the leader always has another batch to write.
    for (let i = 0; i < n; i++) w.at(w.now + i * 0.5, () => w.slots[0]!.node!.execute((tx) => (tx.put(`k${i}`, utf8Encode(`v${i}`)), null), (o) => (outcomes[i] = o)));
    w.runUntil(w.now + 3_000);
    for (const o of outcomes) expect(o?.status).toBe('committed');
    expect(applies).toBeGreaterThan(5);
    expect(early).toBeGreaterThan(applies / 2);
  });
});
