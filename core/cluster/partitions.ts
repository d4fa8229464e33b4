import { assert } from '../assert.js';
import { crc32 } from '../util/crc32.js';
import { utf8Encode } from '../util/codec.js';

/**
 * A key's bucket: the part before its first '/', or the whole key when it has
 * none. Every key of a bucket lives in one partition, so a table's rows
 * ({tableId}:r/{rowId}) scan in order from one place.
 */
export function bucketOfKey(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? key : key.slice(0, slash);
}

/**
 * What decides a key's partition: its bucket up to the bucket's first ':'.
 * The SQL layer's buckets are `{tableId}:r`, `{tableId}:i:{indexId}` and
 * `{tableId}:m`, so a table's rows, every index entry and its schema epoch
 * share one partition, and a statement on one table commits in one Raft
 * entry instead of a two-phase commit across the row's and the index's
 * partitions. Buckets without ':' (database metadata, other workloads' keys)
 * place by themselves.
 */
export function placementOf(key: string): string {
  const b = bucketOfKey(key);
  const colon = b.indexOf(':');
  return colon < 0 ? b : b.slice(0, colon);
}

/**
 * The partition (Raft group) owning `key`, in [0, partitions): a CRC-32 of
 * its placement. The map is fixed by the partition count alone, so every node
 * computes the same owner without asking anyone.
 */
export function partitionOf(key: string, partitions: number): number {
  assert(Number.isInteger(partitions) && partitions >= 1, 'partition count must be a positive integer');
  if (partitions === 1) return 0;
  return crc32(utf8Encode(placementOf(key))) % partitions;
}

/**
 * Which partitions overlap the key range [start, end). A range inside one
 * bucket has one owner; a wider range may touch any partition.
 */
export function partitionsOfRange(start: string, end: string, partitions: number): number[] {
  const b = bucketOfKey(start);
  // Every key k with `${b}/` <= k < `${b}0` begins with `${b}/` ('0' follows '/'), so such a range is one bucket's.
  if (start.includes('/') && end <= `${b}0`) return [partitionOf(start, partitions)];
  return Array.from({ length: partitions }, (_, g) => g);
}
