import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkBank, type BankRead } from '../../sim/checkers/bank.js';

const accounts = ['a', 'b', 'c'];
const opts = { accounts, total: 300 };

describe('checkBank', () => {
  it('accepts snapshots that conserve the total', () => {
    const reads: BankRead[] = [
      { txnId: 1, balances: { a: 100, b: 100, c: 100 } },
      { txnId: 2, balances: { a: 0, b: 250, c: 50 } },
      { txnId: 3, balances: new Map([['a', 10n], ['b', 20n], ['c', 270n]]) },
      { txnId: 4, balances: [['c', 300], ['a', 0], ['b', 0]] },
    ];
    expect(checkBank(reads, opts)).toEqual({ ok: true, violations: [] });
  });

  it('reports a read whose balances do not add up', () => {
    const r = checkBank([{ txnId: 7, balances: { a: 100, b: 150, c: 100 } }], opts);
    expect(r.ok).toBe(false);
    expect(r.violations).toEqual([{ txnId: 7, kind: 'total', detail: 'balances sum to 350, not 300' }]);
  });

  it('reports negative balances unless they are allowed', () => {
    const reads = [{ txnId: 1, balances: { a: -50, b: 250, c: 100 } }];
    expect(checkBank(reads, opts).violations.map((v) => v.kind)).toEqual(['negative']);
    expect(checkBank(reads, { ...opts, allowNegative: true }).ok).toBe(true);
  });

  it('reports missing, unknown and duplicated accounts, and skips the total then', () => {
    const r = checkBank(
      [
        { txnId: 1, balances: { a: 100, b: 200 } },
        { txnId: 2, balances: { a: 100, b: 100, c: 100, d: 5 } },
        { txnId: 3, balances: [['a', 100], ['b', 100], ['c', 50], ['c', 50]] },
      ],
      opts,
    );
    expect(r.violations.map((v) => [v.txnId, v.kind])).toEqual([
      [1, 'missing-account'],
      [2, 'unknown-account'],
      [3, 'duplicate-account'],
    ]);
    expect(r.violations[0]!.detail).toContain('c');
  });

  it('sums exactly, beyond the range of doubles', () => {
    const big = 2n ** 62n;
    const r = checkBank([{ txnId: 1, balances: new Map([['a', big], ['b', big], ['c', 1n]]) }], { accounts, total: 2n * big + 1n });
    expect(r.ok).toBe(true);
    const off = checkBank([{ txnId: 1, balances: new Map([['a', big], ['b', big], ['c', 2n]]) }], { accounts, total: 2n * big + 1n });
    expect(off.violations.map((v) => v.kind)).toEqual(['total']);
  });

  it('reports a balance that is not an exact integer', () => {
    const r = checkBank([{ txnId: 1, balances: { a: 100.5, b: 99.5, c: 100 } }], opts);
    expect(r.violations.map((v) => v.kind)).toEqual(['malformed', 'malformed']);
  });

  it('accepts any sequence of conserving transfers applied serially', () => {
    const transfer = fc.record({ from: fc.constantFrom(...accounts), to: fc.constantFrom(...accounts), amount: fc.integer({ min: 0, max: 80 }) });
    fc.assert(
      fc.property(fc.array(transfer, { maxLength: 50 }), (transfers) => {
        const bal = new Map(accounts.map((a) => [a, 100]));
        const reads: BankRead[] = [];
        transfers.forEach((t, i) => {
          // Like the workload: a transfer that would overdraw is refused.
          if (bal.get(t.from)! >= t.amount) {
            bal.set(t.from, bal.get(t.from)! - t.amount);
            bal.set(t.to, bal.get(t.to)! + t.amount);
          }
          reads.push({ txnId: i, balances: Object.fromEntries(bal) });
        });
        expect(checkBank(reads, opts).violations).toEqual([]);
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});
