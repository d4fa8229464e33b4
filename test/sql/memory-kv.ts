import type { KvTxn } from '../../core/sql/engine/types.js';

/**
 * An in-memory KvTxn for engine tests: a sorted map with no transactions.
 * `snapshot()`/`restore()` let a test roll a failed statement back by hand.
 */
export class MemoryKv implements KvTxn {
  private data = new Map<string, Uint8Array>();

  get(key: string): Uint8Array | null {
    return this.data.get(key) ?? null;
  }

  peek(key: string): Uint8Array | null {
    return this.get(key);
  }

  scan(start: string, end: string, limit = Infinity): { key: string; value: Uint8Array }[] {
    const keys = [...this.data.keys()].filter((k) => k >= start && k < end).sort();
    return keys.slice(0, limit).map((key) => ({ key, value: this.data.get(key)! }));
  }

  put(key: string, value: Uint8Array): void {
    this.data.set(key, value);
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  snapshot(): Map<string, Uint8Array> {
    return new Map(this.data);
  }

  restore(s: Map<string, Uint8Array>): void {
    this.data = new Map(s);
  }

  get size(): number {
    return this.data.size;
  }
}
