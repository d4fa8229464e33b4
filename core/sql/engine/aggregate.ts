// Aggregates and grouped queries: finding the aggregate calls of a query
// level, accumulating them over a group's rows, and checking that a grouped
// query reads nothing but grouped expressions and aggregates.
//
// Results follow SQL (and SQLite where SQL leaves room): COUNT never NULL;
// SUM of INT64 is an exact INT64 (overflow is an error), of anything FLOAT64
// a FLOAT64; AVG is FLOAT64; SUM, AVG, MIN and MAX of no non-NULL value are
// NULL. Floating sums use Neumaier's compensated summation, as SQLite does,
// so long sums do not drift.

import { assertNever } from '../../assert.js';
import type { Call, Expr } from '../ast.js';
import { formatExpr } from '../format.js';
import { compareValues, INT64_MAX, INT64_MIN, NULL_VALUE, type SqlValue } from '../encoding.js';
import { AGGREGATE_FUNCTIONS, evaluate, type EvalContext, type Scope } from './eval.js';
import { invalid, typeName } from './functions.js';
import { resolveRef, walkExpr, type LevelSource } from './select-analysis.js';

type AggregateName = 'count' | 'sum' | 'avg' | 'min' | 'max';

/**
 * The aggregate calls in expressions of one level, each node once. Calls
 * inside subqueries belong to the subquery and are not collected. Checks
 * the shapes the dialect refuses: nested aggregates, DISTINCT, wrong arity.
 */
export function collectAggregates(exprs: readonly Expr[]): Call[] {
  const out: Call[] = [];
  const seen = new Set<Call>();
  for (const e of exprs) {
    walkExpr(e, (n) => {
      if (n.kind !== 'call' || !AGGREGATE_FUNCTIONS.has(n.name)) return true;
      checkAggregateCall(n);
      if (!seen.has(n)) {
        seen.add(n);
        out.push(n);
      }
      return false;
    });
  }
  return out;
}

function checkAggregateCall(call: Call): void {
  const name = call.name;
  if (call.distinct) throw invalid(`${name}(DISTINCT ...) is not supported`);
  if (call.star) {
    if (name !== 'count') throw invalid(`${name}(*) is not valid; only count(*) takes *`);
    return;
  }
  if (call.args.length !== 1) throw invalid(`aggregate ${name}() takes 1 argument, got ${call.args.length}`);
  walkExpr(call.args[0]!, (n) => {
    if (n.kind === 'call' && AGGREGATE_FUNCTIONS.has(n.name)) throw invalid(`aggregate calls cannot be nested: ${formatExpr(call)}`);
  });
}

/** One aggregate's running state over a group. */
export class Accumulator {
  private count = 0;
  private intSum = 0n;
  private floatSum = 0;
  private floatComp = 0;
  private sawFloat = false;
  private best: SqlValue | null = null;

  constructor(readonly call: Call) {}

  private get name(): AggregateName {
    return this.call.name as AggregateName;
  }

  add(scope: Scope, ctx: EvalContext): void {
    if (this.call.star) {
      this.count++;
      return;
    }
    const v = evaluate(this.call.args[0]!, scope, ctx);
    if (v.type === 'null') return;
    this.count++;
    const name = this.name;
    switch (name) {
      case 'count':
        return;
      case 'sum':
      case 'avg':
        if (v.type === 'int64') this.intSum += v.value;
        else if (v.type === 'float64') this.addFloat(v.value);
        else throw invalid(`${name}() needs numeric values, got ${typeName(v)} in ${formatExpr(this.call)}`);
        return;
      case 'min':
      case 'max': {
        if (this.best === null) {
          this.best = v;
          return;
        }
        const c = compareValues(v, this.best);
        if (name === 'min' ? c < 0 : c > 0) this.best = v;
        return;
      }
      default:
        return assertNever(name, 'aggregate');
    }
  }

  private addFloat(x: number): void {
    this.sawFloat = true;
    const t = this.floatSum + x;
    if (Math.abs(this.floatSum) >= Math.abs(x)) this.floatComp += this.floatSum - t + x;
    else this.floatComp += x - t + this.floatSum;
    this.floatSum = t;
  }

  private floatTotal(): number {
    return Number(this.intSum) + this.floatSum + this.floatComp;
  }

  result(): SqlValue {
    const name = this.name;
    switch (name) {
      case 'count':
        return { type: 'int64', value: BigInt(this.count) };
      case 'sum':
        if (this.count === 0) return NULL_VALUE;
        if (this.sawFloat) return { type: 'float64', value: this.floatTotal() };
        if (this.intSum < INT64_MIN || this.intSum > INT64_MAX) throw invalid(`INT64 overflow in ${formatExpr(this.call)}`);
        return { type: 'int64', value: this.intSum };
      case 'avg':
        return this.count === 0 ? NULL_VALUE : { type: 'float64', value: this.floatTotal() / this.count };
      case 'min':
      case 'max':
        return this.best ?? NULL_VALUE;
      default:
        return assertNever(name, 'aggregate');
    }
  }
}

/**
 * Checks that an expression of a grouped query reads only what is constant
 * within a group: GROUP BY expressions (matched by their text, or as the same
 * column when both are column references), aggregates, constants and outer
 * columns. `what` names the clause for the message.
 */
export function checkGrouped(e: Expr, groupBy: readonly Expr[], sources: readonly LevelSource[], what: string): void {
  const texts = new Set(groupBy.map(formatExpr));
  const groupedColumns = new Set<string>();
  for (const g of groupBy) {
    if (g.kind !== 'column') continue;
    const t = resolveRef(g, sources);
    if (t.kind === 'source') groupedColumns.add(`${t.source}.${t.column}`);
  }
  walkExpr(e, (n) => {
    if (texts.has(formatExpr(n))) return false;
    if (n.kind === 'call' && AGGREGATE_FUNCTIONS.has(n.name)) return false;
    if (n.kind === 'column') {
      const t = resolveRef(n, sources);
      if (t.kind === 'source' && !groupedColumns.has(`${t.source}.${t.column}`)) {
        throw invalid(`column "${formatExpr(n)}" in ${what} must appear in the GROUP BY clause or be used in an aggregate function`);
      }
    }
    return true;
  });
}
