// Expression evaluation over scopes.
//
// A Scope is one query level's view of the current row: the FROM sources in
// order (a table row, a derived table's row, or one per joined table), each
// with its alias, column names and values; and the enclosing query's scope,
// through which a correlated subquery reads the outer row. Resolution goes
// from the innermost level outward and stops at the first level that has the
// column; within one level an unqualified name must match exactly one source.
//
// Grouped evaluation reuses the same shape: the scope of a group is one of its
// rows (or all NULLs for the empty group) plus the values of the aggregate
// calls, keyed by the Call node itself, which evaluate() returns when it meets
// that node. The aggregate.ts checks make sure a grouped query only reads
// columns that are constant within a group.
//
// Three-valued logic: comparisons and operators with a NULL operand are NULL;
// AND / OR / NOT follow the SQL truth tables; a WHERE, ON or HAVING keeps a
// row only when its condition is TRUE (isTrue).

import { assertNever } from '../../assert.js';
import { camusError } from '../../errors.js';
import type { BinaryOp, Call, ColumnRef, Expr, Select } from '../ast.js';
import { formatExpr } from '../format.js';
import { NULL_VALUE, type SqlValue } from '../encoding.js';
import type { Catalog } from './catalog.js';
import {
  arithmetic,
  boolOf,
  callScalar,
  comparison,
  compareSql,
  concat,
  exactCoerce,
  invalid,
  like,
  negate,
  SCALAR_FUNCTIONS,
  stringAsOid,
  typeName,
} from './functions.js';
import type { Row } from './rows.js';
import { runSelect } from './select.js';
import type { ColumnSchema, ExecContext, KvTxn, TableSchema } from './types.js';

/** One FROM source's part of the current row. */
export interface ScopeSource {
  readonly alias: string;
  readonly columns: readonly string[];
  readonly values: readonly SqlValue[];
}

export interface Scope {
  readonly sources: readonly ScopeSource[];
  readonly outer: Scope | null;
  /** Values of the aggregate calls for the current group, by node; null outside grouped evaluation. */
  readonly aggregates: ReadonlyMap<Call, SqlValue> | null;
  /**
   * Shared by all scopes of one query level, set when a column resolves past
   * this level into `outer`. A subquery that never did so is uncorrelated,
   * and its result may be reused for every outer row.
   */
  readonly outerUse: { used: boolean } | null;
}

/** What evaluation needs beyond the row: parameters and ids, and the transaction and catalog for subqueries. */
export interface EvalContext {
  exec: ExecContext;
  txn: KvTxn;
  catalog: Catalog;
}

/** Per-statement state that select.ts attaches to the context it passes down. */
interface CachingContext extends EvalContext {
  subqueryCache?: Map<Select, SqlValue[][]>;
  /** Analysed and planned SELECTs, so a correlated subquery is planned once, not once per outer row. */
  preparedCache?: Map<Select, unknown>;
}

/**
 * A context whose uncorrelated subqueries run once and whose subqueries are
 * planned once; use one per statement, as the data and the catalog must not
 * change under it.
 */
export function withSubqueryCache(ctx: EvalContext): EvalContext {
  const c = ctx as CachingContext;
  if (c.subqueryCache) return ctx;
  // Built field by field: V8 (Node 20) takes a slow path, microseconds per
  // call, for an object spread followed by keys the source lacks.
  const caching: CachingContext = { exec: ctx.exec, txn: ctx.txn, catalog: ctx.catalog, subqueryCache: new Map(), preparedCache: new Map() };
  return caching;
}

/** `make()` once per statement and query node when the context caches (see withSubqueryCache), else every time. */
export function preparedOnce<T>(ctx: EvalContext, query: Select, make: () => T): T {
  const cache = (ctx as CachingContext).preparedCache;
  if (!cache) return make();
  if (cache.has(query)) return cache.get(query) as T;
  const made = make();
  cache.set(query, made);
  return made;
}

