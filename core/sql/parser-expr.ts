// Expressions, by precedence climbing from the loosest operator to the
// tightest: OR < AND < NOT < comparison (=, LIKE, BETWEEN, IN, IS NULL)
// < additive (+ - ||) < multiplicative (* / %) < unary (- +) < primary.

import { assertNever } from '../assert.js';
import type { BinaryOp, Call, Case, Expr, IntLiteral, Param, Select } from './ast.js';
import { ParserBase } from './parser-base.js';

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
/** Longer digit strings cannot be in range; checking length first keeps BigInt off huge inputs. */
const MAX_INT_DIGITS = 19;

const COMPARISON_OPS: Readonly<Record<string, BinaryOp>> = {
  '=': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '>': '>',
  '<=': '<=',
  '>=': '>=',
};

export abstract class ExprParser extends ParserBase {
  /** SELECT is parsed by the statement parser; subqueries reach it through here. */
  protected abstract parseSelect(): Select;

  parseExpr(): Expr {
    this.enter();
    const e = this.parseOr();
    this.leave();
    return e;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.acceptKw('OR')) left = { kind: 'binary', op: 'OR', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.acceptKw('AND')) left = { kind: 'binary', op: 'AND', left, right: this.parseNot() };
    return left;
  }

  // NOT, the signs and the keyword literals are not listed as expected at
  // the start of an operand: "expected expression" says it better.
  private parseNot(): Expr {
    if (!this.sees('keyword', 'NOT')) return this.parseComparison();
    this.advance();
    this.enter();
    const operand = this.parseNot();
    this.leave();
    return { kind: 'unary', op: 'NOT', operand };
  }

  private parseComparison(): Expr {
    let left = this.parseAdditive();
    for (;;) {
      const t = this.tok;
      this.expect('operator');
      if (t.kind === 'op' && Object.hasOwn(COMPARISON_OPS, t.value)) {
        this.advance();
        left = { kind: 'binary', op: COMPARISON_OPS[t.value] as BinaryOp, left, right: this.parseAdditive() };
        continue;
      }
      if (this.acceptKw('IS')) {
        const negated = this.acceptKw('NOT');
        this.expectKw('NULL');
        left = { kind: 'isNull', negated, expr: left };
        continue;
      }
      // NOT here belongs to the operator after it (NOT LIKE, NOT IN, ...);
      // a NOT followed by anything else is not ours to take.
      const n = this.peek();
      const negated =
        this.isKw('NOT') && n.kind === 'keyword' && ['LIKE', 'ILIKE', 'BETWEEN', 'IN'].includes(n.value);
      if (negated) this.advance();
      if (this.isKw('LIKE') || this.isKw('ILIKE')) {
        const caseInsensitive = this.advance().value === 'ILIKE';
        left = { kind: 'like', negated, caseInsensitive, expr: left, pattern: this.parseAdditive() };
      } else if (this.acceptKw('BETWEEN')) {
        const low = this.parseAdditive();
        this.expectKw('AND');
        left = { kind: 'between', negated, expr: left, low, high: this.parseAdditive() };
      } else if (this.acceptKw('IN')) {
        left = this.parseInRest(left, negated);
      } else {
        return left;
      }
    }
  }

  private parseInRest(expr: Expr, negated: boolean): Expr {
    this.expectOp('(');
    if (this.isKw('SELECT')) {
      this.enter();
      const query = this.parseSelect();
      this.leave();
      this.expectOp(')');
      return { kind: 'inSelect', negated, expr, query };
    }
    const list = [this.parseExpr()];
    while (this.acceptOp(',')) list.push(this.parseExpr());
    this.expectOp(')');
    return { kind: 'inList', negated, expr, list };
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    for (;;) {
      const op = this.acceptOp('+') ? '+' : this.acceptOp('-') ? '-' : this.acceptOp('||') ? '||' : null;
      if (op === null) return left;
      left = { kind: 'binary', op, left, right: this.parseMultiplicative() };
    }
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    for (;;) {
      const op = this.acceptOp('*') ? '*' : this.acceptOp('/') ? '/' : this.acceptOp('%') ? '%' : null;
      if (op === null) return left;
      left = { kind: 'binary', op, left, right: this.parseUnary() };
    }
  }

  protected parseUnary(): Expr {
    const minus = this.sees('op', '-');
    if (!minus && !this.sees('op', '+')) return this.parsePrimary();
    this.advance();
    const n = this.tok;
    // A minus written right before a number is part of the literal: it is
    // the only way to write INT64_MIN, whose magnitude is not an INT64.
    if (minus && (n.kind === 'int' || n.kind === 'float')) {
      this.advance();
      if (n.kind === 'int') return { kind: 'int', value: this.intValue(n.value, true, n.pos) };
      return { kind: 'float', value: this.floatValue(n.value, true, n.pos) };
    }
    this.enter();
    const operand = this.parseUnary();
    this.leave();
    return { kind: 'unary', op: minus ? '-' : '+', operand };
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    this.expect('expression');
    switch (t.kind) {
      case 'int':
        this.advance();
        return { kind: 'int', value: this.intValue(t.value, false, t.pos) };
      case 'float':
        this.advance();
        return { kind: 'float', value: this.floatValue(t.value, false, t.pos) };
      case 'string':
        this.advance();
        return { kind: 'string', value: t.value };
      case 'param':
        this.advance();
        return { kind: 'param', name: t.value, pos: t.pos };
      case 'ident':
        return this.parseNameExpr();
      case 'keyword':
        return this.parseKeywordExpr();
      case 'op':
        if (t.value !== '(') this.fail();
        return this.parseParenthesized();
      case 'eof':
        return this.fail();
      default:
        return assertNever(t.kind, 'token kind');
    }
  }

  private parseKeywordExpr(): Expr {
    const word = this.tok.value;
    if (!['NULL', 'TRUE', 'FALSE', 'EXISTS', 'CASE'].includes(word)) return this.fail();
    this.advance();
    if (word === 'NULL') return { kind: 'null' };
    if (word === 'TRUE') return { kind: 'bool', value: true };
    if (word === 'FALSE') return { kind: 'bool', value: false };
    if (word === 'EXISTS') {
      this.expectOp('(');
      this.enter();
      const query = this.parseSelect();
      this.leave();
      this.expectOp(')');
      return { kind: 'exists', query };
    }
    return this.parseCaseRest();
  }

  private parseParenthesized(): Expr {
    this.expectOp('(');
    if (this.isKw('SELECT')) {
      this.enter();
      const query = this.parseSelect();
      this.leave();
      this.expectOp(')');
      return { kind: 'subquery', query };
    }
    const e = this.parseExpr();
    this.expectOp(')');
    return e;
  }

  /** A column (`c`, `t.c`) or a function call `f(...)`. */
  private parseNameExpr(): Expr {
    const first = this.advance();
    if (this.isOp('(')) return this.parseCallRest(first.value, first.pos);
    if (this.acceptOp('.')) {
      const name = this.expectIdent('column name');
      return { kind: 'column', table: first.value, name, pos: first.pos };
    }
    return { kind: 'column', table: null, name: first.value, pos: first.pos };
  }

  private parseCallRest(name: string, pos: number): Call {
    this.expectOp('(');
    const call: Call = { kind: 'call', name, args: [], star: false, distinct: false, pos };
    if (this.acceptOp(')')) return call;
    if (this.acceptOp('*')) {
      call.star = true;
      this.expectOp(')');
      return call;
    }
    call.distinct = this.acceptKw('DISTINCT');
    call.args.push(this.parseExpr());
    while (this.acceptOp(',')) call.args.push(this.parseExpr());
    this.expectOp(')');
    return call;
  }

  private parseCaseRest(): Case {
    const operand = this.isKw('WHEN') ? null : this.parseExpr();
    const whens: Case['whens'] = [];
    this.expectKw('WHEN');
    do {
      const when = this.parseExpr();
      this.expectKw('THEN');
      whens.push({ when, then: this.parseExpr() });
    } while (this.acceptKw('WHEN'));
    const otherwise = this.acceptKw('ELSE') ? this.parseExpr() : null;
    this.expectKw('END');
    return { kind: 'case', operand, whens, else: otherwise };
  }

  /** LIMIT and OFFSET take a non-negative integer literal or a parameter. */
  protected parseLimitValue(): IntLiteral | Param {
    const t = this.tok;
    this.expect('integer');
    this.expect('parameter');
    if (t.kind === 'int') {
      this.advance();
      return { kind: 'int', value: this.intValue(t.value, false, t.pos) };
    }
    if (t.kind === 'param') {
      this.advance();
      return { kind: 'param', name: t.value, pos: t.pos };
    }
    return this.fail();
  }

  /** The INT64 a digit string stands for, negated when a minus was folded in; CADB0400 when out of range. */
  private intValue(digits: string, negative: boolean, pos: number): bigint {
    const trimmed = digits.replace(/^0+(?=\d)/, '');
    if (trimmed.length <= MAX_INT_DIGITS) {
      const v = negative ? -BigInt(trimmed) : BigInt(trimmed);
      if (v >= INT64_MIN && v <= INT64_MAX) return v;
    }
    throw this.invalidInput(`integer literal ${negative ? '-' : ''}${shorten(digits)} is out of the INT64 range`, pos);
  }

  private floatValue(text: string, negative: boolean, pos: number): number {
    const v = Number(text);
    if (!Number.isFinite(v)) throw this.invalidInput(`float literal ${shorten(text)} is out of the FLOAT64 range`, pos);
    return negative ? -v : v;
  }
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
