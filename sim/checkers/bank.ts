// The bank checker. The bank workload moves money between a fixed set of
// accounts in transactions and, now and then, reads every account in one
// transaction. Under serializability each such read sees one consistent
// snapshot, so it must show every account exactly once and the balances must
// add up to the initial total, which transfers conserve. Negative balances are
// violations unless the workload allows overdrafts (transfers that check the
// source balance first would never produce one in a serial execution).
//
// Balances may be JavaScript numbers or bigints (INT64 columns come back as
// bigints); sums are computed in bigint so no total is ever rounded.

export type Balance = number | bigint;

export interface BankRead {
  txnId: number;
  /**
   * The snapshot as read: a record or map from account to balance, or the rows
   * as [account, balance] pairs (which, unlike a record, can show an account
   * twice, so a duplicated row is detectable).
   */
  balances: Readonly<Record<string, Balance>> | ReadonlyMap<string, Balance> | readonly (readonly [string, Balance])[];
  /** Not used by the check; carried so callers can pass their history entries unchanged. */
  process?: number;
  invokeMs?: number;
  completeMs?: number;
}

export interface BankOptions {
  accounts: readonly string[];
  total: Balance;
  allowNegative?: boolean;
}

export type BankViolationKind = 'total' | 'negative' | 'missing-account' | 'unknown-account' | 'duplicate-account' | 'malformed';

export interface BankViolation {
  txnId: number;
  kind: BankViolationKind;
  detail: string;
}

export interface BankResult {
  ok: boolean;
  violations: BankViolation[];
}

/**
 * Checks every committed full-snapshot read. Violations are listed in read
 * order and, within a read, in the order of the kinds above. The total is
 * compared only when the read has every account exactly once with a
 * well-formed balance: otherwise the sum is not the bank's total and the read
 * has already been reported for the more specific fault.
 */
export function checkBank(reads: readonly BankRead[], opts: BankOptions): BankResult {
  const expectedTotal = BigInt(opts.total);
  const known = new Set(opts.accounts);
  const violations: BankViolation[] = [];
  for (const read of reads) {
    const v = (kind: BankViolationKind, detail: string): void => {
      violations.push({ txnId: read.txnId, kind, detail });
    };
    const rows = entries(read.balances);
    const seen = new Map<string, bigint>();
    let wellFormed = true;
    const unknown: string[] = [];
    const duplicated: string[] = [];
    for (const [account, raw] of rows) {
      const amount = toBigInt(raw);
      if (!known.has(account)) {
        if (!unknown.includes(account)) unknown.push(account);
        continue;
      }
      if (seen.has(account)) {
        if (!duplicated.includes(account)) duplicated.push(account);
        continue;
      }
      if (amount === undefined) {
        wellFormed = false;
        v('malformed', `account ${account} has balance ${String(raw)}, not an exact integer`);
        continue;
      }
      seen.set(account, amount);
    }
    const missing = opts.accounts.filter((a) => !seen.has(a) && !rows.some(([acc]) => acc === a));
    if (missing.length > 0) v('missing-account', `accounts ${missing.join(', ')} are missing from the read`);
    if (unknown.length > 0) v('unknown-account', `accounts ${unknown.join(', ')} are not among the bank's accounts`);
    if (duplicated.length > 0) v('duplicate-account', `accounts ${duplicated.join(', ')} appear more than once`);
    if (opts.allowNegative !== true) {
      for (const account of opts.accounts) {
        const amount = seen.get(account);
        if (amount !== undefined && amount < 0n) v('negative', `account ${account} has balance ${amount}`);
      }
    }
    if (missing.length === 0 && duplicated.length === 0 && wellFormed) {
      let sum = 0n;
      for (const amount of seen.values()) sum += amount;
      if (sum !== expectedTotal) v('total', `balances sum to ${sum}, not ${expectedTotal}`);
    }
  }
  return { ok: violations.length === 0, violations };
}

function entries(b: BankRead['balances']): (readonly [string, Balance])[] {
  if (Array.isArray(b)) return [...(b as readonly (readonly [string, Balance])[])];
  if (b instanceof Map) return [...(b as ReadonlyMap<string, Balance>).entries()];
  return Object.entries(b as Readonly<Record<string, Balance>>);
}

/** The balance as an exact integer, or undefined if it is not one (a fraction, NaN, or a number beyond 2^53). */
function toBigInt(x: Balance): bigint | undefined {
  if (typeof x === 'bigint') return x;
  if (Number.isSafeInteger(x)) return BigInt(x);
  return undefined;
}
