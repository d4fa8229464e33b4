// Running an access path: from the plan's key expressions, evaluated for the
// current outer row, to the key range to scan and the rows it holds.
//
// Read sets: the transaction records every get and scan, and validates them
// at commit, so a scan must cover exactly the keys the predicate needs. The
// range of `a > 5` therefore starts after the key of 5 (and after NULLs, which
// no comparison matches), and a LIMIT query first asks the store for only as
// many entries as it needs.
//
// Key values must have the column's type to be encoded (the index encoding
// orders by type tag first). A constant converts when that is exact (INT64 2
// for a FLOAT64 column, a 24-hex string for an OID column). A bound that does
// not convert (a > 2.5 on INT64) is dropped, which only widens the range; an
// equality that does not convert falls back to a full table scan. Either way
// the executor re-checks every conjunct on every row, and reports type errors.

import { camusError } from '../../errors.js';
import { compareValues, encodeKey, NULL_VALUE, type SqlValue } from '../encoding.js';
import { indexKey, indexPrefix, tablePrefix } from '../keys.js';
import { PRIMARY_KEY_INDEX, rowIdColumn } from './catalog.js';
import { evaluate, type EvalContext, type Scope } from './eval.js';
import { exactCoerce } from './functions.js';
import type { Expr } from '../ast.js';
import type { AccessPlan, Bound } from './planner.js';
import { rowIdOfEntry, rowKeyOf, type Row } from './rows.js';
import type { ColumnSchema, IndexSchema, TableSchema } from './types.js';

/** How a stored row's bytes become the row a scan yields: readRow, or readRowValues when the row id is not needed. */
export type ReadRow<R> = (table: TableSchema, bytes: Uint8Array) => R;

export interface ScanResult<R = Row> {
  rows: Iterable<R>;
  /** Whether the rows come in the plan's ORDER BY order (false after a fallback to a full scan). */
  ordered: boolean;
}

/**
 * The entries of [start, end) in order. With `batch` set, the first read asks
 * for that many and the rest of the range is read only if the consumer wants
 * more (the filter may have dropped some), so at most two reads are made:
 * a store that reads whole ranges per call (TxnView does) never pays for
 * many small batches.
 */
function* scanRange(ctx: EvalContext, start: string, end: string, batch: number | undefined): Generator<{ key: string; value: Uint8Array }> {
  if (batch === undefined) {
    yield* ctx.txn.scan(start, end);
    return;
  }
  const first = ctx.txn.scan(start, end, Math.max(1, batch));
  yield* first;
  if (first.length < Math.max(1, batch)) return;
  // The next possible key after the last one read.
  yield* ctx.txn.scan(first[first.length - 1]!.key + '\u0000', end);
}

function* fullTableScan<R>(table: TableSchema, ctx: EvalContext, batch: number | undefined, read: ReadRow<R>): Generator<R> {
  const r = tablePrefix(table.id);
  // Without a batch the range is read whole: walk its array directly rather than through scanRange.
  const entries = batch === undefined ? ctx.txn.scan(r.start, r.end) : scanRange(ctx, r.start, r.end, batch);
  for (const e of entries) yield read(table, e.value);
}

function fetchRow<R>(table: TableSchema, index: IndexSchema, rowId: string, ctx: EvalContext, read: ReadRow<R>): R {
  const bytes = ctx.txn.get(rowKeyOf(table, rowId));
  if (bytes === null) throw camusError('SystemSpaceCorrupt', `index "${index.name}" of "${table.name}" points at missing row ${rowId}`);
  return read(table, bytes);
}

function* indexRows<R>(table: TableSchema, index: IndexSchema, start: string, end: string, ctx: EvalContext, batch: number | undefined, read: ReadRow<R>): Generator<R> {
  for (const e of scanRange(ctx, start, end, batch)) yield fetchRow(table, index, rowIdOfEntry(e.key, e.value), ctx, read);
}

/** A key value for a column: the exact conversion, or null when there is none. */
function keyValue(v: SqlValue, col: ColumnSchema): SqlValue | null {
  return exactCoerce(v, col.type);
}

/** The tightest of several bounds; `lower` picks the largest value, else the smallest; exclusive wins ties. */
function tightest(bounds: { value: SqlValue; inclusive: boolean }[], lower: boolean): { value: SqlValue; inclusive: boolean } | null {
  let best: { value: SqlValue; inclusive: boolean } | null = null;
  for (const b of bounds) {
    if (best === null) {
      best = b;
      continue;
    }
    const c = compareValues(b.value, best.value);
    if ((lower ? c > 0 : c < 0) || (c === 0 && !b.inclusive)) best = b;
  }
  return best;
}

type BoundValues = { value: SqlValue; inclusive: boolean }[] | 'empty';

/** Evaluates bounds; 'empty' when one is NULL (no row can satisfy it). Inexact bounds are dropped. */
function boundValues(bounds: readonly Bound[], col: ColumnSchema, scope: Scope | null, ctx: EvalContext): BoundValues {
  const out: { value: SqlValue; inclusive: boolean }[] = [];
  for (const b of bounds) {
    const v = evaluate(b.expr, scope, ctx);
    if (v.type === 'null') return 'empty';
    const k = keyValue(v, col);
    if (k !== null) out.push({ value: k, inclusive: b.inclusive });
  }
  return out;
}

const AFTER = '\u0100';

/**
 * The rows whose leading index columns equal `key`: one get for a point
 * lookup (or the row key itself when the primary key is the row id), else a
 * scan of the key's prefix.
 */
