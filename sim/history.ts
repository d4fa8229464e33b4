// The client-side record of a run, shared by workloads and checkers.
export type { HistoryOp, KvOp, KvResult } from './checkers/linearizability.js';
