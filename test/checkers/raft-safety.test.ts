import { describe, expect, it } from 'vitest';
import { KvStateMachine, encodeCommand } from '../../core/kv/state-machine.js';
import type { Entry, Ready } from '../../core/raft/types.js';
import { RaftSafetyChecker } from '../../sim/checkers/raft-safety.js';

const cmd = (v: string) => encodeCommand({ client: 1, seq: 1, op: { f: 'put', key: 'k', value: v } });
const entry = (index: number, term: number, v: string): Entry => ({ index, term, data: cmd(v) });
const rd = (entries: Entry[]): Ready => ({ hardState: null, entries, snapshot: null, messages: [], committed: [], readStates: [] });

function checker() {
  return new RaftSafetyChecker(() => null, () => 0);
}

describe('RaftSafetyChecker', () => {
  it('accepts replicas that agree', () => {
    const c = checker();
    const log = [entry(1, 1, 'a'), entry(2, 1, 'b'), entry(3, 2, 'c')];
    for (const id of [1, 2, 3]) c.onPersisted(id, rd(log));
    for (const id of [1, 2, 3]) {
      const sm = new KvStateMachine();
      for (const e of log) {
        sm.apply(e.data);
        c.onApplied(id, e, sm);
      }
    }
    c.onRole(1, 'leader', 1);
    c.onRole(2, 'leader', 2);
    expect(c.violations).toEqual([]);
  });

  it('requires committed entries only of leaders of later terms', () => {
    const logs = new Map<number, Entry[]>([[1, []], [2, [entry(1, 2, 'a')]], [3, []]]);
    const raftOf = (id: number) => ({ raft: { log: { firstIndex: () => 1, term: (i: number) => logs.get(id)![i - 1]?.term } } }) as never;
    const c = new RaftSafetyChecker(raftOf, () => 0);
    c.onRole(2, 'leader', 2);
    const sm = new KvStateMachine();
    sm.apply(cmd('a'));
    c.onApplied(2, entry(1, 2, 'a'), sm);
    // Node 1 wins term 1 with delayed votes: a stale leader, it need not hold 1/2.
    c.onRole(1, 'leader', 1);
    expect(c.violations).toEqual([]);
    // Node 3 leads term 3 without 1/2: a committed entry is lost.
    c.onRole(3, 'leader', 3);
    expect(c.violations.join()).toMatch(/leader completeness/);
  });

  it('flags two leaders in one term', () => {
    const c = checker();
    c.onRole(1, 'leader', 3);
    c.onRole(2, 'leader', 3);
    expect(c.violations.join()).toMatch(/election safety/);
  });

  it('flags logs that hold the same (index, term) with different prefixes', () => {
    const c = checker();
    c.onPersisted(1, rd([entry(1, 1, 'a'), entry(2, 2, 'b')]));
    c.onPersisted(2, rd([entry(1, 1, 'x'), entry(2, 2, 'b')]));
    expect(c.violations.join()).toMatch(/log matching/);
  });

  it('follows truncations: an overwritten tail is not compared again', () => {
    const c = checker();
    c.onPersisted(1, rd([entry(1, 1, 'a'), entry(2, 1, 'stale')]));
    c.onPersisted(1, rd([entry(2, 2, 'b')]));
    c.onPersisted(2, rd([entry(1, 1, 'a'), entry(2, 2, 'b')]));
    expect(c.violations).toEqual([]);
  });

  it('flags different entries applied at one index, gaps in applying, and diverging state', () => {
    const c = checker();
    const sm1 = new KvStateMachine();
    const sm2 = new KvStateMachine();
    sm1.apply(cmd('a'));
    c.onApplied(1, entry(1, 1, 'a'), sm1);
    sm2.apply(cmd('b'));
    c.onApplied(2, entry(1, 1, 'b'), sm2);
    c.onApplied(3, entry(2, 1, 'c'), new KvStateMachine());
    const all = c.violations.join('\n');
    expect(all).toMatch(/state machine safety/);
    expect(all).toMatch(/apply order/);
  });
});
