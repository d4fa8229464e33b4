// DDL statements: CREATE / DROP / ALTER of tables, indexes and databases.
// The statement parser (parser.ts) extends this class and dispatches here
// once it has read the leading CREATE, DROP or ALTER.

import { camusError } from '../errors.js';
import type { AlterAction, ColumnDef, ColumnType, CreateTable, Expr, IndexDef, KeyPart, Statement } from './ast.js';
import { tokenText } from './lexer.js';
import { ExprParser } from './parser-expr.js';
import { atLineColumn } from './syntax-error.js';

/** Every spelling of a column type the parser accepts, mapped to the canonical type. */
const TYPE_NAMES: Readonly<Record<string, ColumnType>> = {
  oid: 'OID',
  id: 'OID',
  objectid: 'OID',
  string: 'STRING',
  text: 'STRING',
  varchar: 'STRING',
  char: 'STRING',
  int64: 'INT64',
  int: 'INT64',
  integer: 'INT64',
  bigint: 'INT64',
  float64: 'FLOAT64',
  float: 'FLOAT64',
  double: 'FLOAT64',
  real: 'FLOAT64',
  bool: 'BOOL',
  boolean: 'BOOL',
};

export abstract class DdlParser extends ExprParser {
  protected parseSortOrder(): 'asc' | 'desc' {
    if (this.acceptKw('DESC')) return 'desc';
    this.acceptKw('ASC');
    return 'asc';
  }

  protected parseCreateRest(pos: number): Statement {
    if (this.acceptKw('TABLE')) return this.parseCreateTableRest(pos);
    if (this.acceptKw('UNIQUE')) {
      this.expectKw('INDEX');
      return this.parseCreateIndexRest(pos, true);
    }
    if (this.acceptKw('INDEX')) return this.parseCreateIndexRest(pos, false);
    if (this.acceptWord('database')) {
      const ifNotExists = this.acceptIfNotExists();
      return { kind: 'createDatabase', pos, ifNotExists, name: this.expectIdent('database name') };
    }
    return this.fail();
  }

  protected parseDropRest(pos: number): Statement {
    if (this.acceptKw('TABLE')) {
      const ifExists = this.acceptIfExists();
      return { kind: 'dropTable', pos, ifExists, table: this.expectIdent('table name') };
    }
    if (this.acceptKw('INDEX')) {
      const name = this.expectIdent('index name');
      this.expectKw('ON');
      return { kind: 'dropIndex', pos, name, table: this.expectIdent('table name') };
    }
    if (this.acceptWord('database')) {
      const ifExists = this.acceptIfExists();
      return { kind: 'dropDatabase', pos, ifExists, name: this.expectIdent('database name') };
    }
    return this.fail();
  }

  /** IF is not reserved, so `CREATE TABLE if (...)` still names a table `if`. */
  private acceptIfNotExists(): boolean {
    const n = this.peek();
    if (!this.isWord('if') || n.kind !== 'keyword' || n.value !== 'NOT') return false;
    this.index += 2;
    this.expectKw('EXISTS');
    return true;
  }

  private acceptIfExists(): boolean {
    const n = this.peek();
    if (!this.isWord('if') || n.kind !== 'keyword' || n.value !== 'EXISTS') return false;
    this.index += 2;
    return true;
  }

  private parseCreateTableRest(pos: number): CreateTable {
    const ifNotExists = this.acceptIfNotExists();
    const table = this.expectIdent('table name');
    const columns: ColumnDef[] = [];
    const indexes: IndexDef[] = [];
    let primaryKey: KeyPart[] | null = null;
    const setPrimaryKey = (parts: KeyPart[], at: number): void => {
      if (primaryKey !== null) throw this.invalidStatement(`table "${table}" has more than one PRIMARY KEY`, at);
      primaryKey = parts;
    };
    this.expectOp('(');
    do {
      const at = this.tok.pos;
      if (this.acceptKw('PRIMARY')) {
        this.expectKw('KEY');
        setPrimaryKey(this.parseKeyParts(), at);
      } else if (this.acceptKw('UNIQUE')) {
        if (!this.acceptKw('KEY')) this.acceptKw('INDEX');
        const name = this.tok.kind === 'ident' ? this.advance().value : null;
        indexes.push({ name, unique: true, columns: this.parseKeyParts() });
      } else if (this.acceptKw('KEY') || this.acceptKw('INDEX')) {
        const name = this.expectIdent('index name');
        indexes.push({ name, unique: false, columns: this.parseKeyParts() });
      } else {
        const { def, primaryKey: isKey } = this.parseColumnDef();
        if (isKey) setPrimaryKey([{ column: def.name, order: 'asc' }], at);
        columns.push(def);
      }
    } while (this.acceptOp(','));
    this.expectOp(')');
    const at = this.tok.pos;
    if (this.acceptKw('PRIMARY')) {
      this.expectKw('KEY');
      setPrimaryKey(this.parseKeyParts(), at);
    }
    if (columns.length === 0) throw this.invalidStatement(`table "${table}" has no columns`, pos);
    return { kind: 'createTable', pos, table, ifNotExists, columns, primaryKey, indexes };
  }

