// Expected failures are typed errors with stable CamusDB codes. Callers may
// catch them; asserts (core/assert.ts) are for programmer errors and are not.

export const ErrorCode = {
  DatabaseDoesntExist: 'CADB0010',
  TableDoesntExist: 'CADB0011',
  DatabaseAlreadyExists: 'CADB0012',
  TableAlreadyExists: 'CADB0013',
  SystemSpaceCorrupt: 'CADB0014',
  IndexDoesntExist: 'CADB0016',
  InvalidInternalOperation: 'CADB0099',
  DuplicateUniqueKeyValue: 'CADB0300',
  NotNullViolation: 'CADB0301',
  InvalidInput: 'CADB0400',
  UnknownType: 'CADB0401',
  DuplicateColumn: 'CADB0403',
  UnknownColumn: 'CADB0404',
  SqlSyntaxError: 'CADB0406',
  InvalidAstStmt: 'CADB0407',
  TransactionAlreadyCompleted: 'CADB0501',
  TransactionConflict: 'CADB0502',
  SchemaCatchingUp: 'CADB0503',
  TransactionMustRetry: 'CADB0504',
  InvalidConfig: 'CADB0600',
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type CamusErrorCode = (typeof ErrorCode)[ErrorCodeName];

/** Codes a client may retry as they are: the operation did not take effect. */
export const RETRYABLE_CODES: ReadonlySet<CamusErrorCode> = new Set([
  ErrorCode.TransactionConflict,
  ErrorCode.SchemaCatchingUp,
  ErrorCode.TransactionMustRetry,
]);

export class CamusError extends Error {
  override name = 'CamusError';
  constructor(
    readonly code: CamusErrorCode,
    message: string,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code);
  }
}

/** Builds a CamusError by code name: `camusError('TableDoesntExist', 'table "t" ...')`. */
export function camusError(name: ErrorCodeName, message: string): CamusError {
  return new CamusError(ErrorCode[name], message);
}
