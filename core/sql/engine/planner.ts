// Access paths: how one table of a query level is read.
//
// The planner looks at the conjuncts that may restrict the table (the WHERE
// and inner-join ON parts, or only its own ON for the right side of a LEFT
// JOIN) and keeps those of the form `col op K`, `col BETWEEN K1 AND K2`,
// `col IN (K1, ...)` and `col IS NULL`, where K is fixed before the table is read: literals,
// parameters, outer-query columns and columns of tables earlier in the join
// loop. For every index it takes the longest run of equalities on the
// leading columns and then bounds on the next column, and it picks:
//
//   unique index, every column equal      point lookup (one get)
//   most equal columns, then a range      index range scan
//   an index in ORDER BY order + LIMIT    index full scan, stopped early
//   otherwise                             full table scan
//
// The plan is static (which index, which expressions); the key values are
// evaluated per execution (per outer row in a join), see select-scan.ts. A
// path always yields a superset of the matching rows: the executor still
// checks every conjunct on every row it fetches.

import { camusError } from '../../errors.js';
import type { BinaryOp, Expr } from '../ast.js';
import { formatExpr } from '../format.js';
import { findIndex, PRIMARY_KEY_INDEX, rowIdColumn } from './catalog.js';
import { isBoundBefore, resolveRef, type LevelSource } from './select-analysis.js';
import type { IndexSchema, TableSchema } from './types.js';

export interface Bound {
  expr: Expr;
  inclusive: boolean;
}

export interface AccessPlan {
  table: TableSchema;
  alias: string;
  /** Null for a full table scan. */
  index: IndexSchema | null;
  /** Values of the leading index columns; null stands for IS NULL. */
  eq: (Expr | null)[];
  /** Bounds on index column `eq.length`, all of which apply. */
  lower: Bound[];
  upper: Bound[];
  /** Instead of bounds, `IN (list)` values for index column `eq.length`: one lookup per value. */
  inList: Expr[] | null;
  /** A unique index with every column equal to a value: at most one entry (per IN value), read with one get. */
  point: boolean;
  /** The rows come out in the requested ORDER BY order. */
  ordered: boolean;
  /** The conjuncts the key range is built from, for EXPLAIN. */
  used: Expr[];
}

/** An ORDER BY item on a column of the table being planned. */
export interface OrderColumn {
  column: number;
  desc: boolean;
}

export interface PlanInput {
  table: TableSchema;
  alias: string;
  forceIndex: string | null;
  /** Every source of the level; this table is sources[position] and the ones before it are bound. */
  sources: readonly LevelSource[];
  position: number;
  conjuncts: readonly Expr[];
  /** The ORDER BY as columns of this table, [] for none; null when the caller sorts anyway. */
  orderBy: readonly OrderColumn[] | null;
  /** A LIMIT applies directly to this table's rows, so an ordered scan can stop early. */
  limited: boolean;
}

interface ColumnConstraints {
  eq: { value: Expr | null; from: Expr }[];
  lower: (Bound & { from: Expr })[];
  upper: (Bound & { from: Expr })[];
  inList: { values: Expr[]; from: Expr }[];
}

type RangeOp = '=' | '<' | '<=' | '>' | '>=';

