/**
 * Deep merge for environment overlays: mappings merge key by key, lists and scalars replace,
 * and an explicit null removes the key.
 */
export function mergeOverlay(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return base;
  if (overlay === null) return undefined;
  if (isPlainObject(base) && isPlainObject(overlay)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(overlay)) {
      const merged = mergeOverlay(base[key], value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    }
    return out;
  }
  return overlay;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
