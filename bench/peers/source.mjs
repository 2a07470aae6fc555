// Helpers for adapters that read a peer's Go and shell test sources; reading the repository itself
// is read-checkout.mjs (re-exported here as openSource).
export { openSource } from "./read-checkout.mjs";

/** Top-level arguments of a call whose `(` is at `open`: [args, index after `)`]. Go/shell-ish strings aware. */
export function callArgs(text, open) {
  const args = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "`" || ch === "'") {
      const end = skipString(text, i);
      i = end - 1;
      continue;
    }
    if (ch === "(" || ch === "{" || ch === "[") depth++;
    else if (ch === ")" || ch === "}" || ch === "]") {
      depth--;
      if (depth === 0) {
        args.push(text.slice(start, i).trim());
        return [args.filter((a, n) => a !== "" || n < args.length - 1), i + 1];
      }
    } else if (ch === "," && depth === 1) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return [args, text.length];
}

/** Index after the string literal starting at `i` ("…" with escapes, `…` or '…'). */
export function skipString(text, i) {
  const q = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== q) {
    if (text[j] === "\\" && q !== "`") j++;
    j++;
  }
  return j + 1;
}

/** The value of a Go string literal ("…" or `…`), or undefined when `s` is not one. */
export function goString(s) {
  const t = s.trim();
  if (/^`[^`]*`$/.test(t)) return t.slice(1, -1);
  if (/^"(?:[^"\\]|\\.)*"$/.test(t)) return JSON.parse(t);
  return undefined;
}

/** 1-based line of an index. */
export function lineOf(text, index) {
  let n = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