const columnNames = new WeakMap<TableSchema, readonly string[]>();

/** The column names of a table, computed once per schema object. */
export function tableColumnNames(table: TableSchema): readonly string[] {
  let names = columnNames.get(table);
  if (!names) {
    names = table.columns.map((c) => c.name);
    columnNames.set(table, names);
  }
  return names;
}

export function rowScope(table: TableSchema, alias: string, row: Row, outer: Scope | null = null): Scope {
  return { sources: [{ alias, columns: tableColumnNames(table), values: row.values }], outer, aggregates: null, outerUse: null };
}

/** SQL WHERE truth: only TRUE keeps a row; FALSE and NULL do not. */
export function isTrue(v: SqlValue): boolean {
  return v.type === 'bool' && v.value;
}

/** Evaluates a WHERE / ON / HAVING condition, which must be BOOL (or NULL). */
export function conditionHolds(expr: Expr, scope: Scope | null, ctx: EvalContext, clause: string): boolean {
  const v = evaluate(expr, scope, ctx);
  if (v.type !== 'bool' && v.type !== 'null') throw invalid(`${clause} condition must be BOOL, got ${typeName(v)}: ${formatExpr(expr)}`);
  return isTrue(v);
}

export function coerceToColumn(v: SqlValue, col: ColumnSchema): SqlValue {
  const out = exactCoerce(v, col.type);
  if (out !== null) return out;
  const shown = v.type === 'string' ? JSON.stringify(v.value) : v.type === 'float64' || v.type === 'int64' ? String(v.value) : typeName(v);
  throw invalid(`cannot store ${typeName(v)} value ${shown} in ${col.type} column "${col.name}"`);
}

function lookupIn(scope: Scope, ref: ColumnRef): SqlValue | undefined {
  let found: SqlValue | undefined;
  let aliasSeen = false;
  for (const src of scope.sources) {
    if (ref.table !== null && src.alias !== ref.table) continue;
    aliasSeen = true;
    const i = src.columns.indexOf(ref.name);
    if (i < 0) continue;
    if (found !== undefined || src.columns.lastIndexOf(ref.name) !== i) throw invalid(`column reference "${formatExpr(ref)}" is ambiguous`);
    found = src.values[i]!;
  }
  if (found === undefined && aliasSeen && ref.table !== null) {
    throw camusError('UnknownColumn', `column "${ref.name}" does not exist in "${ref.table}"`);
  }
  return found;
}

function resolveColumn(ref: ColumnRef, scope: Scope | null): SqlValue {
  for (let s = scope; s !== null; s = s.outer) {
    const v = lookupIn(s, ref);
    if (v !== undefined) return v;
    if (s.outerUse !== null) s.outerUse.used = true;
  }
  if (ref.table !== null) throw camusError('UnknownColumn', `column "${formatExpr(ref)}" does not exist: no table or alias "${ref.table}" in scope`);
  throw camusError('UnknownColumn', `column "${ref.name}" does not exist`);
}

export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set(['count', 'sum', 'avg', 'min', 'max']);

function aggregateValue(call: Call, scope: Scope | null): SqlValue {
  for (let s = scope; s !== null; s = s.outer) {
    const v = s.aggregates?.get(call);
    if (v !== undefined) return v;
  }
  throw invalid(`aggregate function ${formatExpr(call)} is not allowed here`);
}

/** Truth value of a logical operand: BOOL or NULL only. */
function logical(v: SqlValue, op: string): boolean | null {
  if (v.type === 'null') return null;
  if (v.type === 'bool') return v.value;
  throw invalid(`${op} needs BOOL operands, got ${typeName(v)}`);
}

function fromTruth(t: boolean | null): SqlValue {
  return t === null ? NULL_VALUE : boolOf(t);
}

function not(t: boolean | null): boolean | null {
  return t === null ? null : !t;
}

