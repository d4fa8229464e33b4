// Several commands in one Raft entry. A leader whose disk is busy holds the
// commands proposed meanwhile and proposes them together once it is free
// (Replica.propose): one entry, one log record, one checksum and one later
// compaction delete for all of them, instead of one of each per command.
// With many clients that is most commands. A small record costs nearly as
// much as a large one here (a LevelDB operation is about 2.5 us of
// main-thread work through its binding, whatever its size), so the saving is
// per entry, on every replica.
//
// An entry packing commands begins with BATCH_TAG, then the count and each
// command length-prefixed, in proposal order. Only a state machine that
// declares `batchable` gets such entries: it promises that none of its own
// commands begins with BATCH_TAG, so the first byte tells them apart, and
// entries written before batching existed read as they always did.

import { DecodeError, Reader, Writer } from '../util/codec.js';

export const BATCH_TAG = 0xff;

/**
 * At most this many commands, and (past the first) this many command bytes,
 * go into one entry. Raft bounds a leader's uncommitted entries (256 by
 * default) and entries per append (64): these keep what those bounds allow
 * near what they allowed with one command per entry (16,384 commands and
 * 16 MiB of packed entries uncommitted, 4 MiB per append, well inside a
 * 64 MiB frame), while a busy leader's batches, a few dozen commands, fit.
 */
export const BATCH_COMMANDS_MAX = 64;
export const BATCH_BYTES_MAX = 64 * 1024;

/** One entry's data for commands (two or more, none beginning with BATCH_TAG). */
export function packCommands(commands: readonly Uint8Array[]): Uint8Array {
  let bytes = 0;
  for (const c of commands) bytes += c.length + 4;
  const w = new Writer(bytes + 8).u8(BATCH_TAG).uvar(commands.length);
  for (const c of commands) w.bytes(c);
  return w.finish();
}

/**
 * The commands packed in `data` (which begins with BATCH_TAG), in order, as
 * views sharing its memory (entry data is never modified, so they stay
 * valid; one kept alive keeps the whole entry's bytes). Throws DecodeError on
 * a malformed entry.
 */
export function unpackCommands(data: Uint8Array): Uint8Array[] {
  const r = new Reader(data);
  if (r.u8() !== BATCH_TAG) throw new DecodeError('not a packed entry');
  const n = r.uvar();
  if (n < 2) throw new DecodeError(`a packed entry of ${n} commands`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.view());
  r.end();
  return out;
}
