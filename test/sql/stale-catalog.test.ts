import { describe, expect, it } from 'vitest';
import { CamusError } from '../../core/errors.js';
import type { Timestamp } from '../../core/hlc.js';
import { schemaKey, tableEpochKey } from '../../core/sql/keys.js';
import { parse } from '../../core/sql/parser.js';
import { createDatabase, loadCatalog, getTable } from '../../core/sql/engine/catalog.js';
import { executeStatement } from '../../core/sql/engine/engine.js';
import type { ExecContext } from '../../core/sql/engine/types.js';
import { MemoryKv } from './memory-kv.js';

// A statement reads the catalog by peeking, possibly from a replica behind the
// table's (TxnNode.execute runs it before confirming anything). A catalog
// older than the epoch of a table it lists has missed a DDL on that table, and
// the statement must fail retryably rather than use the stale schema.

/** MemoryKv whose every write carries the commit timestamp `now`, as a transaction committed then would. */
class VersionedKv extends MemoryKv {
  now = 1;
  readonly versions = new Map<string, Timestamp>();

  override put(key: string, value: Uint8Array): void {
    super.put(key, value);
    this.versions.set(key, { wall: this.now, logical: 0 });
  }

  override delete(key: string): void {
    super.delete(key);
    this.versions.set(key, { wall: this.now, logical: 0 });
  }

  versionTs(key: string): Timestamp | null {
    return this.versions.get(key) ?? null;
  }
}

describe('a statement on a catalog older than its table', () => {
  function setup() {
    const kv = new VersionedKv();
    let oids = 0;
    const exec: ExecContext = { database: 'd', params: new Map(), newOid: () => (++oids).toString(16).padStart(24, '0') };
    const run = (sql: string) => {
      kv.now++;
      for (const s of parse(sql)) executeStatement(s, kv, exec);
    };
    createDatabase(kv, 'd', false);
    run('CREATE TABLE t (k INT64 PRIMARY KEY, v STRING)');
    return { kv, run };
  }

  it('runs when the catalog is as new as the table epoch, or newer', () => {
    const { kv, run } = setup();
    run('INSERT INTO t (k, v) VALUES (1, "a")');
    run('ALTER TABLE t ADD COLUMN w INT64');
    run('INSERT INTO t (k, v, w) VALUES (2, "b", 2)');
    // Epoch and catalog share the DDL's timestamp; a later DDL elsewhere only makes the catalog newer.
    expect(kv.versionTs(tableEpochKey(getTable(loadCatalog(kv, 'd'), 't').id))).toEqual(kv.versionTs(schemaKey('d')));
    run('CREATE TABLE u (k INT64 PRIMARY KEY)');
    run('INSERT INTO t (k, v, w) VALUES (3, "c", 3)');
  });

  it('fails with CADB0504 when the catalog missed a DDL on the table: a drop, or an alter', () => {
    for (const ddl of ['DROP TABLE t', 'ALTER TABLE t DROP COLUMN v']) {
      const { kv, run } = setup();
      const staleSchema = kv.get(schemaKey('d'))!;
      const staleTs = kv.versionTs(schemaKey('d'))!;
      const id = getTable(loadCatalog(kv, 'd'), 't').id;
      run(ddl);
      // This node's catalog replica has not applied the DDL; the table's replica has.
      kv.put(schemaKey('d'), staleSchema);
      kv.versions.set(schemaKey('d'), staleTs);
      let caught: unknown = null;
      try {
        run('INSERT INTO t (k, v) VALUES (9, "z")');
      } catch (e) {
        caught = e;
      }
      expect(caught, ddl).toBeInstanceOf(CamusError);
      expect((caught as CamusError).code, ddl).toBe('CADB0504');
      // The epoch survives as a value (GC keeps a key's newest value), not a tombstone.
      expect(kv.get(tableEpochKey(id)), ddl).not.toBeNull();
    }
  });
});
