// The statement parser: a script is statements separated by `;`. DDL lives
// in parser-ddl.ts, expressions in parser-expr.ts, the token cursor and error
// reporting in parser-base.ts, the tree's shape in ast.ts, printing in
// format.ts.
//
// Choices where the dialect leaves room, so that they are written down:
// - Only the words in RESERVED_WORDS (lexer.ts) need backticks to be names;
//   words such as TABLES, DATABASE, IF, ANALYZE and the type names are
//   recognised by position and stay usable as table and column names.
// - Double-quoted text is a string, as in MySQL, not an identifier.
// - Parameter names keep their case: `@Id` and `@id` are different.
// - A bare EXPLAIN means EXPLAIN (LOGICAL).
// - VARCHAR(n) and the like are accepted and the length ignored.
// - DEFAULT takes a literal (a signed number included), a call such as
//   GEN_ID(), or any expression in parentheses.
// - Joins nest to the left in the order written, comma joins included.
// - Checks that need no schema are made here: UPDATE/DELETE without WHERE,
//   two primary keys, NULL with NOT NULL, rows of the wrong width (CADB0407).
//   Duplicate columns and unknown names are the catalog's to report.

import { camusError } from '../errors.js';
import type {
  Assignment,
  Expr,
  FromSource,
  InsertValue,
  OrderItem,
  Select,
  SelectItem,
  Statement,
  SubquerySource,
  TableSource,
} from './ast.js';
import { tokenText, type Token } from './lexer.js';
import { DdlParser } from './parser-ddl.js';
import { syntaxErrorAt } from './syntax-error.js';

// One import gives a caller the whole front end: parse, print, the tree's types.
export type * from './ast.js';
export { COLUMN_TYPES, withoutPositions } from './ast.js';
export { MAX_NESTING } from './parser-base.js';
export { formatExpr, formatSql } from './format.js';
export { SqlSyntaxError, positionOf, type SourcePosition } from './syntax-error.js';

/**
 * How many levels of objects a statement's tree may have. Chains such as
 * `a OR b OR c ...` are built by loops, not recursion, so MAX_NESTING does
 * not bound them; this does, so that every recursive walker downstream (the
 * printer, the planner) is safe from stack overflow too.
 */
export const MAX_TREE_HEIGHT = 1000;

/** Parses a script of `;`-separated statements; empty statements are skipped, so '' gives []. */
export function parse(sql: string): Statement[] {
  return new Parser(sql).parseScript();
}

/** Parses exactly one statement (a trailing `;` allowed); none or several is CADB0407. */
export function parseOne(sql: string): Statement {
  const statements = parse(sql);
  if (statements.length === 0) throw camusError('InvalidAstStmt', 'empty statement: expected one SQL statement');
  if (statements.length > 1) {
    throw camusError('InvalidAstStmt', `expected one SQL statement, got ${statements.length}`);
  }
  return statements[0] as Statement;
}

