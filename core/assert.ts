// Asserts catch programmer errors. They are never caught: a failed assert means
// the code is wrong, and the simulator reports it as a crash, not as a result.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

/**
 * Throws AssertionError when `cond` is falsy. A message that must be built
 * (a template with values) is passed as a function, so hot paths pay for it
 * only when the assert fails.
 */
export function assert(cond: unknown, message: string | (() => string) = 'assertion failed'): asserts cond {
  if (!cond) throw new AssertionError(typeof message === 'function' ? message() : message);
}

/** Ends every switch over a discriminated union: a new variant fails to type-check. */
export function assertNever(x: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(x)}`);
}
