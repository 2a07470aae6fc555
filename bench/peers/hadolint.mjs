// Adapter for bench/peers-agreement.mjs: hadolint's own rule specs (test/Hadolint/Rule/DL*Spec.hs in
// a hadolint checkout or git directory) read as cases. Each `ruleCatches "DLxxxx" <dockerfile>` is an
// expected fail, each `ruleCatchesNot` an expected pass. The Dockerfile text is evaluated from the
// Haskell source: string literals (escapes, string gaps), lists of them, `Text.unlines` /
// `Text.intercalate "\n"` over a literal or a `let` binding. The ONBUILD variants
// (onBuildRuleCatches…) wrap each RUN in ONBUILD, which slipway does not check, and assertions with a
// custom callback (assertChecks) are left out. Nothing is copied: the specs are read where they are.
import { listFiles, readText } from "./read-checkout.mjs";

export const peer = "hadolint";

/** Haskell source → tokens: strings (decoded), identifiers (qualified names kept whole), symbols. */
function tokenize(src) {
  const tokens = [];
  let i = 0;
  let line = 1;
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if (c === "-" && src[i + 1] === "-") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "{" && src[i + 1] === "-") {
      const end = src.indexOf("-}", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (; i < stop; i++) if (src[i] === "\n") line++;
    } else if (c === '"') {
      const start = line;
      let value = "";
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\\") {
          const e = src[i + 1];
          if (/\s/.test(e)) {
            // string gap: backslash, whitespace (newlines included), backslash
            i++;
            while (i < src.length && src[i] !== "\\") {
              if (src[i] === "\n") line++;
              i++;
            }
            i++;
            continue;
          }
          const simple = {
            n: "\n",
            t: "\t",
            r: "\r",
            "\\": "\\",
            '"': '"',
            "'": "'",
            "&": "",
            a: "\x07",
            b: "\b",
            f: "\f",
            v: "\v",
            0: "\0",
          };
          const num = /^\d+/.exec(src.slice(i + 1, i + 8));
          if (num && e !== "0") {
            value += String.fromCodePoint(Number(num[0]));
            i += 1 + num[0].length;
          } else if (e === "x") {
            const hex = /^[0-9a-fA-F]+/.exec(src.slice(i + 2, i + 10))[0];
            value += String.fromCodePoint(Number.parseInt(hex, 16));
            i += 2 + hex.length;
          } else if (e in simple) {
            value += simple[e];
            i += 2;
          } else {
            value += e;
            i += 2;
          }
        } else {
          if (src[i] === "\n") line++;
          value += src[i++];
        }
      }
      i++;
      tokens.push({ type: "str", value, line: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w']*(\.[A-Za-z_][\w']*)*/.exec(src.slice(i, i + 200))[0];
      tokens.push({ type: "id", value: m, line });
      i += m.length;
    } else {
      tokens.push({ type: "sym", value: c, line });
      i++;
    }
  }
  return tokens;
}

/**
 * Evaluates the expression starting at tokens[at]: a string, a list of strings, `Text.unlines X`,
 * `Text.intercalate "\n" X`, `unlines X`, a bound name, or any of these in parentheses.
 * Returns { value, next } or undefined when the expression is something else.
 */
function evaluate(tokens, at, bindings) {
  const t = tokens[at];
  if (!t) return undefined;
  if (t.type === "sym" && t.value === "$") return evaluate(tokens, at + 1, bindings);
  if (t.type === "sym" && t.value === "(") {
    const inner = evaluate(tokens, at + 1, bindings);
    if (!inner || tokens[inner.next]?.value !== ")") return undefined;
    return { value: inner.value, next: inner.next + 1 };
  }
  if (t.type === "str") return { value: t.value, next: at + 1 };
  if (t.type === "sym" && t.value === "[") {
    const items = [];
    let j = at + 1;
    while (tokens[j] && !(tokens[j].type === "sym" && tokens[j].value === "]")) {
      if (tokens[j].type === "str") items.push(tokens[j].value);
      else if (!(tokens[j].type === "sym" && tokens[j].value === ",")) return undefined;
      j++;
    }
    return { value: items, next: j + 1 };
  }
  if (t.type === "id") {
    const name = t.value.replace(/^(Text|T|Data\.Text)\./, "");
    if (name === "unlines") {
      const arg = evaluate(tokens, at + 1, bindings);
      if (!arg || !Array.isArray(arg.value)) return undefined;
      return { value: arg.value.map((l) => `${l}\n`).join(""), next: arg.next };
    }
    if (name === "intercalate" && tokens[at + 1]?.type === "str") {
      const arg = evaluate(tokens, at + 2, bindings);
      if (!arg || !Array.isArray(arg.value)) return undefined;
      return { value: arg.value.join(tokens[at + 1].value), next: arg.next };
    }
    if (bindings.has(t.value)) return { value: bindings.get(t.value), next: at + 1 };
  }
  return undefined;
}

/**
 * hadolint checks fragments (`RUN cd /opt`); a Dockerfile whose first instruction is not FROM (or an
 * ARG before it) is not one Docker builds, and slipway reports it unparsed. Such a fragment gets a
 * neutral, pinned `FROM` line after its parser directives; the instructions under test are unchanged.
 */
function withFrom(text) {
  const lines = text.split("\n");
  let at = 0;
  while (at < lines.length && /^\s*#\s*(syntax|escape|check)\s*=/i.test(lines[at])) at++;
  const first = lines.slice(at).find((l) => l.trim() !== "" && !/^\s*#/.test(l) && !/^\s*ARG\b/i.test(l));
  if (first === undefined || /^\s*FROM\b/i.test(first)) return text;
  return [...lines.slice(0, at), "FROM debian:12.5", ...lines.slice(at)].join("\n");
}

/** Cases of one spec file. */
export function specCases(source, file) {
  const tokens = tokenize(source);
  const cases = [];
  const bindings = new Map();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === "id" && (t.value === "it" || t.value === "describe")) bindings.clear();
    // `name = <expr>` (a let binding; `?config = def` is not a string and is skipped)
    if (t.type === "id" && tokens[i + 1]?.type === "sym" && tokens[i + 1].value === "=" && tokens[i + 2]?.value !== "=") {
      const v = evaluate(tokens, i + 2, bindings);
      if (v) bindings.set(t.value, v.value);
    }
    if (t.type === "id" && (t.value === "ruleCatches" || t.value === "ruleCatchesNot") && tokens[i + 1]?.type === "str") {
      const check = tokens[i + 1].value;
      const v = evaluate(tokens, i + 2, bindings);
      if (!v) continue;
      const text = Array.isArray(v.value) ? v.value.map((l) => `${l}\n`).join("") : v.value;
      // hadolint's helper parses the text with a newline appended
      const dockerfile = withFrom(`${text}\n`);
      cases.push({
        id: `${file}:${t.line}`,
        check,
        kind: "dockerfile",
        files: { Dockerfile: dockerfile },
        expected: t.value === "ruleCatches" ? "fail" : "pass",
      });
    }
  }
  return cases;
}

export async function cases(repoDir) {
  const files = listFiles(repoDir).filter((f) => /^test\/Hadolint\/Rule\/DL\d+Spec\.hs$/.test(f));
  return files.flatMap((f) => specCases(readText(repoDir, f), f));
}
