import type { DocPath } from "../types.js";

/** The line of a value and, for collections, of each child: what the hand-written readers keep. */
export interface LineTree {
  line: number;
  children?: Map<string, LineTree> | LineTree[];
}

/** The line of the deepest part of `path` the tree has (the root's line when none). */
export function lineAt(root: LineTree, path: DocPath): number {
  let current: LineTree = root;
  for (const part of path) {
    const children = current.children;
    if (!children) break;
    const child = Array.isArray(children) ? (typeof part === "number" ? children[part] : undefined) : children.get(String(part));
    if (!child) break;
    current = child;
  }
  return current.line;
}
