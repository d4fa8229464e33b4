import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The core reaches the world only through core/io.ts. This scans every source
// file under core/ (comments stripped) for the ways it could do otherwise.
const FORBIDDEN: { what: string; re: RegExp }[] = [
  { what: 'node: import', re: /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"]node:/ },
  { what: 'Node built-in import', re: /from\s*['"](?:fs|net|os|path|crypto|child_process|timers|worker_threads|http|https|dgram|process|perf_hooks)['"]/ },
  { what: 'Date', re: /\bDate\b/ },
  { what: 'Math.random', re: /\bMath\.random\b/ },
  { what: 'process', re: /\bprocess\s*\./ },
  { what: 'performance', re: /\bperformance\b/ },
  { what: 'setTimeout', re: /\bsetTimeout\b/ },
  { what: 'setInterval', re: /\bsetInterval\b/ },
  { what: 'setImmediate', re: /\bsetImmediate\b/ },
  { what: 'queueMicrotask', re: /\bqueueMicrotask\b/ },
  { what: 'globalThis', re: /\bglobalThis\b/ },
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|js|mts|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

/** Removes comments and string contents, so that prose mentioning Date is not flagged but code is. */
export function stripCommentsAndStrings(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, (m) => (m.startsWith("'") || m.startsWith('"') ? m.replace(/[^'"]/g, '') : '``'));
}

describe('core purity', () => {
  const root = join(import.meta.dirname, '..', '..', 'core');
  const files = sourceFiles(root);

  it('finds the core sources', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.some((f) => f.endsWith('io.ts'))).toBe(true);
  });

  it('touches no clock, randomness, timers, process or node: module', () => {
    const hits: string[] = [];
    for (const f of files) {
      const code = readFileSync(f, 'utf8');
      // Imports are checked on the raw text (their specifiers are strings); the rest on code only.
      const stripped = stripCommentsAndStrings(code);
      for (const { what, re } of FORBIDDEN) {
        const text = what.includes('import') ? code.replace(/\/\/[^\n]*/g, '') : stripped;
        if (re.test(text)) hits.push(`${relative(root, f)}: ${what}`);
      }
    }
    expect(hits).toEqual([]);
  });

  it('the scanner itself flags each forbidden use', () => {
    const samples = ["import { x } from 'node:fs';", 'const t = Date.now();', 'Math.random()', 'process.exit(1)', 'performance.now()', 'setTimeout(f, 1)', 'setInterval(f, 1)'];
    for (const s of samples) {
      const flagged = FORBIDDEN.some(({ what, re }) => re.test(what.includes('import') ? s : stripCommentsAndStrings(s)));
      expect(flagged, s).toBe(true);
    }
    expect(FORBIDDEN.some(({ re }) => re.test(stripCommentsAndStrings('// Date is fine in a comment')))).toBe(false);
  });

  it('core/tsconfig.json declares no Node types', () => {
    const cfg = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
    expect(cfg.compilerOptions.types).toEqual([]);
  });
});
