/**
 * Deep merge for environment overlays: mappings merge key by key, lists and scalars replace,
 * and an explicit null removes the key.
 */
export function mergeOverlay(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return base;
  if (overlay === null) return undefined;
  if (isPlainObject(base) && isPlainObject(overlay)) {
    // A Map and own-property reads: a key like `__proto__` can neither read nor replace a prototype.
    const out = new Map(Object.entries(base));
    for (const [key, value] of Object.entries(overlay)) {
      const merged = mergeOverlay(Object.hasOwn(base, key) ? base[key] : undefined, value);
      if (merged === undefined) out.delete(key);
      else out.set(key, merged);
    }
    return Object.fromEntries(out);
  }
  return overlay;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
