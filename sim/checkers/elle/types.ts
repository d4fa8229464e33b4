// The history model of the list-append checker, after Elle (Kingsbury & Alvaro).
// Every key holds a list; an append adds one element at its end; a read returns
// the whole list. Because the workload appends each value at most once per key,
// a read names, element by element, the writes that produced it, and the longest
// read of a key reveals the order in which those writes were installed.

export type MicroOp =
  | { f: 'append'; key: string; value: number }
  | { f: 'r'; key: string; value: number[] | null }; // value: list observed (null when not known, i.e. txn not ok)

export interface Txn {
  id: number;
  process: number; // client; each runs one txn at a time
  invokeMs: number;
  completeMs: number;
  /** ok: committed, reads are what was observed. fail: definitely aborted (no effects). info: indeterminate (may have committed; its reads are unknown). */
  status: 'ok' | 'fail' | 'info';
  ops: MicroOp[];
}

export type AnomalyKind =
  | 'G0'
  | 'G1a'
  | 'G1b'
  | 'G1c'
  | 'G-single'
  | 'G2'
  | 'lost-update'
  | 'incompatible-order'
  | 'duplicate-elements'
  | 'internal';

export interface Anomaly {
  kind: AnomalyKind;
  /** The offending transactions; for a cycle, its members in cycle order (the last one points back to the first). */
  txns: Txn[];
  /** Person-readable: one sentence per edge for cycles, one or two sentences otherwise. */
  explanation: string;
}

export interface ElleResult {
  ok: boolean;
  anomalies: Anomaly[];
  /** txns: transactions in the input; edges: distinct dependency edges in the inferred graph. */
  stats: { txns: number; edges: number };
}

export interface CheckOptions {
  /** Add real-time edges (T1 completed before T2 was invoked), turning the check into strict serializability. */
  realtime?: boolean;
}
