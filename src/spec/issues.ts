import type * as z from "zod";
import type { ErrorCode } from "../errors/codes.js";
import { closest } from "./suggest.js";

type Issue = z.core.$ZodIssue;
type Schema = z.core.$ZodType;
type Path = (string | number)[];

/** A schema problem before it is placed in a file: code, path, message and hint. */
export interface SpecProblem {
  code: ErrorCode;
  path: Path;
  message: string;
  hint: string;
  /** Point at the key itself rather than its value (unknown keys). */
  at: "key" | "value";
}

/** Turns zod issues into problems with plain messages, "did you mean" hints and no internals. */
export function problemsFromIssues(issues: readonly Issue[], schema: Schema, data: unknown): SpecProblem[] {
  const out: SpecProblem[] = [];
  for (const issue of issues) out.push(...fromIssue(issue, [], schema, data));
  return out;
}

function fromIssue(issue: Issue, prefix: Path, root: Schema, data: unknown): SpecProblem[] {
  const path: Path = [...prefix, ...issue.path.map((p) => (typeof p === "number" ? p : String(p)))];
  const value = valueAt(data, path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeys(root, path);
      return issue.keys.map((key) => {
        const guess = closest(key, known);
        return {
          code: "SPEC_UNKNOWN_KEY",
          path: [...path, key],
          message: `unknown key '${key}'`,
          hint: guess ? `Did you mean '${guess}'?` : known.length > 0 ? `Allowed here: ${known.join(", ")}.` : "Remove this key.",
          at: "key",
        } satisfies SpecProblem;
      });
    }
    case "invalid_type": {
      if (value === undefined) {
        return [
          {
            code: "SPEC_MISSING_KEY",
            path,
            message: `missing required key '${String(path[path.length - 1] ?? "")}' (expected ${describeExpected(issue.expected)})`,
            hint: `Add '${String(path[path.length - 1] ?? "")}:' here; \`slipway schema\` lists every key with its description.`,
            at: "key",
          },
        ];
      }
      return [
        {
          code: "SPEC_INVALID_TYPE",
          path,
          message: `expected ${describeExpected(issue.expected)}, got ${describeValue(value)}`,
          hint: typeHint(issue.expected, value),
          at: "value",
        },
      ];
    }
    case "invalid_union": {
      // Report the branch that came closest: the one whose problems are deepest / fewest type mismatches at the root.
      const branches = issue.errors.filter((b) => b.length > 0);
      if (branches.length === 0) break;
      const scored = branches.map((branch) => ({
        branch,
        score: branch.filter((i) => i.code === "invalid_type" && i.path.length === 0).length * 100 + branch.length,
      }));
      // On a tie, the branch that got further into the value (a deeper path) is the one meant.
      const depth = (branch: (typeof branches)[number]) => Math.max(...branch.map((i) => i.path.length));
      scored.sort((a, b) => a.score - b.score || depth(b.branch) - depth(a.branch));
      const best = scored[0];
      const allRootTypeErrors = scored.every((s) => s.score >= 100);
      if (best && !allRootTypeErrors) {
        return best.branch.flatMap((i) => fromIssue(i, path, root, data));
      }
      const expected = branches.map((b) => b.find((i) => i.code === "invalid_type")).filter((i) => i !== undefined);
      const kinds = [...new Set(expected.map((i) => (i.code === "invalid_type" ? describeExpected(i.expected) : "")))];
      if (value === undefined) {
        return [
          {
            code: "SPEC_MISSING_KEY",
            path,
            message: `missing required key '${String(path[path.length - 1] ?? "")}' (expected ${kinds.join(" or ")})`,
            hint: "Add the key; `slipway schema` lists every key with its description.",
            at: "key",
          },
        ];
      }
      return [
        {
          code: "SPEC_INVALID_TYPE",
          path,
          message: `expected ${kinds.join(" or ") || "one of the allowed forms"}, got ${describeValue(value)}`,
          hint: unionHint(path),
          at: "value",
        },
      ];
    }
    case "invalid_value":
      return [
        {
          code: "SPEC_INVALID_VALUE",
          path,
          message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(value)}`,
          hint: guessValue(value, issue.values),
          at: "value",
        },
      ];
    case "invalid_format":
      return [
        {
          code: "SPEC_INVALID_VALUE",
          path,
          message: `${describeValue(value)} ${issue.message.startsWith("must") ? issue.message : `is not a valid ${issue.format}`}`,
          hint: "Correct the value to the expected form.",
          at: "value",
        },
      ];
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const what =
        issue.origin === "array"
          ? `${issue.code === "too_small" ? "at least" : "at most"} ${bound} item(s)`
          : issue.origin === "string"
            ? `${issue.code === "too_small" ? "at least" : "at most"} ${bound} character(s)`
            : `${issue.code === "too_small" ? (issue.inclusive === false ? "more than" : "at least") : issue.inclusive === false ? "less than" : "at most"} ${bound}`;
      return [
        {
          code: "SPEC_INVALID_VALUE",
          path,
          message: `expected ${what}, got ${describeValue(value)}`,
          hint: "Change the value to fit the allowed range.",
          at: "value",
        },
      ];
    }
    case "invalid_key":
      return [
        {
          code: "SPEC_INVALID_VALUE",
          path,
          message: `key '${String(path[path.length - 1])}' ${issue.issues[0]?.message ?? "is not allowed"}`,
          hint: "Rename the key.",
          at: "key",
        },
      ];
    default:
      break;
  }
  return [
    {
      code: "SPEC_INVALID_VALUE",
      path,
      message: issue.message,
      hint: "Correct the value; `slipway schema` describes every key.",
      at: "value",
    },
  ];
}

function describeExpected(expected: string): string {
  switch (expected) {
    case "object":
    case "record":
      return "a mapping (key: value)";
    case "array":
      return "a list";
    case "int":
      return "a whole number";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    default:
      return expected;
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

function typeHint(expected: string, value: unknown): string {
  if (expected === "string" && (typeof value === "number" || typeof value === "boolean")) {
    return `Quote the value: "${String(value)}".`;
  }
  if (expected === "array" && typeof value === "string") {
    return `Write a list: [${value
      .split(/\s+/)
      .map((w) => JSON.stringify(w))
      .join(", ")}].`;
  }
  if ((expected === "number" || expected === "int") && typeof value === "string" && /^\d+$/.test(value)) {
    return `Remove the quotes: ${value}.`;
  }
  if (expected === "object" || expected === "record") return "Indent the nested keys under this one.";
  return "Change the value to the expected type.";
}

function unionHint(path: Path): string {
  const last = path[path.length - 1];
  if (last === "health") return "Write a path (health: /up) or a mapping (health: {readiness: /ready, liveness: /up}).";
  if (last === "secretSource")
    return "Use one of: {env: {}}, {env-file: PATH}, {aws-secrets-manager: {prefix: P}}, {kubernetes-secret: NAME}.";
  if (last === "startup") return "Write a path (startup: /up) or {path: /up, timeoutSeconds: 120}.";
  return "See `slipway schema` for the allowed forms.";
}

function guessValue(value: unknown, allowed: readonly unknown[]): string {
  if (typeof value === "string") {
    const guess = closest(
      value,
      allowed.filter((v): v is string => typeof v === "string"),
    );
    if (guess) return `Did you mean '${guess}'?`;
  }
  return `Use one of: ${allowed.map(String).join(", ")}.`;
}

export function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let current = data;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** The keys an object schema allows at `path`, for "did you mean" hints. */
export function knownKeys(root: Schema, path: readonly (string | number)[]): string[] {
  const keys = new Set<string>();
  for (const schema of schemasAt(root, path)) {
    const shape = objectShape(schema);
    if (shape) for (const key of Object.keys(shape)) keys.add(key);
  }
  return [...keys];
}

function schemasAt(schema: Schema, path: readonly (string | number)[]): Schema[] {
  let current = expand(schema);
  for (const part of path) {
    const next: Schema[] = [];
    for (const s of current) {
      const def = s._zod.def as unknown as Record<string, unknown>;
      const shape = objectShape(s);
      if (shape && typeof part === "string" && shape[part]) next.push(...expand(shape[part]));
      else if (def.type === "record") next.push(...expand(def.valueType as Schema));
      else if (def.type === "array" && typeof part === "number") next.push(...expand(def.element as Schema));
    }
    current = next;
  }
  return current;
}

/** Unwraps optional/default/union wrappers into the concrete schemas they may stand for. */
function expand(schema: Schema): Schema[] {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "optional":
    case "default":
    case "prefault":
    case "nullable":
    case "readonly":
      return expand(def.innerType as Schema);
    case "pipe":
      return expand(def.in as Schema);
    case "union":
      return (def.options as Schema[]).flatMap(expand);
    default:
      return [schema];
  }
}

function objectShape(schema: Schema): Record<string, Schema> | undefined {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  return def.type === "object" ? (def.shape as Record<string, Schema>) : undefined;
}
