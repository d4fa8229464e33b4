import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Disk } from '../../core/io.js';
import { DiskFailedError, LevelDisk } from '../../server/disk/level-disk.js';
import { diskConformance, durable } from './disk-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'camus-level-disk-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dirs = 0;
const dirOf = new WeakMap<Disk, string>();

async function openIn(dir: string): Promise<LevelDisk> {
  const d = await LevelDisk.open(dir);
  dirOf.set(d, dir);
  return d;
}

diskConformance('LevelDisk', {
  open: () => openIn(join(root, `c${dirs++}`)),
  async reopen(old) {
    await (old as LevelDisk).close();
    return openIn(dirOf.get(old)!);
  },
  async dispose(d) {
    await (d as LevelDisk).close();
  },
});

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('LevelDisk', () => {
  it('group-commits: many writes in one tick share few LevelDB batches', async () => {
    const d = await LevelDisk.open(join(root, 'group'));
    const all: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) all.push(durable(d, [{ type: 'put', key: `k${i}`, value: enc(String(i)) }]));
    await Promise.all(all);
    expect(d.writes).toBe(500);
    expect(d.batchesWritten).toBeLessThanOrEqual(2);
    // Writes arriving while a batch is in flight merge into the next one.
    const more: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      more.push(durable(d, [{ type: 'put', key: `m${i}`, value: enc(String(i)) }]));
      if (i % 20 === 19) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(more);
    expect(d.batchesWritten).toBeLessThan(2 + 200 / 2);
    await d.close();
    const r = await LevelDisk.open(join(root, 'group'));
    expect(r.recovered().size).toBe(700);
    await r.close();
  });

  it('holds a lazy batch for the next durable one, writes it alone without sync once it waited lazyDelayMs, and syncs it before an empty durable write completes', async () => {
    const dir = join(root, 'lazy');
    const d = await LevelDisk.open(dir, { lazyDelayMs: 40 });
    const calls: { keys: string[]; sync: boolean }[] = [];
    // Every LevelDB write goes through a chained batch: record its keys and its sync flag as it is written.
    type Chained = { put(k: string, v: Uint8Array): unknown; del(k: string): unknown; write(o: { sync: boolean }): Promise<void> };
    const db = (d as unknown as { db: { batch(): Chained } }).db;
    const batch = db.batch.bind(db);
    db.batch = () => {
      const b = batch();
      const keys: string[] = [];
      const [put, del, write] = [b.put.bind(b), b.del.bind(b), b.write.bind(b)];
      b.put = (k, v) => (keys.push(k), put(k, v));
      b.del = (k) => (keys.push(k), del(k));
      b.write = (o) => (calls.push({ keys, sync: o.sync }), write(o));
      return b;
    };
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // A durable write within the delay takes the lazy ops along: one call.
    d.writeLazy([{ type: 'put', key: 'a', value: enc('1') }]);
    d.writeLazy([{ type: 'put', key: 'b', value: enc('2') }]);
    await sleep(5);
    expect(calls).toEqual([]);
    await durable(d, [{ type: 'put', key: 'c', value: enc('3') }]);
    expect(calls).toEqual([{ keys: ['a', 'b', 'c'], sync: true }]);
    // With no durable write, the lazy ops go out alone after the delay, unsynced.
    d.writeLazy([{ type: 'put', key: 'd', value: enc('4') }]);
    await sleep(5);
    expect(calls.length).toBe(1);
    await sleep(80);
    expect(calls[1]).toEqual({ keys: ['d'], sync: false });
    // An empty durable write after a lazy batch: LevelDB would sync nothing, so the lazy batch goes again, synced.
    await durable(d, []);
    expect(calls[2]).toEqual({ keys: ['d'], sync: true });
    // Once synced, an empty durable write writes nothing.
    await durable(d, []);
    expect(calls.length).toBe(3);
    // Lazy ops past the bound go out without waiting.
    d.writeLazy(Array.from({ length: 4096 }, (_, i) => ({ type: 'put' as const, key: `m${i}`, value: enc('m') })));
    await sleep(5);
    expect(calls.length).toBe(4);
    expect(calls[3]!.sync).toBe(false);
    // close() writes what still waits.
    d.writeLazy([{ type: 'put', key: 'e', value: enc('5') }]);
    await d.close();
    expect(calls[4]).toEqual({ keys: ['e'], sync: false });
    const r = await LevelDisk.open(dir);
    expect([...r.recovered().keys()].filter((k) => !k.startsWith('m')).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    await r.close();
  });

  it('close() waits for queued writes', async () => {
    const dir = join(root, 'close');
    const d = await LevelDisk.open(dir);
    let done = 0;
    for (let i = 0; i < 50; i++) d.write([{ type: 'put', key: `k${i}`, value: enc('v') }], () => done++);
    await d.close();
    expect(() => d.write([], () => {})).toThrow(DiskFailedError);
    const r = await LevelDisk.open(dir);
    expect(r.recovered().size).toBe(50);
    await r.close();
    await new Promise((res) => setImmediate(res));
    expect(done).toBe(50);
  });

  it('fails stop on an I/O error: no callback, later writes throw, onFatal called', async () => {
    const dir = join(root, 'fail');
    let fatal: Error | null = null;
    const d = await LevelDisk.open(dir, { onFatal: (e) => (fatal = e) });
    await durable(d, [{ type: 'put', key: 'a', value: enc('1') }]);
    // Pull the database out from under the disk: the next batch fails as an I/O error would.
    await (d as unknown as { db: { close(): Promise<void> } }).db.close();
    let called = false;
    d.write([{ type: 'put', key: 'b', value: enc('2') }], () => (called = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(called).toBe(false);
    expect(d.failed).toBeInstanceOf(Error);
    expect(fatal).toBe(d.failed);
    expect(() => d.write([{ type: 'put', key: 'c', value: enc('3') }], () => {})).toThrow(DiskFailedError);
    await d.close();
  });

  it('runs afterCallbacks after a durable batch\'s callbacks, in the same macrotask', async () => {
    const seen: string[] = [];
    const d = await LevelDisk.open(join(root, 'after'), { afterCallbacks: () => seen.push('after') });
    const once = (tag: string) =>
      new Promise<void>((resolve) =>
        d.write([{ type: 'put', key: tag, value: enc(tag) }], () => {
          seen.push(tag);
          // An immediate queued by a callback runs in a later macrotask: after the hook.
          setImmediate(() => {
            seen.push(`${tag} later`);
            resolve();
          });
        }),
      );
    await once('a');
    await once('b');
    expect(seen).toEqual(['a', 'after', 'a later', 'b', 'after', 'b later']);
    await d.close();
  });

  it('refuses keys LevelDB cannot store faithfully (lone surrogates)', async () => {
    const d = await LevelDisk.open(join(root, 'surrogate'));
    expect(() => d.write([{ type: 'put', key: 'a\ud800', value: enc('1') }], () => {})).toThrow(TypeError);
    expect(() => d.write([{ type: 'put', key: '\udc00', value: enc('1') }], () => {})).toThrow(TypeError);
    await durable(d, [{ type: 'put', key: '\ud83d\ude00', value: enc('1') }]);
    await d.close();
  });
});
