/**
 * JSON exactly as Go's encoding/json writes a map[string]string (what Helm's `toJson` gives):
 * keys sorted by bytes, and <, >, &, U+2028, U+2029 escaped. The config checksum is computed over
 * this text so that the Helm chart's `sha256sum` matches slipway's own render.
 */
export function goJsonStringMap(entries: readonly (readonly [string, string])[]): string {
  const sorted = [...entries].sort(([a], [b]) => compareBytes(a, b));
  return `{${sorted.map(([k, v]) => `${goString(k)}:${goString(v)}`).join(",")}}`;
}

/** JSON exactly as Go's encoding/json writes a []string (Helm's `toJson` of a list of strings). */
export function goJsonStringList(values: readonly string[]): string {
  return `[${values.map(goString).join(",")}]`;
}

function goString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (code < 0x20 || ch === "<" || ch === ">" || ch === "&" || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += ch;
  }
  return `${out}"`;
}

function compareBytes(a: string, b: string): number {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  const n = Math.min(ea.length, eb.length);
  for (let i = 0; i < n; i++) {
    const d = (ea[i] ?? 0) - (eb[i] ?? 0);
    if (d !== 0) return d;
  }
  return ea.length - eb.length;
}
