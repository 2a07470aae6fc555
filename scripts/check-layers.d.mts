/** Types of scripts/check-layers.mjs, for test/unit/layers.test.ts. */
export interface ImportGraph {
  /** File under src/ (`cli/main.ts`) → what it imports: other files under src/, or modules as written (`node:fs`). */
  files: Record<string, string[]>;
}
export interface AllowedEdge {
  from: string;
  to: string;
  why: string;
}
export const layerRanks: Readonly<Record<string, number>>;
export const anywhere: readonly string[];
export const pure: readonly string[];
export const allowed: readonly AllowedEdge[];
export function readImportGraph(srcDir: string): ImportGraph;
export function importsOf(source: string): string[];
export function layerOf(file: string): string;
export function checkLayers(graph: ImportGraph, allow?: readonly AllowedEdge[]): string[];
