/**
 * Splits SQL text into statements at `;`, the way the shell reads it.
 *
 * Text is fed in pieces (the REPL feeds one line at a time, with its newline);
 * the splitter remembers whether it is inside a quote ('…', "…", `…`), a
 * comment (`-- …` to end of line, `/* … *\/`), or parentheses, so a `;` in any
 * of those does not end a statement. What remains after the last `;` is the
 * pending statement; while there is one, the shell shows its continuation
 * prompt.
 *
 * Quotes follow the server's lexer: backslash escapes inside '…' and "…", a
 * doubled quote is a literal quote (it closes and reopens, which needs no special
 * case here), backticks have no escapes.
 */

export interface SplitStatement {
  /** The statement as typed, from its first token to before its `;`, trimmed. Sent to the server. */
  sql: string;
  /** The same with comments replaced by a space, trimmed: used to classify the statement. */
  bare: string;
}

/** Why a pending statement cannot run yet, in the order the rules are checked. */
export type IncompleteReason = 'quote' | 'comment' | 'paren' | 'comma' | 'semicolon';

type Mode = 'normal' | "'" | '"' | '`' | 'line' | 'block';

export class StatementSplitter {
  private mode: Mode = 'normal';
  private depth = 0;
  private raw = '';
  private bare = '';
  /** Whether the pending statement has any token yet (comments and blanks are not tokens). */
  private started = false;
  /** Last significant character outside comments; a closing quote counts as its quote char. */
  private lastSig = '';

  /** Feeds text; returns the statements it completed, in order (empty ones are dropped). */
  feed(text: string): SplitStatement[] {
    const out: SplitStatement[] = [];
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text[i] as string;
      const next = i + 1 < n ? text[i + 1] : '';
      switch (this.mode) {
        case 'line':
          if (c === '\n' || c === '\r') {
            this.mode = 'normal';
            this.append(c, c);
          } else if (this.started) {
            this.raw += c;
          }
          i++;
          continue;
        case 'block':
          if (c === '*' && next === '/') {
            this.mode = 'normal';
            if (this.started) this.raw += '*/';
            i += 2;
          } else {
            if (this.started) this.raw += c;
            i++;
          }
          continue;
        case "'":
        case '"':
          if (c === '\\' && i + 1 < n) {
            this.append(c + next, c + next);
            i += 2;
            continue;
          }
          this.append(c, c);
          if (c === this.mode) {
            this.mode = 'normal';
            this.lastSig = c;
          }
          i++;
          continue;
        case '`':
          this.append(c, c);
          if (c === '`') {
            this.mode = 'normal';
            this.lastSig = c;
          }
          i++;
          continue;
        case 'normal':
          break;
      }
      // normal mode
      if (c === '-' && next === '-') {
        this.mode = 'line';
        if (this.started) {
          this.raw += '--';
          this.bare += ' ';
        }
        i += 2;
        continue;
      }
      if (c === '/' && next === '*') {
        this.mode = 'block';
        if (this.started) {
          this.raw += '/*';
          this.bare += ' ';
        }
        i += 2;
        continue;
      }
      if (c === ';' && this.depth === 0) {
        if (this.started) out.push({ sql: this.raw.trim(), bare: this.bare.trim() });
        this.resetStatement();
        i++;
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
        this.append(c, c);
        i++;
        continue;
      }
      // A token character.
      this.started = true;
      if (c === "'" || c === '"' || c === '`') this.mode = c;
      else if (c === '(') this.depth++;
      else if (c === ')') this.depth = Math.max(0, this.depth - 1);
      this.lastSig = c;
      this.append(c, c);
      i++;
    }
    return out;
  }

  /** True while a statement is being typed: some token after the last `;`, or an open quote or comment. */
  hasPending(): boolean {
    return this.started || this.mode === 'block' || this.mode === "'" || this.mode === '"' || this.mode === '`';
  }

  /** Why the pending text would not be a complete statement on its own; null when it is (or nothing is pending). */
  incompleteReason(): IncompleteReason | null {
    if (this.mode === "'" || this.mode === '"' || this.mode === '`') return 'quote';
    if (this.mode === 'block') return 'comment';
    if (!this.started) return null;
    if (this.depth > 0) return 'paren';
    if (this.lastSig === ',') return 'comma';
    return 'semicolon';
  }

  /**
   * At end of input: the pending statement, if any. A statement missing only its
   * `;` is complete; one with an open quote, comment or parenthesis, or ending in
   * a comma, comes back with the reason it is incomplete.
   */
  flush(): { statement: SplitStatement; incomplete: IncompleteReason | null } | null {
    const reason = this.incompleteReason();
    const pending = this.hasPending();
    const statement = { sql: this.raw.trim(), bare: this.bare.trim() };
    this.reset();
    if (!pending) return null;
    return { statement, incomplete: reason === 'semicolon' ? null : reason };
  }

  /** Forgets everything pending (after an error, or Ctrl-C). */
  reset(): void {
    this.mode = 'normal';
    this.resetStatement();
  }

  private resetStatement(): void {
    this.depth = 0;
    this.raw = '';
    this.bare = '';
    this.started = false;
    this.lastSig = '';
  }

  private append(raw: string, bare: string): void {
    if (!this.started) return;
    this.raw += raw;
    this.bare += bare;
  }
}

/** Splits a whole text; the final statement does not need its `;`. */
export function splitStatements(text: string): { statements: SplitStatement[]; incomplete: IncompleteReason | null } {
  const splitter = new StatementSplitter();
  const statements = splitter.feed(text);
  const last = splitter.flush();
  if (last === null) return { statements, incomplete: null };
  if (last.incomplete === null) statements.push(last.statement);
  return { statements, incomplete: last.incomplete };
}

/** True when `text` (what has been typed so far) needs more lines before it can run. */
export function needsContinuation(text: string): boolean {
  const splitter = new StatementSplitter();
  splitter.feed(text);
  return splitter.hasPending();
}