function* lookup<R>(plan: AccessPlan, key: SqlValue[], base: (values: SqlValue[]) => string, ctx: EvalContext, batch: number | undefined, read: ReadRow<R>): Generator<R> {
  const { table } = plan;
  const index = plan.index!;
  if (plan.point) {
    if (index.name === PRIMARY_KEY_INDEX && rowIdColumn(table) >= 0) {
      const bytes = ctx.txn.get(rowKeyOf(table, (key[0] as { value: string }).value));
      if (bytes !== null) yield read(table, bytes);
      return;
    }
    const desc = index.columns.map((k) => k.order === 'desc');
    const entry = ctx.txn.get(indexKey(table.id, index.id, encodeKey(key, desc)));
    if (entry !== null) yield fetchRow(table, index, rowIdOfEntry('', entry), ctx, read);
    return;
  }
  const prefix = base(key);
  yield* indexRows(table, index, prefix, prefix + AFTER, ctx, batch, read);
}

function* chain<T>(parts: Iterable<T>[]): Generator<T> {
  for (const p of parts) yield* p;
}

/**
 * The keys of an IN list in index order without duplicates; NULLs and values
 * that no column value can equal (2.5 for INT64) are dropped. Null when a
 * value cannot be a key at all (the filter will report the type error).
 */
function listKeys(list: readonly Expr[], col: ColumnSchema, desc: boolean, scope: Scope | null, ctx: EvalContext): SqlValue[] | null {
  const keys: SqlValue[] = [];
  for (const e of list) {
    const v = evaluate(e, scope, ctx);
    if (v.type === 'null') continue;
    const k = keyValue(v, col);
    if (k !== null) keys.push(k);
    else if (!(isNumber(v) && (col.type === 'INT64' || col.type === 'FLOAT64'))) return null;
  }
  keys.sort((x, y) => (desc ? compareValues(y, x) : compareValues(x, y)));
  return keys.filter((k, i) => i === 0 || compareValues(k, keys[i - 1]!) !== 0);
}

function isNumber(v: SqlValue): boolean {
  return v.type === 'int64' || v.type === 'float64';
}

/**
 * The rows an access path yields for the current outer row. `batch` is how
 * many rows the consumer expects to need, when it may stop early.
 */
export function scanAccess<R>(plan: AccessPlan, scope: Scope | null, ctx: EvalContext, batch: number | undefined, read: ReadRow<R>): ScanResult<R> {
  const { table, index } = plan;
  const fallback = (): ScanResult<R> => ({ rows: fullTableScan(table, ctx, batch, read), ordered: false });
  const empty: ScanResult<R> = { rows: [], ordered: true };
  if (index === null) return { rows: fullTableScan(table, ctx, batch, read), ordered: plan.ordered };
  const columns = index.columns.map((k) => table.columns.find((c) => c.name === k.column));
  if (columns.some((c) => c === undefined)) return fallback();
  const cols = columns as ColumnSchema[];
  const desc = index.columns.map((k) => k.order === 'desc');

  const eq: SqlValue[] = [];
  for (let i = 0; i < plan.eq.length; i++) {
    const e = plan.eq[i]!;
    if (e === null) {
      eq.push(NULL_VALUE);
      continue;
    }
    const v = evaluate(e, scope, ctx);
    if (v.type === 'null') return empty;
    const k = keyValue(v, cols[i]!);
    if (k === null) return fallback();
    eq.push(k);
  }
  const base = (values: SqlValue[]): string => indexPrefix(table.id, index.id, encodeKey(values, desc)).start;

  if (plan.inList !== null) {
    const keys = listKeys(plan.inList, cols[eq.length]!, desc[eq.length]!, scope, ctx);
    if (keys === null) return fallback();
    const lookups = keys.map((k) => lookup(plan, [...eq, k], base, ctx, batch, read));
    return { rows: chain(lookups), ordered: plan.ordered };
  }
  // At most one row is in every order.
  if (plan.point || plan.eq.length === cols.length) return { rows: lookup(plan, eq, base, ctx, batch, read), ordered: plan.point || plan.ordered };

  const prefix = base(eq);
  let start = prefix;
  let end = prefix + AFTER;
  const k = eq.length;
  if (k < cols.length && plan.lower.length + plan.upper.length > 0) {
    const lows = boundValues(plan.lower, cols[k]!, scope, ctx);
    const highs = boundValues(plan.upper, cols[k]!, scope, ctx);
    if (lows === 'empty' || highs === 'empty') return empty;
    // No lower bound still excludes NULL, the smallest value, which no comparison matches.
    const lo = tightest(lows, true) ?? { value: NULL_VALUE, inclusive: false };
    const hi = tightest(highs, false);
    if (hi !== null) {
      const c = compareValues(lo.value, hi.value);
      if (c > 0 || (c === 0 && !(lo.inclusive && hi.inclusive))) return empty;
    }
    const kv = (v: SqlValue): string => base([...eq, v]);
    if (!desc[k]) {
      start = lo.inclusive ? kv(lo.value) : kv(lo.value) + AFTER;
      if (hi !== null) end = hi.inclusive ? kv(hi.value) + AFTER : kv(hi.value);
    } else {
      // A DESC column's keys run from the largest value to the smallest.
      if (hi !== null) start = hi.inclusive ? kv(hi.value) : kv(hi.value) + AFTER;
      end = lo.inclusive ? kv(lo.value) + AFTER : kv(lo.value);
    }
    if (start >= end) return empty;
  }
  return { rows: indexRows(table, index, start, end, ctx, batch, read), ordered: plan.ordered };
}
