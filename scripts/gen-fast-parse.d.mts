/** Types of scripts/gen-fast-parse.mjs, for test/unit/fast-parse.test.ts. */
export const generatedPath: string;
/** The generated module's text (unformatted) for `roots` ({ exportName: zod schema }), calling `refinements`' functions. */
export function generateFastParse(roots: Record<string, unknown>, refinements: Record<string, unknown>): string;
/** TypeScript text formatted as `biome format` writes it. */
export function formatTs(text: string): string;
