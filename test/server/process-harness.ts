// Real server processes for the cluster and compose tests: spawn
// `node bin/camusdb.js` with flags (from the TypeScript sources), talk to it
// over HTTP with exact INT64 JSON, kill -9 or stop it, read its log.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, toJson } from '../../server/http/json.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'camusdb.js');

export interface HttpResult {
  status: number;
  body: any;
}

/** POSTs (or GETs, without a body) JSON; throws on network failure or timeout. */
export async function call(base: string, route: string, body?: unknown, timeoutMs = 10_000): Promise<HttpResult> {
  const r = await fetch(`${base}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : toJson(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  return { status: r.status, body: text ? parseJson(text) : null };
}

/** Like call, but throws unless the answer is 200 {status:"ok"}. */
export async function mustCall(base: string, route: string, body?: unknown, timeoutMs?: number): Promise<any> {
  const r = await call(base, route, body, timeoutMs);
  if (r.status !== 200 || r.body?.status !== 'ok') throw new Error(`${base}${route}: HTTP ${r.status} ${toJson(r.body)}`);
  return r.body;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Retries `f` until it returns without throwing, or throws its last error after timeoutMs. */
export async function eventually<T>(f: () => Promise<T>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(everyMs);
    }
  }
}

export class ServerProcess {
  proc: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly name: string,
    readonly args: string[],
    readonly httpBase: string,
    readonly logFile: string,
    readonly env: Record<string, string> = {},
  ) {}

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(): void {
    const fd = openSync(this.logFile, 'a');
    const proc = spawn(process.execPath, [BIN, ...this.args], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, CAMUSDB_FROM_SOURCE: '1' },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }

  /** Waits until /ping answers. */
  async waitUp(timeoutMs = 20_000): Promise<void> {
    await eventually(async () => {
      if (!this.running) throw new Error(`${this.name} exited:\n${this.tail()}`);
      await mustCall(this.httpBase, '/ping', undefined, 1_000);
    }, timeoutMs);
  }

  async kill9(): Promise<void> {
    if (!this.running) return;
    this.proc!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM; resolves with the exit code. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (!this.running) return this.proc?.exitCode ?? null;
    this.proc!.kill('SIGTERM');
    const t = setTimeout(() => this.proc?.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }

  tail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}
