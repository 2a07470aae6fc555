import { parseMerged, parseSpec } from "./fast-parse.generated.js";
import { FAIL, hasSharedNodes } from "./fast-parse-runtime.js";
import type { SourceDocument } from "./load.js";
import { resolveSpec, type ValidatedSpec } from "./resolve.js";
import type { MergedSpec, Spec } from "./schema.js";

/**
 * validateSpec without zod, for the common case of a valid spec: the generated fast parser in
 * place of the zod schema, then the same resolution and rules. Returns the value validateSpec
 * returns (equal, key order and defaults included), or undefined for any spec it does not accept
 * outright: a schema problem, an unknown target, a rule's finding, a YAML alias. The caller then
 * runs validateSpec (src/spec/validate.ts, which loads zod) for the errors.
 */
export function validateSpecFast(source: SourceDocument): ValidatedSpec | undefined {
  if (hasSharedNodes(source.data)) return undefined;
  const spec = parseSpec(source.data);
  if (spec === FAIL) return undefined;
  const result = resolveSpec(source, spec as Spec, (merged) => {
    const data = parseMerged(merged);
    return data === FAIL ? { problems: [] } : { data: data as MergedSpec };
  });
  return result.failed || result.problems.length > 0 ? undefined : result.value;
}