export function evaluate(expr: Expr, scope: Scope | null, ctx: EvalContext): SqlValue {
  switch (expr.kind) {
    case 'int':
      return { type: 'int64', value: expr.value };
    case 'float':
      return { type: 'float64', value: expr.value };
    case 'string':
      return { type: 'string', value: expr.value };
    case 'bool':
      return boolOf(expr.value);
    case 'null':
      return NULL_VALUE;
    case 'param': {
      const v = ctx.exec.params.get(expr.name);
      if (v === undefined) throw invalid(`unknown parameter @${expr.name}`);
      return v;
    }
    case 'column':
      return resolveColumn(expr, scope);
    case 'unary': {
      const v = evaluate(expr.operand, scope, ctx);
      const op = expr.op;
      switch (op) {
        case 'NOT':
          return fromTruth(not(logical(v, 'NOT')));
        case '-':
          return negate(v);
        case '+':
          if (v.type !== 'null' && v.type !== 'int64' && v.type !== 'float64') throw invalid(`unary plus needs a numeric operand, got ${typeName(v)}`);
          return v;
        default:
          return assertNever(op, 'unary operator');
      }
    }
    case 'binary':
      return evaluateBinary(expr.op, expr.left, expr.right, scope, ctx);
    case 'like': {
      const r = like(evaluate(expr.expr, scope, ctx), evaluate(expr.pattern, scope, ctx), expr.caseInsensitive);
      return expr.negated ? fromTruth(not(logical(r, 'LIKE'))) : r;
    }
    case 'between': {
      const v = evaluate(expr.expr, scope, ctx);
      const lo = compareSql(v, evaluate(expr.low, scope, ctx), 'BETWEEN');
      const hi = compareSql(v, evaluate(expr.high, scope, ctx), 'BETWEEN');
      const t = and(lo === null ? null : lo >= 0, hi === null ? null : hi <= 0);
      return fromTruth(expr.negated ? not(t) : t);
    }
    case 'isNull': {
      const isNull = evaluate(expr.expr, scope, ctx).type === 'null';
      return boolOf(expr.negated ? !isNull : isNull);
    }
    case 'inList': {
      const v = evaluate(expr.expr, scope, ctx);
      const t = inValues(v, expr.list.map((e) => evaluate(e, scope, ctx)));
      return fromTruth(expr.negated ? not(t) : t);
    }
    case 'inSelect': {
      const v = evaluate(expr.expr, scope, ctx);
      const rows = subqueryRows(expr.query, scope, ctx, 'IN');
      const t = inValues(v, rows.map((r) => r[0]!));
      return fromTruth(expr.negated ? not(t) : t);
    }
    case 'exists':
      return boolOf(subqueryRows(expr.query, scope, ctx, null).length > 0);
    case 'subquery': {
      const rows = subqueryRows(expr.query, scope, ctx, 'a scalar subquery');
      if (rows.length > 1) throw invalid(`scalar subquery returned ${rows.length} rows; at most one is allowed`);
      return rows.length === 0 ? NULL_VALUE : rows[0]![0]!;
    }
    case 'call':
      return evaluateCall(expr, scope, ctx);
    case 'case':
      return evaluateCase(expr, scope, ctx);
    default:
      return assertNever(expr, 'expression');
  }
}

