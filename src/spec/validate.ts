import { problemsFromIssues } from "./issues.js";
import type { SourceDocument } from "./load.js";
import { combine, type LocatedProblem, place, resolveSpec, type ValidatedSpec } from "./resolve.js";
import { mergedSchema, specSchema } from "./schema.js";

export type { ResolvedEnvironment, ResolvedTarget, ValidatedSpec } from "./resolve.js";

/**
 * Validates a parsed spec: the schema, every environment's merged overlay, and the cross-field
 * rules. Collects every problem, then throws one SlipwayError whose `related` lists the rest.
 * (The CLI first tries validate-fast.ts, which gives the same value without loading zod, and
 * comes here only for a spec it does not accept.)
 */
export function validateSpec(source: SourceDocument): ValidatedSpec {
  const parsed = specSchema.safeParse(source.data, { reportInput: true });
  if (!parsed.success) {
    const problems: LocatedProblem[] = [];
    for (const p of problemsFromIssues(parsed.error.issues, specSchema, source.data)) problems.push(place(source, p, p.path));
    throw combine(problems);
  }
  const result = resolveSpec(source, parsed.data, (merged) => {
    const r = mergedSchema.safeParse(merged, { reportInput: true });
    return r.success ? { data: r.data } : { problems: problemsFromIssues(r.error.issues, mergedSchema, merged) };
  });
  if (result.problems.length > 0) throw combine(result.problems);
  return result.value;
}
