// Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014).
//
// A timestamp is (wall, logical): wall is a physical time in milliseconds as
// some node believed it to be, logical orders events within one wall value.
// Timestamps compare lexicographically. A node's clock never goes backwards,
// even when its physical clock does, and it advances past every timestamp it
// receives, so causally related events get increasing timestamps.

import { assert } from './assert.js';
import { CamusError, ErrorCode } from './errors.js';
import type { Clock } from './io.js';
import { DecodeError, type Reader, type Writer } from './util/codec.js';

/** A point in hybrid time. wall is a safe integer >= 0 (ms); logical is an integer in [0, MAX_LOGICAL]. */
export interface Timestamp {
  readonly wall: number;
  readonly logical: number;
}

/** The logical counter fits 32 bits so that the string form has a fixed width. */
export const MAX_LOGICAL = 0xffff_ffff;

/** The smallest timestamp; below every timestamp a clock issues. */
export const ZERO_TS: Timestamp = Object.freeze({ wall: 0, logical: 0 });

/** True when `t` is a well-formed timestamp (the ranges in the Timestamp comment). */
export function isValidTs(t: Timestamp): boolean {
  return (
    Number.isSafeInteger(t.wall) &&
    t.wall >= 0 &&
    Number.isInteger(t.logical) &&
    t.logical >= 0 &&
    t.logical <= MAX_LOGICAL
  );
}

/** Asserts that `t` is well-formed; a malformed timestamp in the core is a programmer error. */
export function assertTs(t: Timestamp, what = 'timestamp'): void {
  // The message is built only on failure: this runs for every encoded timestamp.
  if (!isValidTs(t)) assert(false, () => `malformed ${what}: ${JSON.stringify(t)}`);
}

/** Negative, zero or positive as a is before, equal to or after b. */
export function compareTs(a: Timestamp, b: Timestamp): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  return 0;
}

export function tsEquals(a: Timestamp, b: Timestamp): boolean {
  return a.wall === b.wall && a.logical === b.logical;
}

/** The later of two timestamps (the first one when equal). */
export function tsMax(a: Timestamp, b: Timestamp): Timestamp {
  return compareTs(a, b) >= 0 ? a : b;
}

/** The earlier of two timestamps (the first one when equal). */
export function tsMin(a: Timestamp, b: Timestamp): Timestamp {
  return compareTs(a, b) <= 0 ? a : b;
}

/** The smallest timestamp strictly greater than `t`. */
export function nextTs(t: Timestamp): Timestamp {
  if (t.logical < MAX_LOGICAL) return { wall: t.wall, logical: t.logical + 1 };
  assert(t.wall < Number.MAX_SAFE_INTEGER, 'timestamp overflow');
  return { wall: t.wall + 1, logical: 0 };
}

/** The largest timestamp strictly smaller than `t`; requires t > ZERO_TS. */
export function prevTs(t: Timestamp): Timestamp {
  if (t.logical > 0) return { wall: t.wall, logical: t.logical - 1 };
  assert(t.wall > 0, 'no timestamp precedes ZERO_TS');
  return { wall: t.wall - 1, logical: MAX_LOGICAL };
}

const WALL_DIGITS = 14; // 16^14 > 2^53, so every safe wall fits.
const LOGICAL_DIGITS = 8;
const TS_STRING = /^[0-9a-f]{14}\.[0-9a-f]{8}$/;

/**
 * A fixed-width string form, 23 characters of [0-9a-f.], whose code-unit order
 * equals compareTs order, so timestamps can be embedded in ordered keys.
 */
export function tsToString(t: Timestamp): string {
  assertTs(t);
  return t.wall.toString(16).padStart(WALL_DIGITS, '0') + '.' + t.logical.toString(16).padStart(LOGICAL_DIGITS, '0');
}

