import { errorCodes, exitCodes } from "../errors/codes.js";

type Json = Record<string, unknown>;

/** docs/spec.md: every key of slipway.yaml with its type, default and description, from the JSON Schema. */
export function specReference(schema: Json): string {
  const rows: string[] = [];
  const visit = (node: Json, path: string, required: boolean) => {
    // Overlays take the same keys as the base; list them once, under app/database/ingress.
    const overlay = /^environments\.<env>\.(app|database|ingress)$/.test(path);
    if (path !== "")
      rows.push(
        `| \`${path}\` | ${typeOf(node)} | ${required ? "yes" : ""} | ${defaultOf(node)} | ${escapeCell(String(node.description ?? ""))} |`,
      );
    for (const variant of overlay ? [] : objectVariants(node)) {
      const props = (variant.properties ?? {}) as Record<string, Json>;
      const req = new Set((variant.required as string[] | undefined) ?? []);
      for (const [key, child] of Object.entries(props)) visit(child, path === "" ? key : `${path}.${key}`, req.has(key));
    }
    const extra = node.additionalProperties;
    if (extra && typeof extra === "object" && (path === "environments" || path === "targets")) {
      visit(extra as Json, `${path}.${path === "environments" ? "<env>" : "<target>"}`, false);
    }
    if (node.type === "array" && node.items && typeof node.items === "object" && objectVariants(node.items as Json).length > 0) {
      for (const variant of objectVariants(node.items as Json)) {
        const props = (variant.properties ?? {}) as Record<string, Json>;
        const req = new Set((variant.required as string[] | undefined) ?? []);
        for (const [key, child] of Object.entries(props)) visit(child, `${path}[].${key}`, req.has(key));
      }
    }
  };
  visit(schema, "", true);
  return [
    "# slipway.yaml reference",
    "",
    "Generated from the schema (`npm run docs`); a test fails when this file and the schema disagree.",
    "Editors complete and check the file with `slipway schema` (JSON Schema, also in `schema/slipway.schema.json`).",
    "",
    "Environments overlay the base with the same keys under `environments.<env>.app`, `.database` and `.ingress`:",
    "mappings merge key by key, lists replace, and `ingress: null` removes the ingress.",
    "",
    "| key | type | required | default | description |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

function objectVariants(node: Json): Json[] {
  if (node.type === "object" && node.properties) return [node];
  const options = (node.anyOf ?? node.oneOf) as Json[] | undefined;
  return options ? options.filter((o) => o.type === "object" && o.properties) : [];
}

function typeOf(node: Json): string {
  if (node.enum) return (node.enum as unknown[]).map((v) => `\`${String(v)}\``).join(" \\| ");
  if (node.const !== undefined) return `\`${String(node.const)}\``;
  const options = (node.anyOf ?? node.oneOf) as Json[] | undefined;
  if (options) return options.map(typeOf).join(" \\| ");
  if (node.type === "array") return `list of ${typeOf((node.items ?? {}) as Json)}`;
  if (node.type === "object" && !node.properties && node.additionalProperties) return "mapping";
  return String(node.type ?? "any");
}

function defaultOf(node: Json): string {
  return node.default === undefined ? "" : `\`${JSON.stringify(node.default)}\``;
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** docs/errors.md: every error code with its exit code, from errors/codes.ts. */
export function errorReference(): string {
  const rows = Object.entries(errorCodes).map(([code, { exit, summary }]) => `| \`${code}\` | ${exit} | ${summary} |`);
  const exits = Object.entries(exitCodes).map(([name, code]) => `| ${code} | ${name} |`);
  return [
    "# Errors and exit codes",
    "",
    "Generated from `src/errors/codes.ts` (`npm run docs`). Every user-facing error has a stable code,",
    "a message, a location (file:line:col and the spec path, for spec errors) and a one-line hint.",
    'With `--json` the last line on stdout is `{"ok": false, "error": {code, message, location, hint, related}}`.',
    "",
    "## Exit codes",
    "",
    "| code | meaning |",
    "|---|---|",
    ...exits,
    "",
    "## Error codes",
    "",
    "| code | exit | meaning |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

/** docs/cli.md: the help of every command, from the command tree itself. */
export function cliReference(helps: readonly { command: string; help: string }[]): string {
  return [
    "# CLI reference",
    "",
    "Generated from the command definitions (`npm run docs`); `slipway <command> --help` prints the same.",
    "",
    ...helps.flatMap(({ command, help }) => [`## \`${command}\``, "", "```text", help.trimEnd(), "```", ""]),
  ].join("\n");
}
