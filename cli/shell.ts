/**
 * The shell's state and its handling of statements and commands, independent
 * of where the text comes from (prompt, -e, stdin, a sourced file).
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CamusClient, ClientError, requestBody, ServerError, type TxnId } from './client.js';
import { formatElapsed, formatTable } from './format.js';
import { integerText } from './json.js';
import { StatementSplitter, type IncompleteReason, type SplitStatement } from './lexer-split.js';

export interface ShellOutput {
  /** Results and notices (stdout). */
  out(text: string): void;
  /** Errors (stderr). */
  err(text: string): void;
  /** The `clear` command. */
  clearScreen(): void;
}

/** What running some input led to: carry on, an error (scripts stop there), or `exit`/`quit`. */
export type Outcome = 'ok' | 'error' | 'exit';

export type Command =
  | { kind: 'exit' }
  | { kind: 'clear' }
  | { kind: 'use'; database: string | null }
  | { kind: 'source'; path: string | null };

export type StatementKind = 'begin' | 'commit' | 'rollback' | 'query' | 'ddl' | 'non-query';

const QUERY_WORDS = new Set(['SELECT', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN']);
const DDL_WORDS = new Set(['CREATE', 'DROP', 'ALTER']);

const EXIT_RE = /^(exit|quit)\s*;?\s*$/i;
const CLEAR_RE = /^clear\s*;?\s*$/i;
const USE_RE = /^use(?:\s+(?:`((?:``|[^`])+)`|"([^"]+)"|'([^']+)'|([^\s;`"']+)))?\s*;?\s*$/i;
const SOURCE_RE = /^source(?:\s+([^;]*?))?\s*;?\s*$/i;

/** Recognizes the shell's own commands (case-insensitive, `;` optional); null for anything else. */
export function parseCommand(text: string): Command | null {
  const t = text.trim();
  if (EXIT_RE.test(t)) return { kind: 'exit' };
  if (CLEAR_RE.test(t)) return { kind: 'clear' };
  if (/^use\b/i.test(t)) {
    const m = USE_RE.exec(t);
    if (m === null) return { kind: 'use', database: null };
    const name = m[1] !== undefined ? m[1].replace(/``/g, '`') : (m[2] ?? m[3] ?? m[4] ?? null);
    return { kind: 'use', database: name };
  }
  if (/^source\b/i.test(t)) {
    const m = SOURCE_RE.exec(t);
    let path = m?.[1]?.trim() ?? '';
    if (path.length >= 2 && /^(["'`]).*\1$/.test(path)) path = path.slice(1, -1);
    return { kind: 'source', path: path === '' ? null : path };
  }
  return null;
}

/** Which route a statement goes to, from its first words. */
export function classifyStatement(bare: string): StatementKind {
  const words = bare.match(/^[A-Za-z_]+(?:\s+[A-Za-z_]+)?/)?.[0].toUpperCase().split(/\s+/) ?? [];
  const first = words[0] ?? '';
  if (first === 'BEGIN') return 'begin';
  if (first === 'START' && words[1] === 'TRANSACTION') return 'begin';
  if (first === 'COMMIT') return 'commit';
  if (first === 'ROLLBACK') return 'rollback';
  if (QUERY_WORDS.has(first)) return 'query';
  if (DDL_WORDS.has(first)) return 'ddl';
  return 'non-query';
}

const REASONS: Record<IncompleteReason, string> = {
  quote: 'unclosed quote',
  comment: 'unclosed comment',
  paren: 'unbalanced parenthesis',
  comma: 'trailing comma',
  semicolon: 'missing ;',
};

const MAX_SOURCE_DEPTH = 16;

export interface ShellOptions {
  client: CamusClient;
  database: string;
  output: ShellOutput;
  /** Base for relative `source` paths (default: the process's cwd). */
  cwd?: string;
}

export class Shell {
  readonly client: CamusClient;
  database: string;
  /** The open transaction (and the database it was started in), or null. */
  txn: (TxnId & { database: string }) | null = null;
  private readonly io: ShellOutput;
  private readonly cwd: string;
  private readonly splitter = new StatementSplitter();
  private sourceDepth = 0;

  constructor(opts: ShellOptions) {
    this.client = opts.client;
    this.database = opts.database;
    this.io = opts.output;
    this.cwd = opts.cwd ?? process.cwd();
  }

  /** True while a statement is partly typed (the prompt shows `   -> `). */
  get continuing(): boolean {
    return this.splitter.hasPending();
  }

  /** Drops a partly typed statement (Ctrl-C). */
  resetPending(): void {
    this.splitter.reset();
  }

  /** One line of input (without its newline). */
  feedLine(line: string): Promise<Outcome> {
    return this.processLine(this.splitter, line);
  }

  /** End of input: runs a final statement that lacks only its `;`. */
  endOfInput(): Promise<Outcome> {
    return this.flush(this.splitter);
  }

  /** Runs a whole text (`-e`, a sourced file), stopping at the first error. */
  async runText(text: string): Promise<Outcome> {
    const splitter = new StatementSplitter();
    for (const line of text.split(/\r?\n/)) {
      const r = await this.processLine(splitter, line);
      if (r !== 'ok') return r;
    }
    return this.flush(splitter);
  }

  /** Rolls back the open transaction, if any, without failing (used when the shell ends with one open). */
  async rollbackOpen(): Promise<void> {
    const txn = this.txn;
    if (txn === null) return;
    this.txn = null;
    this.io.err('Rolling back the open transaction\n');
    try {
      await this.client.post(
        '/rollback-transaction',
        requestBody({ databaseName: txn.database }, { txnIdPT: txn.txnIdPT, txnIdCounter: txn.txnIdCounter }),
      );
    } catch (err) {
      this.reportError(err);
    }
  }

  private async processLine(splitter: StatementSplitter, line: string): Promise<Outcome> {
    // A command stands on its own line, `;` optional, when no statement is pending.
    // A line with more after a `;` goes through the splitter (each part may be a command).
    if (!splitter.hasPending() && /^[^;]*;?\s*$/.test(line)) {
      const cmd = parseCommand(line);
      if (cmd !== null) return this.runCommand(cmd);
    }
    const statements = splitter.feed(line + '\n');
    for (const stmt of statements) {
      const r = await this.runStatement(stmt);
      if (r !== 'ok') {
        splitter.reset();
        return r;
      }
    }
    return 'ok';
  }

  private async flush(splitter: StatementSplitter): Promise<Outcome> {
    const last = splitter.flush();
    if (last === null) return 'ok';
    if (last.incomplete !== null) {
      this.io.err(`Error: incomplete statement at end of input (${REASONS[last.incomplete]}): ${last.statement.sql}\n`);
      return 'error';
    }
    return this.runStatement(last.statement);
  }

  /** Runs one complete statement, or the command it spells. */
  async runStatement(stmt: SplitStatement): Promise<Outcome> {
    if (stmt.bare === '') return 'ok';
    const cmd = parseCommand(stmt.bare);
    if (cmd !== null) return this.runCommand(cmd);
    try {
      switch (classifyStatement(stmt.bare)) {
        case 'begin':
          return await this.begin();
        case 'commit':
          return await this.finishTxn('/commit-transaction');
        case 'rollback':
          return await this.finishTxn('/rollback-transaction');
        case 'query':
          return await this.query(stmt.sql);
        case 'ddl':
          return await this.ddl(stmt.sql);
        case 'non-query':
          return await this.nonQuery(stmt.sql);
      }
    } catch (err) {
      this.reportError(err);
      return 'error';
    }
  }

  async runCommand(cmd: Command): Promise<Outcome> {
    switch (cmd.kind) {
      case 'exit':
        if (this.txn !== null) {
          this.io.err("Error: there's an active transaction, please commit or rollback before exit\n");
          return 'error';
        }
        return 'exit';
      case 'clear':
        this.io.clearScreen();
        return 'ok';
      case 'use':
        if (cmd.database === null) {
          this.io.err('Error: usage: use <database>\n');
          return 'error';
        }
        if (this.txn !== null) {
          this.io.err("Error: there's an active transaction, please commit or rollback before switching databases\n");
          return 'error';
        }
        this.database = cmd.database;
        this.io.out(`Database changed to ${cmd.database}\n`);
        return 'ok';
      case 'source':
        return this.source(cmd.path);
    }
  }

  private async source(path: string | null): Promise<Outcome> {
    if (path === null) {
      this.io.err('Error: usage: source <path>\n');
      return 'error';
    }
    if (this.sourceDepth >= MAX_SOURCE_DEPTH) {
      this.io.err(`Error: source nested more than ${MAX_SOURCE_DEPTH} deep: ${path}\n`);
      return 'error';
    }
    let text: string;
    try {
      text = await readFile(resolve(this.cwd, path), 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message;
      this.io.err(`Error: cannot read ${path}: ${code}\n`);
      return 'error';
    }
    this.sourceDepth++;
    try {
      const r = await this.runText(text.replace(/^\uFEFF/, ''));
      if (r === 'error') this.io.err(`(in ${path})\n`);
      return r;
    } finally {
      this.sourceDepth--;
    }
  }

  private txnIds(): TxnId | null {
    return this.txn === null ? null : { txnIdPT: this.txn.txnIdPT, txnIdCounter: this.txn.txnIdCounter };
  }

  private async begin(): Promise<Outcome> {
    if (this.txn !== null) {
      this.io.err("Error: there's an active transaction already\n");
      return 'error';
    }
    const t0 = performance.now();
    const ids = await this.client.startTransaction(this.database);
    this.txn = { ...ids, database: this.database };
    this.io.out(`OK (${formatElapsed(performance.now() - t0)})\n`);
    return 'ok';
  }

  private async finishTxn(route: '/commit-transaction' | '/rollback-transaction'): Promise<Outcome> {
    const txn = this.txn;
    if (txn === null) {
      this.io.err("Error: there's no active transaction\n");
      return 'error';
    }
    const t0 = performance.now();
    // Forgotten whatever the answer: a failed commit leaves nothing to continue.
    this.txn = null;
    await this.client.post(route, requestBody({ databaseName: txn.database }, txn));
    this.io.out(`OK (${formatElapsed(performance.now() - t0)})\n`);
    return 'ok';
  }

  private sqlBody(sql: string): string {
    return requestBody({ databaseName: this.database, sql, parameters: {} }, this.txnIds());
  }

  private async query(sql: string): Promise<Outcome> {
    const t0 = performance.now();
    const res = await this.client.post('/execute-sql-query', this.sqlBody(sql));
    const elapsed = performance.now() - t0;
    const rows = res.get('rows');
    const list = Array.isArray(rows) ? rows : [];
    this.io.out(formatTable(list));
    this.io.out(`${list.length} row(s) (${formatElapsed(elapsed)})\n`);
    return 'ok';
  }

  private async ddl(sql: string): Promise<Outcome> {
    const t0 = performance.now();
    await this.client.post('/execute-sql-ddl', this.sqlBody(sql));
    this.io.out(`OK (${formatElapsed(performance.now() - t0)})\n`);
    return 'ok';
  }

  private async nonQuery(sql: string): Promise<Outcome> {
    const t0 = performance.now();
    const res = await this.client.post('/execute-sql-non-query', this.sqlBody(sql));
    const elapsed = performance.now() - t0;
    const affected = integerText(res.get('rows')) ?? '0';
    this.io.out(`${affected} row(s) affected (${formatElapsed(elapsed)})\n`);
    return 'ok';
  }

  private reportError(err: unknown): void {
    if (err instanceof ServerError) this.io.err(`Error ${err.code}: ${err.message}\n`);
    else if (err instanceof ClientError) this.io.err(`Error: ${err.message}\n`);
    else this.io.err(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
