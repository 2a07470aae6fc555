// Generates src/spec/fast-parse.generated.ts: the spec schema of src/spec/schema.ts as plain,
// straight-line checks and defaults that need no zod at run time, so a valid spec renders without
// loading (and building) the zod schema. Walks zod's own definitions (`_zod.def`); a construct it
// does not know stops the generator rather than being guessed at.
//   npm run --silent build && node scripts/gen-fast-parse.mjs   (part of `npm run docs`)
// test/unit/fast-parse.test.ts fails when the committed file is stale.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

export const generatedPath = "src/spec/fast-parse.generated.ts";
const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * The generated module's text (unformatted) for `roots` ({ exportName: zodSchema }), calling the
 * functions of `refinements` (the zod-free module the schema's `.refine` predicates come from).
 */
export function generateFastParse(roots, refinements) {
  const refineNames = new Map(Object.entries(refinements).flatMap(([name, fn]) => (typeof fn === "function" ? [[fn, name]] : [])));
  const usedRefinements = new Set();
  const consts = new Map(); // text -> name
  const functions = new Map(); // body -> name
  const bySchema = new Map(); // schema -> name
  const out = [];

  const constant = (prefix, text) => {
    if (!consts.has(text)) consts.set(text, `${prefix}${consts.size}`);
    return consts.get(text);
  };
  const fn = (prefix, body) => {
    if (!functions.has(body)) {
      const name = `${prefix}${functions.size}`;
      functions.set(body, name);
      out.push(`function ${name}(x: unknown): unknown {\n${body}\n}`);
    }
    return functions.get(body);
  };
  const regex = (pattern) => {
    if (!(pattern instanceof RegExp) || /[gy]/.test(pattern.flags)) throw new Error(`unsupported pattern ${pattern}`);
    return constant("R", `/${pattern.source}/${pattern.flags}`);
  };
  const refinement = (check) => {
    const name = refineNames.get(check._zod.def.fn);
    if (!name) throw new Error("a .refine() predicate that is not exported by src/spec/refinements.ts");
    usedRefinements.add(name);
    return name;
  };
  const literal = (value) => {
    const text = JSON.stringify(value);
    if (text === undefined || !isDeepStrictEqual(JSON.parse(text), value)) throw new Error(`unsupported literal ${String(value)}`);
    return text;
  };
  const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);
  const onlyChecks = (def, allowed) => {
    for (const check of def.checks ?? []) {
      const c = check._zod.def;
      if (!allowed.includes(c.check) || (c.check === "string_format" && c.format !== "regex" && !c.pattern)) {
        throw new Error(`unsupported check ${c.check}/${c.format ?? ""} on ${def.type}`);
      }
    }
    return (def.checks ?? []).map((check) => check._zod.def);
  };
  /** Checks the parsed value `v` must pass (zod runs a schema's checks on its output). */
  const customConditions = (checks, v) =>
    checks.filter((c) => c.check === "custom").map((c) => `${refinement({ _zod: { def: c } })}(${v})`);

  function emit(schema) {
    if (bySchema.has(schema)) return bySchema.get(schema);
    const name = emitNew(schema);
    bySchema.set(schema, name);
    return name;
  }

  function emitNew(schema) {
    const def = schema._zod.def;
    if (def.coerce) throw new Error("unsupported coerce");
    switch (def.type) {
      case "string": {
        const checks = onlyChecks(def, ["string_format", "min_length", "max_length", "custom"]);
        const conds = ['typeof x === "string"'];
        if (def.format !== undefined) {
          if (!def.pattern) throw new Error(`unsupported string format ${def.format}`);
          conds.push(`${regex(def.pattern)}.test(x)`);
        }
        let min = 0;
        let max = Number.POSITIVE_INFINITY;
        for (const c of checks) {
          if (c.check === "string_format") conds.push(`${regex(c.pattern)}.test(x)`);
          if (c.check === "min_length") min = Math.max(min, c.minimum);
          if (c.check === "max_length") max = Math.min(max, c.maximum);
        }
        if (min > 0 || max < Number.POSITIVE_INFINITY)
          conds.push(`lengthWithin(x, ${min}, ${max === Number.POSITIVE_INFINITY ? "Infinity" : max})`);
        conds.push(...customConditions(checks, "x"));
        return fn("s", `  return ${conds.join(" && ")} ? x : FAIL;`);
      }
      case "number": {
        const checks = onlyChecks(def, ["greater_than", "less_than", "number_format", "custom"]);
        const conds = ['typeof x === "number"'];
        if (def.format === "safeint") conds.push("Number.isSafeInteger(x)");
        else if (def.format === undefined || def.format === "float64") conds.push("Number.isFinite(x)");
        else throw new Error(`unsupported number format ${def.format}`);
        for (const c of checks) {
          if (c.check === "greater_than") conds.push(`x ${c.inclusive ? ">=" : ">"} ${literal(c.value)}`);
          if (c.check === "less_than") conds.push(`x ${c.inclusive ? "<=" : "<"} ${literal(c.value)}`);
        }
        conds.push(...customConditions(checks, "x"));
        return fn("n", `  return ${conds.join(" && ")} ? x : FAIL;`);
      }
      case "boolean":
        onlyChecks(def, []);
        return fn("b", '  return typeof x === "boolean" ? x : FAIL;');
      case "null":
        onlyChecks(def, []);
        return fn("z", "  return x === null ? x : FAIL;");
      case "unknown":
        onlyChecks(def, []);
        return fn("u", "  return x;");
      case "enum":
      case "literal": {
        onlyChecks(def, []);
        const values = def.type === "enum" ? [...schema._zod.values] : def.values;
        for (const v of values)
          if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw new Error(`unsupported ${def.type} value`);
        return fn("e", `  return ${values.map((v) => `x === ${literal(v)}`).join(" || ")} ? x : FAIL;`);
      }
      case "array": {
        const checks = onlyChecks(def, ["min_length", "max_length", "custom"]);
        const element = emit(def.element);
        const conds = ["!Array.isArray(x)"];
        for (const c of checks) {
          if (c.check === "min_length") conds.push(`x.length < ${c.minimum}`);
          if (c.check === "max_length") conds.push(`x.length > ${c.maximum}`);
        }
        const custom = customConditions(checks, "out");
        return fn(
          "a",
          [
            `  if (${conds.join(" || ")}) return FAIL;`,
            "  const out: unknown[] = [];",
            "  for (const item of x) {",
            `    const v = ${element}(item);`,
            "    if (v === FAIL) return FAIL;",
            "    out.push(v);",
            "  }",
            ...custom.map((c) => `  if (!${c}) return FAIL;`),
            "  return out;",
          ].join("\n"),
        );
      }
      case "object": {
        const checks = onlyChecks(def, ["custom"]);
        const shape = def.shape;
        const keys = Object.keys(shape);
        if (Object.getOwnPropertySymbols(shape).length > 0) throw new Error("unsupported symbol keys");
        for (const k of keys) if (k in Object.prototype || k === "__proto__") throw new Error(`unsupported key ${k}`);
        let open;
        if (def.catchall === undefined) open = "  const o = plainObject(x);";
        else if (def.catchall._zod.def.type === "never")
          open = `  const o = strictObject(x, ${constant("K", `new Set(${literal(keys)})`)});`;
        else throw new Error("unsupported catchall");
        const lines = [open, "  if (o === undefined) return FAIL;", "  const out: Record<string, unknown> = {};"];
        keys.forEach((k, i) => {
          const field = shape[k];
          const parse = emit(field);
          const { optin, optout } = field._zod;
          const get = `o${key(k)}`;
          const step = [`const v${i} = ${parse}(${get});`, `if (v${i} === FAIL) return FAIL;`, `out${key(k)} = v${i};`];
          if (optin === "optional" && optout === "optional") {
            // zod keeps a key written as undefined (present, nothing parsed), and leaves out a missing one.
            lines.push(
              `  if (${get} !== undefined) {`,
              ...step.map((s) => `    ${s}`),
              `  } else if (Object.hasOwn(o, ${JSON.stringify(k)})) out${key(k)} = undefined;`,
            );
          } else if (optin === "defaulted" && optout === undefined) {
            lines.push(...step.map((s) => `  ${s}`));
          } else if (optin === undefined && optout === undefined) {
            lines.push(`  if (${get} === undefined) return FAIL;`, ...step.map((s) => `  ${s}`));
          } else {
            throw new Error(`unsupported optionality ${optin}/${optout} of key ${k}`);
          }
        });
        lines.push(...customConditions(checks, "out").map((c) => `  if (!${c}) return FAIL;`), "  return out;");
        return fn("o", lines.join("\n"));
      }
      case "record": {
        const checks = onlyChecks(def, ["custom"]);
        if (def.keyType._zod.values || def.keyType._zod.def.type !== "string" || def.mode === "loose")
          throw new Error("unsupported record keys");
        const keyParse = emit(def.keyType);
        const valueParse = emit(def.valueType);
        return fn(
          "r",
          [
            "  const o = plainObject(x);",
            "  if (o === undefined) return FAIL;",
            "  const out: Record<string, unknown> = {};",
            "  for (const [k, item] of Object.entries(o)) {",
            `    if (${keyParse}(k) === FAIL) return FAIL;`,
            `    const v = ${valueParse}(item);`,
            "    if (v === FAIL) return FAIL;",
            "    out[k] = v;",
            "  }",
            ...customConditions(checks, "out").map((c) => `  if (!${c}) return FAIL;`),
            "  return out;",
          ].join("\n"),
        );
      }
      case "union": {
        onlyChecks(def, []);
        if (def.discriminator !== undefined || def.inclusive === false) throw new Error("unsupported union kind");
        // zod takes the first option that passes; so does this.
        const options = def.options.map((o) => emit(o));
        const lines = [];
        options.slice(0, -1).forEach((o, i) => {
          lines.push(`  const v${i} = ${o}(x);`, `  if (v${i} !== FAIL) return v${i};`);
        });
        lines.push(`  return ${options[options.length - 1]}(x);`);
        return fn("c", lines.join("\n"));
      }
      case "optional": {
        onlyChecks(def, []);
        if (def.innerType._zod.optin === "defaulted") throw new Error("unsupported optional of a defaulted schema");
        return fn("p", `  return x === undefined ? x : ${emit(def.innerType)}(x);`);
      }
      case "default": {
        onlyChecks(def, []);
        // zod returns the default itself for a missing value (a fresh copy each time), without parsing it.
        const inner = emit(def.innerType);
        return fn("d", `  return x === undefined ? ${literal(def.defaultValue)} : ${inner}(x);`);
      }
      case "prefault": {
        onlyChecks(def, []);
        // A prefault is parsed like a written value.
        return fn("f", `  return ${emit(def.innerType)}(x === undefined ? ${literal(def.defaultValue)} : x);`);
      }
      default:
        throw new Error(`unsupported schema type ${def.type}`);
    }
  }

  const exportsText = Object.entries(roots).map(
    ([name, schema]) =>
      `/** Parses like the zod schema ${name}: the same value, or FAIL when not sure. */\nexport function ${name}(x: unknown): unknown {\n  return ${emit(schema)}(x);\n}`,
  );
  const runtime = ["FAIL", "lengthWithin", "plainObject", "strictObject"].filter((n) =>
    out.some((f) => new RegExp(`\\b${n}\\(|\\b${n}\\b`).test(f)),
  );
  return [
    "// Generated by scripts/gen-fast-parse.mjs from the zod schema in src/spec/schema.ts. Do not edit:",
    "// regenerate with `npm run docs` (test/unit/fast-parse.test.ts fails when this file is stale).",
    `import { ${[...new Set(["FAIL", ...runtime])].sort().join(", ")} } from "./fast-parse-runtime.js";`,
    ...(usedRefinements.size > 0 ? [`import { ${[...usedRefinements].sort().join(", ")} } from "./refinements.js";`] : []),
    "",
    ...[...consts].map(([text, name]) => `const ${name} = ${text};`),
    "",
    ...out.flatMap((f) => [f, ""]),
    ...exportsText.flatMap((f) => [f, ""]),
  ].join("\n");
}

/** Formats TypeScript text as `biome format` would write it. */
export function formatTs(text) {
  const result = spawnSync(
    fileURLToPath(new URL("../node_modules/.bin/biome", import.meta.url)),
    ["format", `--stdin-file-path=${generatedPath}`],
    {
      input: text,
      encoding: "utf8",
      cwd: root,
    },
  );
  if (result.status !== 0) throw new Error(`biome format failed: ${result.stderr}`);
  return result.stdout;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { specSchema, mergedSchema } = await import(new URL("../dist/spec/schema.js", import.meta.url).href);
  const refinements = await import(new URL("../dist/spec/refinements.js", import.meta.url).href);
  const text = formatTs(generateFastParse({ parseSpec: specSchema, parseMerged: mergedSchema }, refinements));
  writeFileSync(new URL(`../${generatedPath}`, import.meta.url), text);
  console.log(`wrote ${generatedPath}`);
}