class Parser extends DdlParser {
  parseScript(): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      while (this.sees('op', ';')) this.advance();
      if (this.atEof()) return out;
      const start = this.index;
      const stmt = this.parseStatement();
      this.checkHeight(stmt, start);
      out.push(stmt);
      if (!this.atEndOfStatement()) this.fail();
    }
  }

  private parseStatement(): Statement {
    const pos = this.tok.pos;
    if (this.isKw('SELECT')) return this.parseSelect();
    if (this.acceptKw('INSERT')) return this.parseInsertRest(pos);
    if (this.acceptKw('UPDATE')) return this.parseUpdateRest(pos);
    if (this.acceptKw('DELETE')) return this.parseDeleteRest(pos);
    if (this.acceptKw('CREATE')) return this.parseCreateRest(pos);
    if (this.acceptKw('DROP')) return this.parseDropRest(pos);
    if (this.acceptKw('ALTER')) return this.parseAlterRest(pos);
    if (this.acceptWord('show')) return this.parseShowRest(pos);
    if (this.acceptWord('describe') || this.acceptKw('DESC')) {
      return { kind: 'showColumns', pos, table: this.expectIdent('table name') };
    }
    if (this.acceptWord('explain')) return this.parseExplainRest(pos);
    if (this.acceptWord('begin')) {
      this.acceptTransactionWord();
      return { kind: 'begin', pos };
    }
    if (this.acceptWord('start')) {
      this.expectWord('transaction');
      return { kind: 'begin', pos };
    }
    if (this.acceptWord('commit')) {
      this.acceptTransactionWord();
      return { kind: 'commit', pos };
    }
    if (this.acceptWord('rollback')) {
      this.acceptTransactionWord();
      return { kind: 'rollback', pos };
    }
    return this.fail();
  }

  private acceptTransactionWord(): void {
    if (!this.acceptWord('transaction')) this.acceptWord('work');
  }

  // -------------------------------------------------------------------------
  // SELECT

  protected parseSelect(): Select {
    const pos = this.expectKw('SELECT').pos;
    const distinct = this.acceptKw('DISTINCT');
    const columns = [this.parseSelectItem()];
    while (this.acceptOp(',')) columns.push(this.parseSelectItem());
    const from = this.acceptKw('FROM') ? this.parseFrom() : null;
    const where = this.acceptKw('WHERE') ? this.parseExpr() : null;
    const groupBy: Expr[] = [];
    if (this.acceptKw('GROUP')) {
      this.expectKw('BY');
      do groupBy.push(this.parseExpr());
      while (this.acceptOp(','));
    }
    const having = this.acceptKw('HAVING') ? this.parseExpr() : null;
    const orderBy: OrderItem[] = [];
    if (this.acceptKw('ORDER')) {
      this.expectKw('BY');
      do {
        const expr = this.parseExpr();
        orderBy.push({ expr, order: this.parseSortOrder() });
      } while (this.acceptOp(','));
    }
    const limit = this.acceptKw('LIMIT') ? this.parseLimitValue() : null;
    const offset = this.acceptKw('OFFSET') ? this.parseLimitValue() : null;
    return { kind: 'select', pos, distinct, columns, from, where, groupBy, having, orderBy, limit, offset };
  }

  private parseSelectItem(): SelectItem {
    if (this.acceptOp('*')) return { kind: 'star', table: null };
    const t = this.tok;
    const dot = this.peek(1);
    const star = this.peek(2);
    if (t.kind === 'ident' && dot.kind === 'op' && dot.value === '.' && star.kind === 'op' && star.value === '*') {
      this.index += 3;
      return { kind: 'star', table: t.value };
    }
    const expr = this.parseExpr();
    return { kind: 'expr', expr, alias: this.parseOptionalAlias() };
  }

  private parseFrom(): FromSource {
    let left: FromSource = this.parseSource();
    for (;;) {
      if (this.acceptOp(',')) {
        left = { kind: 'join', type: 'cross', left, right: this.parseSource(), on: null };
      } else if (this.acceptKw('CROSS')) {
        this.expectKw('JOIN');
        left = { kind: 'join', type: 'cross', left, right: this.parseSource(), on: null };
      } else {
        const type = this.acceptJoin();
        if (type === null) return left;
        const right = this.parseSource();
        this.expectKw('ON');
        left = { kind: 'join', type, left, right, on: this.parseExpr() };
      }
    }
  }

  /** `JOIN`, `INNER JOIN`, `LEFT [OUTER] JOIN`; null when no join starts here. */
  private acceptJoin(): 'inner' | 'left' | null {
    if (this.acceptKw('JOIN')) return 'inner';
    if (this.acceptKw('INNER')) {
      this.expectKw('JOIN');
      return 'inner';
    }
    if (this.acceptKw('LEFT')) {
      this.acceptKw('OUTER');
      this.expectKw('JOIN');
      return 'left';
    }
    return null;
  }

  private parseSource(): TableSource | SubquerySource {
    if (this.acceptOp('(')) {
      this.enter();
      const query = this.parseSelect();
      this.leave();
      this.expectOp(')');
      this.acceptKw('AS');
      return { kind: 'subquery', query, alias: this.expectIdent('alias') };
    }
    const { name, pos } = this.expectIdentAt('table name');
    let forceIndex: string | null = null;
    if (this.acceptOp('@')) {
      this.expectOp('{');
      this.expectWord('force_index');
      this.expectOp('=');
      forceIndex = this.acceptKw('PRIMARY') ? 'primary' : this.expectIdent('index name');
      this.expectOp('}');
    }
    return { kind: 'table', name, alias: this.parseOptionalAlias(), forceIndex, pos };
  }

  // -------------------------------------------------------------------------
  // DML

  private parseInsertRest(pos: number): Statement {
    this.expectKw('INTO');
    const table = this.expectIdent('table name');
    let columns: string[] | null = null;
    if (this.acceptOp('(')) {
      columns = [this.expectIdent('column name')];
      while (this.acceptOp(',')) columns.push(this.expectIdent('column name'));
      this.expectOp(')');
    }
    this.expectKw('VALUES');
    const rows: InsertValue[][] = [];
    do {
      const rowPos = this.expectOp('(').pos;
      const row: InsertValue[] = [];
      do row.push(this.acceptKw('DEFAULT') ? { kind: 'default' } : this.parseExpr());
      while (this.acceptOp(','));
      this.expectOp(')');
      const want = columns !== null ? columns.length : (rows[0]?.length ?? row.length);
      if (row.length !== want) {
        const what = columns !== null ? `${want} columns are listed` : `the first row has ${want}`;
        throw this.invalidStatement(`INSERT row ${rows.length + 1} has ${row.length} values but ${what}`, rowPos);
      }
      rows.push(row);
    } while (this.acceptOp(','));
    return { kind: 'insert', pos, table, columns, rows };
  }

  private parseUpdateRest(pos: number): Statement {
    const table = this.expectIdent('table name');
    this.expectKw('SET');
    const set: Assignment[] = [];
    do {
      const { name: column, pos: at } = this.expectIdentAt('column name');
      this.expectOp('=');
      set.push({ column, value: this.parseExpr(), pos: at });
    } while (this.acceptOp(','));
    return { kind: 'update', pos, table, set, where: this.parseRequiredWhere('UPDATE', pos) };
  }

  private parseDeleteRest(pos: number): Statement {
    this.expectKw('FROM');
    const table = this.expectIdent('table name');
    return { kind: 'delete', pos, table, where: this.parseRequiredWhere('DELETE', pos) };
  }

  /** UPDATE and DELETE must say which rows; a missing WHERE parses but is refused (CADB0407). */
  private parseRequiredWhere(what: string, pos: number): Expr {
    if (this.acceptKw('WHERE')) return this.parseExpr();
    if (this.atEndOfStatement()) throw this.invalidStatement(`${what} requires a WHERE clause`, pos);
    return this.fail();
  }

  // -------------------------------------------------------------------------
  // SHOW, EXPLAIN

  private parseShowRest(pos: number): Statement {
    if (this.acceptWord('tables')) return { kind: 'showTables', pos };
    if (this.acceptWord('databases')) return { kind: 'showDatabases', pos };
    if (this.acceptWord('database')) return { kind: 'showDatabase', pos };
    if (this.acceptWord('columns') || this.acceptWord('fields')) {
      return { kind: 'showColumns', pos, table: this.parseShowFromTable() };
    }
    if (this.acceptWord('indexes') || this.acceptKw('INDEX') || this.acceptWord('keys')) {
      return { kind: 'showIndexes', pos, table: this.parseShowFromTable() };
    }
    if (this.acceptKw('CREATE')) {
      this.expectKw('TABLE');
      return { kind: 'showCreateTable', pos, table: this.expectIdent('table name') };
    }
    return this.fail();
  }

  private parseShowFromTable(): string {
    if (!this.acceptKw('FROM')) this.expectKw('IN');
    return this.expectIdent('table name');
  }

  private parseExplainRest(pos: number): Statement {
    const modes = ['logical', 'physical', 'analyze'] as const;
    let mode: (typeof modes)[number] = 'logical';
    const paren = this.acceptOp('(');
    const given = modes.find((m) => this.isWord(m));
    if (given !== undefined) {
      this.advance();
      mode = given;
    } else if (paren) {
      this.fail();
    }
    if (paren) this.expectOp(')');
    return { kind: 'explain', pos, mode, query: this.parseSelect() };
  }

  // -------------------------------------------------------------------------

  /** Refuses trees too tall for recursive walkers, measured without recursion. */
  private checkHeight(stmt: Statement, firstToken: number): void {
    // Every token adds at most a few levels to the tree (a subquery, the
    // deepest case, adds four for its `(SELECT`), so short statements cannot
    // be too tall and skip the walk.
    if ((this.index - firstToken) * 6 + 16 < MAX_TREE_HEIGHT) return;
    const stack: [object, number][] = [[stmt, 1]];
    while (stack.length > 0) {
      const [node, height] = stack.pop() as [object, number];
      if (height > MAX_TREE_HEIGHT) {
        const t = this.tokens[firstToken] as Token;
        throw syntaxErrorAt(this.sql, t.pos, tokenText(this.sql, t), 'statement too deeply nested');
      }
      for (const key in node) {
        const child = (node as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') stack.push([child, height + 1]);
      }
    }
  }
}