function and(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

function evaluateBinary(op: BinaryOp, left: Expr, right: Expr, scope: Scope | null, ctx: EvalContext): SqlValue {
  switch (op) {
    case 'AND': {
      // FALSE decides alone, so the right side is skipped (and reads nothing).
      const a = logical(evaluate(left, scope, ctx), 'AND');
      if (a === false) return boolOf(false);
      return fromTruth(and(a, logical(evaluate(right, scope, ctx), 'AND')));
    }
    case 'OR': {
      const a = logical(evaluate(left, scope, ctx), 'OR');
      if (a === true) return boolOf(true);
      const b = logical(evaluate(right, scope, ctx), 'OR');
      return fromTruth(b === true ? true : a === null || b === null ? null : false);
    }
    case '=':
    case '!=':
    case '<':
    case '>':
    case '<=':
    case '>=':
      return comparison(op, evaluate(left, scope, ctx), evaluate(right, scope, ctx));
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return arithmetic(op, evaluate(left, scope, ctx), evaluate(right, scope, ctx));
    case '||':
      return concat(evaluate(left, scope, ctx), evaluate(right, scope, ctx));
    default:
      return assertNever(op, 'binary operator');
  }
}

/**
 * `v IN (values)`: TRUE on a match, else NULL if v or any candidate is NULL,
 * else FALSE. An empty subquery result makes it FALSE even for a NULL v.
 */
function inValues(v: SqlValue, values: readonly SqlValue[]): boolean | null {
  if (values.length === 0) return false;
  if (v.type === 'null') return null;
  let sawNull = false;
  for (const c of values) {
    const r = compareSql(v, c, 'IN');
    if (r === 0) return true;
    if (r === null) sawNull = true;
  }
  return sawNull ? null : false;
}

/**
 * The rows of a subquery run with `scope` as its outer scope. `oneColumn`
 * names the construct that needs exactly one column (null for EXISTS).
 */
function subqueryRows(query: Select, scope: Scope | null, ctx: EvalContext, oneColumn: string | null): SqlValue[][] {
  const cache = (ctx as CachingContext).subqueryCache;
  const hit = cache?.get(query);
  if (hit !== undefined) return hit;
  const use = { used: false };
  const result = runSelect(query, ctx, scope, use);
  if (oneColumn !== null && result.columns.length !== 1) {
    throw invalid(`${oneColumn} must return one column, got ${result.columns.length}`);
  }
  if (cache && !use.used) cache.set(query, result.rows);
  return result.rows;
}

function evaluateCall(call: Call, scope: Scope | null, ctx: EvalContext): SqlValue {
  if (AGGREGATE_FUNCTIONS.has(call.name)) return aggregateValue(call, scope);
  if (call.star) throw invalid(`${call.name}(*) is not valid; only count(*) takes *`);
  if (call.distinct) throw invalid(`DISTINCT is only meaningful in an aggregate, not in ${call.name}()`);
  switch (call.name) {
    case 'gen_id':
      if (call.args.length !== 0) throw invalid(`function gen_id() takes no arguments, got ${call.args.length}`);
      return { type: 'oid', value: ctx.exec.newOid() };
    case 'str_id': {
      if (call.args.length !== 1) throw invalid(`function str_id() takes 1 argument, got ${call.args.length}`);
      const v = evaluate(call.args[0]!, scope, ctx);
      if (v.type === 'null' || v.type === 'oid') return v;
      if (v.type !== 'string') throw invalid(`function str_id() needs a STRING argument, got ${typeName(v)}`);
      return stringAsOid(v.value);
    }
    case 'coalesce': {
      if (call.args.length === 0) throw invalid('function coalesce() needs at least 1 argument');
      // Arguments are evaluated lazily, left to right, up to the first non-NULL.
      for (const a of call.args) {
        const v = evaluate(a, scope, ctx);
        if (v.type !== 'null') return v;
      }
      return NULL_VALUE;
    }
    default:
      if (!SCALAR_FUNCTIONS.has(call.name)) throw invalid(`unknown function ${call.name}()`);
      return callScalar(
        call.name,
        call.args.map((a) => evaluate(a, scope, ctx)),
      );
  }
}

function evaluateCase(expr: Expr & { kind: 'case' }, scope: Scope | null, ctx: EvalContext): SqlValue {
  const operand = expr.operand === null ? null : evaluate(expr.operand, scope, ctx);
  for (const w of expr.whens) {
    const v = evaluate(w.when, scope, ctx);
    const hit = operand === null ? logical(v, 'CASE WHEN') === true : compareSql(operand, v, 'CASE') === 0;
    if (hit) return evaluate(w.then, scope, ctx);
  }
  return expr.else === null ? NULL_VALUE : evaluate(expr.else, scope, ctx);
}
