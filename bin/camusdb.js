#!/usr/bin/env node
// camusdb: the database server. Runs the compiled server (dist/server/main.js)
// when there is one, else the TypeScript sources through tsx (a dev
// dependency). CAMUSDB_FROM_SOURCE=1 forces the sources even when dist exists.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'server', 'main.js');

let mod;
if (existsSync(compiled) && process.env.CAMUSDB_FROM_SOURCE !== '1') {
  mod = await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(pathToFileURL(join(root, 'server', 'main.ts')).href);
}
await mod.main(process.argv.slice(2));