/** Parses tsToString's form; throws DecodeError on anything else. */
export function tsFromString(s: string): Timestamp {
  if (!TS_STRING.test(s)) throw new DecodeError(`malformed timestamp string: ${JSON.stringify(s)}`);
  const t = { wall: parseInt(s.slice(0, WALL_DIGITS), 16), logical: parseInt(s.slice(WALL_DIGITS + 1), 16) };
  if (!isValidTs(t)) throw new DecodeError(`timestamp out of range: ${s}`);
  return t;
}

/** Appends `t` to a binary encoding (two varints). */
export function writeTimestamp(w: Writer, t: Timestamp): void {
  assertTs(t);
  w.uvar(t.wall).uvar(t.logical);
}

/** Reads what writeTimestamp wrote; throws DecodeError on malformed input. */
export function readTimestamp(r: Reader): Timestamp {
  const t = { wall: r.uvar(), logical: r.uvar() };
  if (!isValidTs(t)) throw new DecodeError('timestamp out of range');
  return t;
}

/** For logs and error messages: "wall.logical". */
export function formatTs(t: Timestamp): string {
  return `${t.wall}.${t.logical}`;
}

/**
 * Raised by Hlc.update when a received timestamp is further ahead of the local
 * physical clock than the configured bound. The message carrying it must be
 * refused: accepting it would let one bad clock drag every node's time forward.
 * Not retryable as is; the sender's clock (or ours) needs fixing.
 */
export class ClockOffsetError extends CamusError {
  override name = 'ClockOffsetError';
  constructor(
    readonly remote: Timestamp,
    readonly physicalMs: number,
    readonly maxOffsetMs: number,
  ) {
    super(
      ErrorCode.InvalidInternalOperation,
      `remote timestamp ${formatTs(remote)} is more than ${maxOffsetMs} ms ahead of the local clock (${physicalMs} ms)`,
    );
  }
}

/**
 * One node's hybrid logical clock.
 *
 * Invariants: every timestamp returned by now() or update() is strictly greater
 * than every timestamp this instance returned before, and update(r) returns a
 * timestamp strictly greater than r. The wall part of an issued timestamp is
 * never below the physical clock's reading at that moment, and never above the
 * largest reading this node has seen plus maxOffsetMs (plus one ms per
 * overflow of the logical counter, which never happens in practice).
 */
export class Hlc {
  private last: Timestamp = ZERO_TS;

  /** `maxOffsetMs` (>= 0) is the largest accepted lead of a remote timestamp over our physical clock. */
  constructor(
    private readonly clock: Clock,
    readonly maxOffsetMs: number,
  ) {
    assert(Number.isFinite(maxOffsetMs) && maxOffsetMs >= 0, () => `bad maxOffsetMs: ${maxOffsetMs}`);
  }

  /** The physical clock as a whole number of ms; readings before the epoch count as 0. */
  private physical(): number {
    const ms = this.clock.nowMs();
    assert(Number.isFinite(ms), () => `clock returned ${ms}`);
    return Math.max(0, Math.floor(ms));
  }

  /** The latest timestamp issued, without advancing; ZERO_TS before the first. */
  peek(): Timestamp {
    return this.last;
  }

  /** A timestamp for a local or send event. */
  now(): Timestamp {
    const pt = this.physical();
    this.last = pt > this.last.wall ? { wall: pt, logical: 0 } : nextTs(this.last);
    return this.last;
  }

  /**
   * A timestamp for receiving `remote`: greater than both `remote` and every
   * timestamp issued so far. Throws ClockOffsetError, leaving the clock
   * unchanged, when remote.wall exceeds the physical clock by more than
   * maxOffsetMs.
   */
  update(remote: Timestamp): Timestamp {
    assertTs(remote, 'remote timestamp');
    const pt = this.physical();
    if (remote.wall > pt + this.maxOffsetMs) throw new ClockOffsetError(remote, pt, this.maxOffsetMs);
    const seen = tsMax(this.last, remote);
    this.last = pt > seen.wall ? { wall: pt, logical: 0 } : nextTs(seen);
    return this.last;
  }
}
