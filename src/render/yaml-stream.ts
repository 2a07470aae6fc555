import { stringify } from "yaml";

/** Serializes objects as a YAML stream: one document each, no line folding, stable bytes. */
export function toYamlStream(objects: readonly object[]): string {
  return objects.map((o) => `---\n${toYaml(o)}`).join("");
}

export function toYaml(value: unknown): string {
  return stringify(value, { version: "1.1", lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, indentSeq: true });
}
