/*
 * One-line quoted YAML scalars, shared by the two line readers: the spec's (src/spec/fast-spec.ts,
 * YAML 1.2 core) and check's (src/check/inputs/fast-yaml.ts, read the way Kubernetes reads). Both
 * give up on what these return undefined for and fall back to the `yaml` library.
 */

/** Index of the quote that closes the scalar opening at text[0] (`quote`: 34 `"` or 39 `'`), or -1. */
export function quotedEnd(text: string, quote: number): number {
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote === 34 && c === 92) {
      i++;
      continue;
    }
    if (c === quote) {
      if (quote === 39 && text.charCodeAt(i + 1) === 39) {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

/**
 * The value of a whole one-line quoted scalar (quotes included in `text`): `''` in single quotes,
 * and in double quotes the escapes \n \t \r \0 \" \\ \/ \<space> \xXX \uXXXX \UXXXXXXXX.
 * Undefined for any other escape, which the caller's fallback reads instead.
 */
export function unquoteYaml(text: string): string | undefined {
  if (text.charCodeAt(0) === 39) return text.slice(1, -1).replace(/''/g, "'");
  const body = text.slice(1, -1);
  if (!body.includes("\\")) return body;
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case "n":
        out += "\n";
        break;
      case "t":
        out += "\t";
        break;
      case "r":
        out += "\r";
        break;
      case "0":
        out += "\0";
        break;
      case '"':
      case "\\":
      case "/":
      case " ":
        out += e;
        break;
      case "x":
      case "u":
      case "U": {
        const len = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return undefined;
        const code = Number.parseInt(hex, 16);
        if (code > 0x10ffff) return undefined;
        out += String.fromCodePoint(code);
        i += len;
        break;
      }
      default:
        return undefined;
    }
  }
  return out;
}
