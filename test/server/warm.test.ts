import { describe, expect, it } from 'vitest';
import type { NodeMessage } from '../../core/cluster/host.js';
import type { Message } from '../../core/raft/types.js';
import { isRequestTraffic, LoopWarmer } from '../../server/warm.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LoopWarmer', () => {
  it('runs its timer from the first touch until holdMs after the last, then lets the loop sleep', async () => {
    const w = new LoopWarmer(30, 1);
    expect(w.awake).toBe(false);
    w.touch();
    expect(w.awake).toBe(true);
    for (let i = 0; i < 5; i++) {
      await sleep(10);
      w.touch();
    }
    expect(w.awake).toBe(true);
    await sleep(200);
    expect(w.awake).toBe(false);
    w.touch();
    expect(w.awake).toBe(true);
    w.stop();
    expect(w.awake).toBe(false);
  });
});

describe('LoopWarmer hold times', () => {
  it('keeps the longest hold asked for: a short touch does not cut a long one', async () => {
    const w = new LoopWarmer(300, 1);
    w.touch(5);
    await sleep(60);
    expect(w.awake).toBe(false);
    w.touch();
    w.touch(5);
    await sleep(60);
    expect(w.awake).toBe(true);
    w.stop();
  });
});

describe('isRequestTraffic', () => {
  const raft = (msgs: Message[]): NodeMessage => ({ type: 'raft', from: 1, groups: [{ group: 0, msgs }] });
  const hb = (ctx: number): Message => ({ type: 'heartbeat', from: 1, to: 2, term: 3, commit: 5, ctx });
  const hbr = (ctx: number): Message => ({ type: 'heartbeat-resp', from: 2, to: 1, term: 3, ctx });
  const app: Message = { type: 'app', from: 1, to: 2, term: 3, prevIndex: 4, prevTerm: 3, entries: [], commit: 4 };

  it('ignores the heartbeats of an idle cluster and counts everything else', () => {
    expect(isRequestTraffic(raft([hb(0), hbr(0)]))).toBe(false);
    expect(isRequestTraffic({ type: 'raft', from: 1, groups: [] })).toBe(false);
    // A ReadIndex round's heartbeats carry its context; appends and calls serve requests.
    expect(isRequestTraffic(raft([hb(0), hb(7)]))).toBe(true);
    expect(isRequestTraffic(raft([hbr(7)]))).toBe(true);
    expect(isRequestTraffic(raft([hb(0), app]))).toBe(true);
    expect(isRequestTraffic({ type: 'call', from: 1, callId: 1, group: 0, requestId: 'r', command: new Uint8Array(1) })).toBe(true);
    expect(isRequestTraffic({ type: 'answer', from: 1, callId: 1, answer: { status: 'timeout' } })).toBe(true);
  });
});
