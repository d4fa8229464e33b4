// Processes the bench starts (CamusDB nodes, etcd members, PostgreSQL) and
// the temp dirs it makes: every one is recorded by process id and stopped by
// that id, on success, on error, on Ctrl-C/SIGTERM and, as a last resort, with
// SIGKILL from the process 'exit' handler. Nothing is ever killed by name.

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** USER_HZ is 100 on Linux: /proc counts CPU time in ticks of 10 ms. */
const TICK_MS = 10;

/**
 * The fields of a /proc stat file after the command name (which may hold
 * spaces): state ppid ... utime stime cutime cstime are [0], [1] ... [11],
 * [12], [13], [14] (fields 3, 4 ... 14-17 overall). Throws when unreadable.
 */
function statFields(path: string): string[] {
  const st = readFileSync(path, 'utf8');
  return st.slice(st.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU ms of one process split by thread: its main thread (the JavaScript event
 * loop, for a Node server) and every other thread together (V8's helpers,
 * libuv's pool where LevelDB writes, LevelDB's compaction thread). NaN when
 * /proc cannot be read. Threads that exited are not counted.
 */
export function threadCpuMs(pid: number): { main: number; others: number } {
  let main = NaN;
  let others = 0;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const f = statFields(`/proc/${pid}/task/${t}/stat`);
      const ms = (Number(f[11]) + Number(f[12])) * TICK_MS;
      if (Number(t) === pid) main = ms;
      else others += ms;
    }
  } catch {
    return { main: NaN, others: NaN };
  }
  return { main, others };
}

/** CPU time (user + system, ms) used so far by `pid` and every process below it, from /proc; NaN when unreadable. */
export function treeCpuMs(pid: number): number {
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  let names: string[] = [];
  try {
    names = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return NaN;
  }
  for (const n of names) {
    try {
      const f = statFields(`/proc/${n}/stat`);
      // utime stime cutime cstime: cutime/cstime hold reaped children (e.g. PostgreSQL backends that exited during the window).
      const ppid = Number(f[1]);
      cpu.set(Number(n), (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS);
      const list = children.get(ppid) ?? [];
      list.push(Number(n));
      children.set(ppid, list);
    } catch {}
  }
  if (!cpu.has(pid)) return NaN;
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    total += cpu.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

export class Managed {
  readonly exited: Promise<number | null>;
  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    readonly logFile: string,
    /** The signal that stops it cleanly (PostgreSQL: SIGINT, fast shutdown). */
    readonly stopSignal: NodeJS.Signals = 'SIGTERM',
  ) {
    this.exited = new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolve(proc.exitCode);
      else proc.once('exit', (code) => resolve(code));
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Clean stop by pid, then SIGKILL after timeoutMs. A frozen process (freeze()) is thawed so that it sees the signal. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(this.pid, this.stopSignal);
      process.kill(this.pid, 'SIGCONT');
    } catch {
      return;
    }
    const t = setTimeout(() => {
      try {
        if (this.running) process.kill(this.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    await this.exited;
    clearTimeout(t);
  }

  /**
   * Suspends the process (SIGSTOP): it uses no CPU until thaw(). The bench
   * freezes one system while it measures the other, so that both can stay
   * up for paired rounds without the idle one's timers sharing the CPUs.
   */
  freeze(): void {
    if (this.running) process.kill(this.pid, 'SIGSTOP');
  }

  /** Resumes a frozen process (SIGCONT); harmless on a running one. */
  thaw(): void {
    if (this.running) process.kill(this.pid, 'SIGCONT');
  }

  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Peak and current resident set size (kB) from /proc/<pid>/status. */
  rss(): { peakKb: number; currentKb: number } | null {
    try {
      const s = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const get = (k: string) => Number(/^\s*(\d+)/.exec(s.split(`${k}:`)[1] ?? '')?.[1] ?? NaN);
      return { peakKb: get('VmHWM'), currentKb: get('VmRSS') };
    } catch {
      return null;
    }
  }
}

const live = new Set<Managed>();
const dirs = new Set<string>();
let keepDirs = false;
let handlersInstalled = false;
/** Set by Ctrl-C/SIGTERM: nothing new starts while the running processes are stopped. */
let interrupted = false;

export function keepTempDirs(keep: boolean): void {
  keepDirs = keep;
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const m of live) {
      try {
        if (m.running) process.kill(m.pid, 'SIGKILL');
      } catch {}
    }
    if (!keepDirs) for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      interrupted = true;
      process.stderr.write(`\nbench: ${sig}, stopping ${live.size} process(es)\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export function tempDir(prefix: string): string {
  installHandlers();
  const d = mkdtempSync(join(tmpdir(), `camus-bench-${prefix}-`));
  dirs.add(d);
  return d;
}

export function removeDir(d: string): void {
  if (!keepDirs) rmSync(d, { recursive: true, force: true });
  dirs.delete(d);
}

/** Spawns `cmd args` with stdout and stderr to `logFile` and records it. */
export function start(name: string, cmd: string, args: string[], logFile: string, opts: SpawnOptions & { stopSignal?: NodeJS.Signals } = {}): Managed {
  installHandlers();
  if (interrupted) throw new Error(`interrupted: not starting ${name}`);
  const fd = openSync(logFile, 'a');
  const proc = spawn(cmd, args, { stdio: ['ignore', fd, fd], ...opts });
  closeSync(fd);
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const m = new Managed(name, proc, logFile, opts.stopSignal);
  live.add(m);
  void m.exited.then(() => live.delete(m));
  return m;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((m) => m.stop()));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Retries f until it resolves, or rethrows its last error after timeoutMs. */
export async function eventually<T>(f: () => Promise<T>, timeoutMs: number, everyMs = 200): Promise<T> {
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

/** Throws unless host:port can be bound now (so a clash is reported, not measured). */
export function checkPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', (e) => reject(new Error(`${host}:${port} is in use (${(e as Error).message}); pick another --port-base`)));
    s.listen(port, host, () => s.close(() => resolve()));
  });
}

/** Runs a command to completion; throws with its output on failure. */
export function run(cmd: string, args: string[], opts: Parameters<typeof spawnSync>[2] = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${String(r.stdout).slice(-1500)}\n${String(r.stderr).slice(-1500)}`);
  return String(r.stdout);
}

/** Installs Debian packages when `probe` is missing (root, Debian mirrors only). */
export function ensureDebian(probe: () => boolean, packages: string[], log: (s: string) => void): void {
  if (probe()) return;
  log(`installing ${packages.join(' ')} (apt-get)`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const apt = (args: string[]) => run(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), ...args], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    apt(['install', '-y', '-qq', ...packages]);
  } catch {
    apt(['update', '-qq']);
    apt(['install', '-y', '-qq', ...packages]);
  }
  if (!probe()) throw new Error(`${packages.join(' ')} installed but still not found`);
}
