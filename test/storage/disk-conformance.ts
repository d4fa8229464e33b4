// The contract of core/io.ts Disk, checked the same way against every
// implementation (the simulator's SimDisk and the server's LevelDisk), so the
// simulator cannot quietly promise what the real disk does not keep.

import { afterEach, describe, expect, it } from 'vitest';
import type { Disk, DiskOp } from '../../core/io.js';

export interface DiskHarness {
  open(): Promise<Disk>;
  /** Clean close and reopen: everything acknowledged (onDurable ran) must be there. */
  reopen(old: Disk): Promise<Disk>;
  /** Releases a disk at the end of a test (optional). */
  dispose?(d: Disk): Promise<void>;
}

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** Writes one batch and resolves once it is durable. */
export function durable(d: Disk, ops: readonly DiskOp[]): Promise<void> {
  return new Promise((resolve) => d.write(ops, resolve));
}

function contents(d: Disk): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of d.recovered()) out[k] = [...v];
  return out;
}

export function diskConformance(name: string, harness: DiskHarness): void {
  describe(`Disk conformance: ${name}`, () => {
    let live: Disk | null = null;
    const open = async () => (live = await harness.open());
    const reopen = async (d: Disk) => (live = await harness.reopen(d));
    afterEach(async () => {
      if (live && harness.dispose) await harness.dispose(live);
      live = null;
    });

    it('starts empty', async () => {
      const d = await open();
      expect(d.recovered().size).toBe(0);
      const d2 = await reopen(d);
      expect(d2.recovered().size).toBe(0);
    });

    it('keeps puts and deletes across a reopen', async () => {
      let d = await open();
      await durable(d, [
        { type: 'put', key: 'a', value: enc('1') },
        { type: 'put', key: 'b', value: enc('2') },
        { type: 'put', key: 'c', value: new Uint8Array(0) },
      ]);
      await durable(d, [{ type: 'del', key: 'b' }, { type: 'del', key: 'never-there' }]);
      d = await reopen(d);
      expect(contents(d)).toEqual({ a: [0x31], c: [] });
      for (const v of d.recovered().values()) expect(v).toBeInstanceOf(Uint8Array);
      await durable(d, [{ type: 'put', key: 'b', value: enc('3') }, { type: 'del', key: 'a' }]);
      d = await reopen(d);
      expect(contents(d)).toEqual({ b: [0x33], c: [] });
    });

    it('applies ops in order within a batch and batches in write order', async () => {
      let d = await open();
      d.write([{ type: 'put', key: 'k', value: enc('1') }, { type: 'del', key: 'k' }, { type: 'put', key: 'k', value: enc('2') }], () => {});
      d.write([{ type: 'put', key: 'j', value: enc('x') }, { type: 'put', key: 'k', value: enc('3') }], () => {});
      d.write([{ type: 'del', key: 'j' }], () => {});
      await durable(d, [{ type: 'put', key: 'k', value: enc('4') }, { type: 'put', key: 'm', value: enc('5') }]);
      d = await reopen(d);
      expect(contents(d)).toEqual({ k: [0x34], m: [0x35] });
    });

    it('runs onDurable later, never inside write, in write order', async () => {
      const d = await open();
      const order: number[] = [];
      let inside = false;
      let reentrant = 0;
      const all: Promise<void>[] = [];
      for (let i = 0; i < 5; i++) {
        all.push(
          new Promise((resolve) => {
            inside = true;
            d.write([{ type: 'put', key: `k${i}`, value: enc(String(i)) }], () => {
              if (inside) reentrant++;
              order.push(i);
              resolve();
            });
            inside = false;
          }),
        );
      }
      // An empty batch is still ordered behind the batches before it.
      all.push(new Promise((resolve) => d.write([], () => (order.push(99), resolve()))));
      expect(order).toEqual([]);
      await Promise.all(all);
      expect(order).toEqual([0, 1, 2, 3, 4, 99]);
      expect(reentrant).toBe(0);
    });

    it('completes many batches in flight in order, each durable with all before it', async () => {
      let d = await open();
      const order: number[] = [];
      const all: Promise<void>[] = [];
      for (let i = 0; i < 300; i++) {
        all.push(new Promise((resolve) => d.write([{ type: 'put', key: `n/${i % 7}`, value: enc(String(i)) }, { type: 'put', key: `i/${i}`, value: enc('') }], () => (order.push(i), resolve()))));
        // Some writes come from later turns, as a node's events do.
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(all);
      expect(order).toEqual([...Array(300).keys()]);
      d = await reopen(d);
      expect(d.recovered().size).toBe(307);
      for (let r = 0; r < 7; r++) {
        const last = 299 - ((299 - r) % 7);
        expect([...d.recovered().get(`n/${r}`)!]).toEqual([...enc(String(last))]);
      }
    });

    it('keeps large values intact', async () => {
      let d = await open();
      const big = new Uint8Array(4 << 20);
      for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
      const mid = new Uint8Array(200_000).fill(7);
      // A view into a larger buffer stores exactly its own bytes.
      const view = big.subarray(1000, 1010);
      await durable(d, [{ type: 'put', key: 'big', value: big }, { type: 'put', key: 'mid', value: mid }, { type: 'put', key: 'view', value: view }]);
      d = await reopen(d);
      const got = d.recovered().get('big')!;
      expect(got.length).toBe(big.length);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(big))).toBe(0);
      expect(d.recovered().get('mid')!.every((b) => b === 7)).toBe(true);
      expect([...d.recovered().get('view')!]).toEqual([...big.subarray(1000, 1010)]);
    });

    it('keeps keys with any char in U+0000..U+00FF and any unicode', async () => {
      let d = await open();
      const keys = [
        Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join(''),
        '\u0000',
        '\u0000\u0000',
        'a\u0000b',
        '\u00ff',
        '\u00ff\u00ff',
        '1:r/\u0001\u0000\u00fe',
        'ключ',
        '键/值',
        'emoji 😀 and 𝄞',
        '\uffff',
        '',
      ];
      for (let i = 0; i < 256; i++) keys.push(`c/${String.fromCharCode(i)}`);
      await durable(d, keys.map((key, i) => ({ type: 'put', key, value: enc(String(i)) })));
      d = await reopen(d);
      expect(d.recovered().size).toBe(keys.length);
      keys.forEach((k, i) => expect([...(d.recovered().get(k) ?? [])], JSON.stringify(k)).toEqual([...enc(String(i))]));
    });

    it('keeps 10k keys across batches', async () => {
      let d = await open();
      const all: Promise<void>[] = [];
      for (let b = 0; b < 20; b++) {
        const ops: DiskOp[] = [];
        for (let i = 0; i < 500; i++) ops.push({ type: 'put', key: `t/${String(b * 500 + i).padStart(6, '0')}`, value: enc(`v${b * 500 + i}`) });
        all.push(durable(d, ops));
      }
      await Promise.all(all);
      d = await reopen(d);
      expect(d.recovered().size).toBe(10_000);
      expect([...d.recovered().get('t/009999')!]).toEqual([...enc('v9999')]);
      expect([...d.recovered().get('t/000000')!]).toEqual([...enc('v0')]);
    });

    it('writes a lazy batch in order with the others, durable once a later write is', async () => {
      let d = await open();
      await durable(d, [{ type: 'put', key: 'k', value: enc('1') }]);
      d.writeLazy([{ type: 'put', key: 'k', value: enc('2') }, { type: 'put', key: 'l', value: enc('x') }]);
      d.writeLazy([{ type: 'del', key: 'l' }, { type: 'put', key: 'z', value: enc('1') }]);
      await durable(d, [{ type: 'put', key: 'z', value: enc('2') }]);
      d.writeLazy([{ type: 'put', key: 'z', value: enc('3') }]);
      await durable(d, [{ type: 'put', key: 'm', value: enc('4') }]);
      d = await reopen(d);
      expect(contents(d)).toEqual({ k: [0x32], z: [0x33], m: [0x34] });
    });

    it('recovered() is the image at start-up, not a live view', async () => {
      let d = await open();
      await durable(d, [{ type: 'put', key: 'x', value: enc('1') }]);
      d = await reopen(d);
      await durable(d, [{ type: 'put', key: 'y', value: enc('2') }, { type: 'del', key: 'x' }]);
      expect(contents(d)).toEqual({ x: [0x31] });
      d = await reopen(d);
      expect(contents(d)).toEqual({ y: [0x32] });
    });
  });
}
