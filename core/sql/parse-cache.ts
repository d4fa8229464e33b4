// Parsed statements by SQL text. Clients send the same parameterized text
// over and over (values travel as @parameters), so parsing once per text
// saves the lexer and parser on every later request. Cached statements are
// shared between requests, so they are deep-frozen: an engine change that
// mutates a statement fails loudly (a TypeError) instead of corrupting the
// next request's statement.

import type { Statement } from './ast.js';
import { parse } from './parser.js';
import { deepFreeze } from '../util/freeze.js';

/** Texts kept; the least recently used goes first. Small: it only needs to hold an application's working set of statements. */
const ENTRIES_MAX = 512;
/** Longer texts are parsed each time: bulk loads are seldom repeated verbatim, and they would crowd out the rest. */
const TEXT_CHARS_MAX = 4096;

const cache = new Map<string, readonly Statement[]>();

/** parse(sql), shared and frozen. Throws what parse throws (nothing is cached then). */
export function parseCached(sql: string): readonly Statement[] {
  const hit = cache.get(sql);
  if (hit !== undefined) {
    // Re-insert to mark it most recently used (Map keeps insertion order).
    cache.delete(sql);
    cache.set(sql, hit);
    return hit;
  }
  const stmts = parse(sql);
  if (sql.length > TEXT_CHARS_MAX) return stmts;
  deepFreeze(stmts);
  cache.set(sql, stmts);
  if (cache.size > ENTRIES_MAX) cache.delete(cache.keys().next().value!);
  return stmts;
}