const FLIPPED: Readonly<Record<RangeOp, RangeOp>> = { '=': '=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

function isRangeOp(op: BinaryOp): op is RangeOp {
  return op === '=' || op === '<' || op === '<=' || op === '>' || op === '>=';
}

/** Collects, per table column, the usable constraints among the conjuncts. */
function constraintsOf(input: PlanInput): Map<number, ColumnConstraints> {
  const out = new Map<number, ColumnConstraints>();
  const selfColumn = (e: Expr): number | null => {
    if (e.kind !== 'column') return null;
    const t = resolveRef(e, input.sources);
    return t.kind === 'source' && t.source === input.position ? t.column : null;
  };
  const bound = (e: Expr): boolean => isBoundBefore(e, input.position, input.sources);
  const of = (col: number): ColumnConstraints => {
    let c = out.get(col);
    if (!c) out.set(col, (c = { eq: [], lower: [], upper: [], inList: [] }));
    return c;
  };
  const add = (col: number, op: RangeOp, value: Expr, from: Expr): void => {
    const c = of(col);
    if (op === '=') c.eq.push({ value, from });
    else if (op === '>' || op === '>=') c.lower.push({ expr: value, inclusive: op === '>=', from });
    else c.upper.push({ expr: value, inclusive: op === '<=', from });
  };
  for (const e of input.conjuncts) {
    if (e.kind === 'binary' && isRangeOp(e.op)) {
      const l = selfColumn(e.left);
      const r = selfColumn(e.right);
      if (l !== null && bound(e.right)) add(l, e.op, e.right, e);
      else if (r !== null && bound(e.left)) add(r, FLIPPED[e.op], e.left, e);
    } else if (e.kind === 'between' && !e.negated) {
      const col = selfColumn(e.expr);
      if (col !== null && bound(e.low) && bound(e.high)) {
        add(col, '>=', e.low, e);
        add(col, '<=', e.high, e);
      }
    } else if (e.kind === 'inList' && !e.negated) {
      const col = selfColumn(e.expr);
      if (col !== null && e.list.every(bound)) of(col).inList.push({ values: e.list, from: e });
    } else if (e.kind === 'isNull' && !e.negated) {
      const col = selfColumn(e.expr);
      if (col !== null) of(col).eq.push({ value: null, from: e });
    }
  }
  return out;
}

function columnPosition(table: TableSchema, name: string): number {
  return table.columns.findIndex((c) => c.name === name);
}

function planIndex(input: PlanInput, index: IndexSchema, cons: Map<number, ColumnConstraints>): AccessPlan {
  const { table } = input;
  const positions = index.columns.map((k) => columnPosition(table, k.column));
  const eq: (Expr | null)[] = [];
  const used = new Set<Expr>();
  const eqColumns = new Set<number>();
  for (const p of positions) {
    const c = cons.get(p);
    if (!c || c.eq.length === 0) break;
    eq.push(c.eq[0]!.value);
    used.add(c.eq[0]!.from);
    eqColumns.add(p);
  }
  let lower: Bound[] = [];
  let upper: Bound[] = [];
  let inList: Expr[] | null = null;
  if (eq.length < positions.length) {
    const c = cons.get(positions[eq.length]!);
    // A short list of values is usually narrower than a range.
    if (c && c.inList.length > 0) {
      inList = c.inList[0]!.values;
      used.add(c.inList[0]!.from);
    } else if (c) {
      lower = c.lower.map(({ expr, inclusive }) => ({ expr, inclusive }));
      upper = c.upper.map(({ expr, inclusive }) => ({ expr, inclusive }));
      for (const b of [...c.lower, ...c.upper]) used.add(b.from);
    }
  }
  const keyed = eq.length + (inList === null ? 0 : 1);
  const point = index.unique && keyed === positions.length && eq.every((e) => e !== null);
  let ordered = false;
  if (input.orderBy !== null) {
    const rest = input.orderBy.filter((o) => !eqColumns.has(o.column));
    ordered = rest.every((o, k) => {
      const i = eq.length + k;
      return i < positions.length && positions[i] === o.column && (index.columns[i]!.order === 'desc') === o.desc;
    });
  }
  return { table, alias: input.alias, index, eq, lower, upper, inList, point, ordered, used: [...used] };
}

function fullScan(input: PlanInput): AccessPlan {
  const ordered = input.orderBy !== null && (input.orderBy.length === 0 || inRowIdOrder(input.table, input.orderBy));
  return { table: input.table, alias: input.alias, index: null, eq: [], lower: [], upper: [], inList: null, point: false, ordered, used: [] };
}

/**
 * Whether a full table scan yields rows in this ORDER BY order: when it is
 * the row id column ascending alone. A table scan reads the row keys
 * {tableId}:r/{rowId} in key order, and when the primary key is a single OID
 * column, every row id is that column's value (see rowIdColumn), whose fixed
 * width lowercase hex orders by code unit exactly as compareValues orders
 * OIDs. Any other ORDER BY is sorted.
 */
function inRowIdOrder(table: TableSchema, orderBy: readonly OrderColumn[]): boolean {
  return orderBy.length === 1 && !orderBy[0]!.desc && orderBy[0]!.column === rowIdColumn(table);
}

/** The index a FORCE_INDEX hint names (`primary` is the primary key); CADB0016 when there is none. */
function forcedIndex(table: TableSchema, name: string): IndexSchema {
  const index = findIndex(table, name);
  if (!index) throw camusError('IndexDoesntExist', `index "${name}" does not exist on table "${table.name}"`);
  return index;
}

function score(p: AccessPlan, input: PlanInput): number {
  if (p.point) return 1_000_000;
  const ranged = p.lower.length + p.upper.length > 0 ? 1 : 0;
  const listed = p.inList === null ? 0 : 1;
  if (p.eq.length === 0 && ranged === 0 && listed === 0) {
    // An unrestricted index scan only pays when it saves sorting everything under a LIMIT.
    return p.ordered && input.limited && (input.orderBy?.length ?? 0) > 0 ? 1 : -1;
  }
  return p.eq.length * 100 + listed * 50 + ranged * 10 + (p.ordered ? 5 : 0) + (p.index?.name === PRIMARY_KEY_INDEX ? 1 : 0);
}

export function planAccess(input: PlanInput): AccessPlan {
  const cons = constraintsOf(input);
  if (input.forceIndex !== null) return planIndex(input, forcedIndex(input.table, input.forceIndex), cons);
  let best = fullScan(input);
  let bestScore = 0;
  for (const index of input.table.indexes) {
    const p = planIndex(input, index, cons);
    const s = score(p, input);
    if (s > bestScore) {
      best = p;
      bestScore = s;
    }
  }
  return best;
}

/** One line of EXPLAIN for an access path. */
export function describeAccess(p: AccessPlan): string {
  const name = p.alias === p.table.name ? p.table.name : `${p.table.name} AS ${p.alias}`;
  let text: string;
  if (p.index === null) {
    text = `full table scan ${name}`;
  } else {
    const restricted = p.eq.length + p.lower.length + p.upper.length > 0 || p.inList !== null;
    const how = p.point ? 'point lookup' : restricted ? 'range scan' : 'full scan';
    text = p.index.name === PRIMARY_KEY_INDEX ? `primary key ${how} on ${name}` : `index ${how} ${name}@${p.index.name}`;
  }
  if (p.used.length > 0) text += ` (${p.used.map(formatExpr).join(' AND ')})`;
  return text;
}
