import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fastYamlDocument } from "../../../src/check/inputs/fast-yaml.js";
import { HclSyntaxError, parseHcl } from "../../../src/check/inputs/hcl.js";
import { type InputText, parseInputs } from "../../../src/check/parse-inputs.js";
import { maxNestingDepth } from "../../../src/spec/yaml-limits.js";
import { runCli } from "../../helpers/run-cli.js";

const input = (text: string, file: string): InputText => ({
  origin: { file, label: file },
  bytes: text,
  size: Buffer.byteLength(text),
  explicit: true,
});

/** The one unparseable-file finding check reports for `text`, or undefined. */
function parseIssue(text: string, file: string) {
  const batch = parseInputs([input(text, file)]);
  return batch.issues.find((i) => i.ruleId === "SLW-GEN-001");
}

const kubeHead = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";

describe("check: nesting deeper than the limit is an unparseable file, never a crash (issue 13, item 11)", () => {
  const cases: [string, string, string][] = [
    ["5,000-deep list in a .tf", `locals {\n  x = ${"[".repeat(5000)}${"]".repeat(5000)}\n}\n`, "main.tf"],
    ["5,000-deep object in a .tf", `locals {\n  x = ${"{a = ".repeat(5000)}1${"}".repeat(5000)}\n}\n`, "main.tf"],
    ["5,000 nested blocks in a .tf", `${"a {\n".repeat(5000)}${"}\n".repeat(5000)}`, "main.tf"],
    ["5,000 nested template strings in a .tf", `locals {\n  x = "${'${"'.repeat(5000)}${'"}'.repeat(5000)}"\n}\n`, "main.tf"],
    ["5,000 unary operators in a .tf", `locals {\n  x = ${"!".repeat(5000)}true\n}\n`, "main.tf"],
    ["10,000-deep YAML flow", `${kubeHead}data: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`, "cm.yaml"],
    ["3,000-deep YAML block sequence", `${kubeHead}data:\n  ${"- ".repeat(3000)}x\n`, "cm.yaml"],
    [
      "10,000-deep Kubernetes JSON",
      `{\n"apiVersion": "v1",\n"kind": "ConfigMap",\n"data": ${"[".repeat(10_000)}${"]".repeat(10_000)}}`,
      "cm.json",
    ],
    ["10,000-deep Terraform JSON", `{"locals": ${"[".repeat(10_000)}${"]".repeat(10_000)}}`, "main.tf.json"],
  ];
  for (const [name, text, file] of cases) {
    it(name, () => {
      const issue = parseIssue(text, file);
      expect(issue?.message).toContain(`nested deeper than ${maxNestingDepth} levels`);
      expect(issue?.line).toBeGreaterThan(0);
    });
  }

  it("HCL nested right at the limit still parses; one level more is a located syntax error", () => {
    const at = (n: number) => `locals {\n  x = ${"[".repeat(n)}${"]".repeat(n)}\n}\n`;
    // The locals block is one level, each `[` operand one more.
    expect(() => parseHcl(at(maxNestingDepth - 1), "main.tf")).not.toThrow();
    const error = (() => {
      try {
        parseHcl(at(maxNestingDepth), "main.tf");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(HclSyntaxError);
    // "  x = " is six columns; the error points at the `[` one level too deep.
    expect(error).toMatchObject({ line: 2, col: 6 + maxNestingDepth });
  });

  it("the fast YAML path hands a too-deep document to the library path instead of recursing on", () => {
    const lines = [`${kubeHead}data:`, `  ${"- ".repeat(maxNestingDepth + 10)}x`].join("\n").split("\n");
    expect(fastYamlDocument(lines, 1)).toBeUndefined();
    const flow = `${kubeHead}data: ${"[".repeat(maxNestingDepth + 10)}${"]".repeat(maxNestingDepth + 10)}`.split("\n");
    expect(fastYamlDocument(flow, 1)).toBeUndefined();
    const shallow = `${kubeHead}data: ${"[".repeat(20)}${"]".repeat(20)}`.split("\n");
    expect(fastYamlDocument(shallow, 1)).toBeDefined();
  });
});

describe("check walks: loops end, each file once (issue 13, item 4)", () => {
  const cm = `${kubeHead}  namespace: y\n`;
  it("two looping symlinks and a second link to the same file: one input, and the walk ends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-walk-"));
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "cm.yaml"), cm);
    symlinkSync(".", join(dir, "loop"));
    symlinkSync("..", join(dir, "sub", "up"));
    symlinkSync("cm.yaml", join(dir, "same.yaml"));
    const r = await runCli(["check", dir, "--json"]);
    const result = JSON.parse(r.stdout.trim().split("\n").pop() as string).result;
    expect(result.summary.inputs).toBe(1);
    expect(result.inputs).toHaveLength(1);
  });
  it("a symlinked folder reached twice is read once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-walk-"));
    mkdirSync(join(dir, "real"));
    writeFileSync(join(dir, "real", "cm.yaml"), cm);
    symlinkSync("real", join(dir, "alias"));
    const r = await runCli(["check", dir, "--json"]);
    expect(JSON.parse(r.stdout.trim().split("\n").pop() as string).result.summary.inputs).toBe(1);
  });
});
