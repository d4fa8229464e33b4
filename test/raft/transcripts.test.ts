// Runs every transcript in testdata/ as one test. REWRITE=1 stores the actual
// output in the files instead; review every changed line by hand before keeping it.
// Files named BUG-* pin down known Raft bugs: they are expected to fail and are skipped.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTranscriptFile } from './transcript.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
const rewrite = process.env['REWRITE'] === '1';

describe('raft transcripts', () => {
  for (const f of files) {
    const run = f.startsWith('BUG-') ? it.skip : it;
    run(f, () => {
      const [expected, actual] = runTranscriptFile(join(dir, f), rewrite);
      if (!rewrite) expect(actual).toBe(expected);
    });
  }
});
