/*
 * Terraform type constraints as the shared fact table writes them ("${map(object({ a = optional(string) }))}"),
 * parsed into a tree, and a check that a value slipway emits fits one. Values that are expressions
 * (references, calls) are unknown until plan and fit anything; primitives convert as Terraform
 * converts them (a number or bool fits string, a numeric string fits number).
 */

export type TfType =
  | { kind: "string" | "number" | "bool" | "any" }
  | { kind: "list" | "set" | "map"; of: TfType }
  | { kind: "object"; attrs: Map<string, { type: TfType; optional: boolean }> }
  | { kind: "tuple"; items: TfType[] };

/** Parses a type expression (with or without the ${…} wrapper, comments allowed). */
export function parseTfType(text: string): TfType {
  let src = text.trim();
  if (src.startsWith("${") && src.endsWith("}")) src = src.slice(2, -1);
  src = src.replace(/#[^\n]*/g, "").replace(/\/\/[^\n]*/g, "");
  const tokens = src.match(/[A-Za-z_][A-Za-z0-9_-]*|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|[(){}[\],=]/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => {
    const t = tokens[i++];
    if (t === undefined) throw new Error(`type ended early: ${text}`);
    return t;
  };
  const expect = (t: string) => {
    const got = next();
    if (got !== t) throw new Error(`expected ${t}, got ${got} in ${text}`);
  };
  /** Skips a default value of optional(type, default): balanced brackets. */
  const skipValue = () => {
    let depth = 0;
    do {
      const t = next();
      if ("([{".includes(t)) depth++;
      else if (")]}".includes(t)) depth--;
    } while (depth > 0);
  };
  const type = (): TfType => {
    const t = next();
    if (t === "string" || t === "number" || t === "bool" || t === "any") return { kind: t };
    if (t === "list" || t === "set" || t === "map") {
      expect("(");
      const of = type();
      expect(")");
      return { kind: t, of };
    }
    if (t === "tuple") {
      expect("(");
      expect("[");
      const items: TfType[] = [];
      while (peek() !== "]") {
        items.push(type());
        if (peek() === ",") next();
      }
      expect("]");
      expect(")");
      return { kind: "tuple", items };
    }
    if (t === "object") {
      expect("(");
      expect("{");
      const attrs = new Map<string, { type: TfType; optional: boolean }>();
      while (peek() !== "}") {
        const name = next().replace(/^"|"$/g, "");
        expect("=");
        if (peek() === "optional") {
          next();
          expect("(");
          const inner = type();
          if (peek() === ",") {
            next();
            skipValue();
          }
          expect(")");
          attrs.set(name, { type: inner, optional: true });
        } else attrs.set(name, { type: type(), optional: false });
        if (peek() === ",") next();
      }
      expect("}");
      expect(")");
      return { kind: "object", attrs };
    }
    throw new Error(`unknown type ${t} in ${text}`);
  };
  const result = type();
  if (i !== tokens.length) throw new Error(`trailing tokens in ${text}`);
  return result;
}

/** A plain value as the HCL writer holds it; `unknown` marks an expression. */
export type PlainValue = string | number | boolean | null | { unknown: string } | PlainValue[] | { [key: string]: PlainValue };

const isUnknown = (v: PlainValue): v is { unknown: string } =>
  v !== null &&
  typeof v === "object" &&
  !Array.isArray(v) &&
  Object.keys(v).length === 1 &&
  typeof (v as { unknown?: unknown }).unknown === "string";

/** Problems fitting `value` into `type`, each as "path: why" (empty: it fits). */
export function misfits(value: PlainValue, type: TfType, path = ""): string[] {
  if (value === null || isUnknown(value) || type.kind === "any") return [];
  switch (type.kind) {
    case "string":
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? [] : [`${path}: expected string`];
    case "number":
      return typeof value === "number" || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) ? [] : [`${path}: expected number`];
    case "bool":
      return typeof value === "boolean" || value === "true" || value === "false" ? [] : [`${path}: expected bool`];
    case "list":
    case "set":
      return Array.isArray(value) ? value.flatMap((v, i) => misfits(v, type.of, `${path}[${i}]`)) : [`${path}: expected ${type.kind}`];
    case "tuple":
      return Array.isArray(value) && value.length === type.items.length
        ? value.flatMap((v, i) => misfits(v, type.items[i] as TfType, `${path}[${i}]`))
        : [`${path}: expected tuple of ${type.items.length}`];
    case "map":
      return typeof value === "object" && !Array.isArray(value)
        ? Object.entries(value).flatMap(([k, v]) => misfits(v, type.of, `${path}.${k}`))
        : [`${path}: expected map`];
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return [`${path}: expected object`];
      const out: string[] = [];
      for (const [k, v] of Object.entries(value)) {
        const attr = type.attrs.get(k);
        if (!attr) out.push(`${path}.${k}: no such attribute (has ${[...type.attrs.keys()].join(", ")})`);
        else out.push(...misfits(v, attr.type, `${path}.${k}`));
      }
      for (const [k, attr] of type.attrs) if (!attr.optional && !(k in value)) out.push(`${path}.${k}: required attribute missing`);
      return out;
    }
  }
  return [];
}