  private parseCreateIndexRest(pos: number, unique: boolean): Statement {
    const ifNotExists = this.acceptIfNotExists();
    const name = this.expectIdent('index name');
    this.expectKw('ON');
    const table = this.expectIdent('table name');
    return { kind: 'createIndex', pos, name, table, unique, ifNotExists, columns: this.parseKeyParts() };
  }

  private parseKeyParts(): KeyPart[] {
    this.expectOp('(');
    const parts: KeyPart[] = [];
    do {
      const column = this.expectIdent('column name');
      parts.push({ column, order: this.parseSortOrder() });
    } while (this.acceptOp(','));
    this.expectOp(')');
    return parts;
  }

  /** A column definition; a column-level PRIMARY KEY is returned apart for the caller to place. */
  private parseColumnDef(): { def: ColumnDef; primaryKey: boolean } {
    const { name, pos } = this.expectIdentAt('column name');
    const type = this.parseType();
    const def: ColumnDef = { name, type, notNull: false, unique: false, default: null, pos };
    let primaryKey = false;
    let nullability: 'null' | 'notNull' | null = null;
    let hasDefault = false;
    for (;;) {
      const at = this.tok.pos;
      if (this.acceptKw('PRIMARY')) {
        this.expectKw('KEY');
        primaryKey = true;
      } else if (this.acceptKw('UNIQUE')) {
        this.acceptKw('KEY');
        def.unique = true;
      } else if (this.isKw('NOT') || this.isKw('NULL')) {
        const said = this.advance().value === 'NOT' ? 'notNull' : 'null';
        if (said === 'notNull') this.expectKw('NULL');
        if (nullability !== null && nullability !== said) {
          throw this.invalidStatement(`column "${name}" is declared both NULL and NOT NULL`, at);
        }
        nullability = said;
      } else if (this.acceptKw('DEFAULT')) {
        if (hasDefault) throw this.invalidStatement(`column "${name}" has more than one DEFAULT`, at);
        hasDefault = true;
        def.default = this.parseDefaultExpr();
      } else {
        break;
      }
    }
    def.notNull = nullability === 'notNull';
    return { def, primaryKey };
  }

  private parseType(): ColumnType {
    const t = this.tok;
    this.expect('column type');
    if (t.kind !== 'ident') this.fail();
    const type = Object.hasOwn(TYPE_NAMES, t.value) ? TYPE_NAMES[t.value] : undefined;
    if (type === undefined) {
      throw camusError('UnknownType', `unknown column type "${tokenText(this.sql, t)}"${atLineColumn(this.sql, t.pos)}`);
    }
    this.advance();
    // A length such as VARCHAR(255) is accepted for compatibility and
    // ignored: every column type here is unbounded or fixed-size.
    if (this.acceptOp('(')) {
      this.expect('integer');
      if (this.tok.kind !== 'int') this.fail();
      this.advance();
      this.expectOp(')');
    }
    return type;
  }

  /** DEFAULT takes a literal, a function call such as GEN_ID(), or any expression in parentheses. */
  private parseDefaultExpr(): Expr {
    const t = this.tok;
    const n = this.peek();
    this.expect('default value');
    const call = t.kind === 'ident' && n.kind === 'op' && n.value === '(';
    const word = t.kind === 'keyword' && ['NULL', 'TRUE', 'FALSE'].includes(t.value);
    const other = t.kind === 'int' || t.kind === 'float' || t.kind === 'string' || t.kind === 'param';
    const sign = t.kind === 'op' && ['(', '-', '+'].includes(t.value);
    if (!call && !word && !other && !sign) this.fail();
    return this.parseUnary();
  }

  protected parseAlterRest(pos: number): Statement {
    this.expectKw('TABLE');
    const table = this.expectIdent('table name');
    let action: AlterAction;
    if (this.acceptWord('add')) action = this.parseAlterAdd();
    else if (this.acceptKw('DROP')) action = this.parseAlterDrop();
    else return this.fail();
    return { kind: 'alterTable', pos, table, action };
  }

  private parseAlterAdd(): AlterAction {
    if (this.acceptKw('PRIMARY')) {
      this.expectKw('KEY');
      return { kind: 'addPrimaryKey', columns: this.parseKeyParts() };
    }
    const unique = this.acceptKw('UNIQUE');
    const indexWord = this.acceptKw('INDEX') || this.acceptKw('KEY');
    if (unique || indexWord) {
      const name = this.expectIdent('index name');
      return { kind: 'addIndex', name, unique, columns: this.parseKeyParts() };
    }
    this.acceptKw('COLUMN');
    const at = this.tok.pos;
    const { def, primaryKey } = this.parseColumnDef();
    if (primaryKey) throw this.invalidStatement('ADD COLUMN cannot declare a PRIMARY KEY; use ADD PRIMARY KEY', at);
    return { kind: 'addColumn', column: def };
  }

  private parseAlterDrop(): AlterAction {
    if (this.acceptKw('PRIMARY')) {
      this.expectKw('KEY');
      return { kind: 'dropPrimaryKey' };
    }
    if (this.acceptKw('INDEX') || this.acceptKw('KEY')) return { kind: 'dropIndex', name: this.expectIdent('index name') };
    this.acceptKw('COLUMN');
    return { kind: 'dropColumn', column: this.expectIdent('column name') };
  }
}
