/*
 * Helpers of the generated fast parser (fast-parse.generated.ts). Each is stricter than zod where
 * the two could differ, so a value the fast parser accepts is one zod accepts with an equal output;
 * anything else is refused (FAIL) and the caller falls back to zod for the errors.
 */

/** The answer "not accepted here": the caller runs the zod schema instead. */
export const FAIL: unique symbol = Symbol("not accepted by the fast parser");

/** A plain object (as YAML makes them) whose own keys are enumerable strings with defined values; `__proto__` never. */
export function plainObject(x: unknown): Record<string, unknown> | undefined {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return undefined;
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = Reflect.ownKeys(x);
  const o = x as Record<string, unknown>;
  for (const key of keys) {
    if (typeof key !== "string" || key === "__proto__" || !Object.prototype.propertyIsEnumerable.call(o, key) || o[key] === undefined)
      return undefined;
  }
  return o;
}

/**
 * A plain object with no key outside `allowed` (a strict object's shape). Unlike a record's
 * values, a key may be present with the value undefined (the merged view of an environment
 * without a database); the generated code treats it as zod does.
 */
export function strictObject(x: unknown, allowed: ReadonlySet<string>): Record<string, unknown> | undefined {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return undefined;
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const o = x as Record<string, unknown>;
  for (const key of Reflect.ownKeys(x)) {
    if (typeof key !== "string" || !allowed.has(key) || !Object.prototype.propertyIsEnumerable.call(o, key)) return undefined;
  }
  return o;
}

const surrogate = /[\uD800-\uDFFF]/;

/** A string's length within [min, max]; refused when it holds a surrogate (zod counts code points, not units). */
export function lengthWithin(s: string, min: number, max: number): boolean {
  return !surrogate.test(s) && s.length >= min && s.length <= max;
}

/** Whether any object or array is reached twice (a YAML alias): zod may then share one output, so the fast parser refuses. */
export function hasSharedNodes(root: unknown): boolean {
  const seen = new Set<object>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const x = pending.pop();
    if (typeof x !== "object" || x === null) continue;
    if (seen.has(x)) return true;
    seen.add(x);
    pending.push(...Object.values(x));
  }
  return false;
}
