/**
 * Freezes x and everything reachable from it, for values shared between
 * callers (cached statements, decoded catalogs): a caller that tries to
 * mutate one gets a TypeError instead of corrupting the next caller's value.
 * Typed arrays are left as they are (they cannot be frozen).
 */
export function deepFreeze(x: unknown): void {
  if (typeof x !== 'object' || x === null || Object.isFrozen(x) || ArrayBuffer.isView(x)) return;
  Object.freeze(x);
  for (const v of Object.values(x)) deepFreeze(v);
}
