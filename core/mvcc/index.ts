// The multi-version store's public surface.

export { MvccStore } from './store.js';
export type {
  CommitResult,
  Conflict,
  ConflictReason,
  Decision,
  Intent,
  PointRead,
  RangeRead,
  ReadResult,
  ResolveOutcome,
  ScanResult,
  ScanRow,
  TxnCheck,
  TxnWrites,
  ValidateResult,
  Value,
  Version,
  Write,
} from './types.js';
