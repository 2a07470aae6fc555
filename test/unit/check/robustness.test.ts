import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { kubeSubjectFromObject } from "../../../src/check/inputs/kubernetes.js";
import { emptyBatch, type InputText, parseInputs } from "../../../src/check/parse-inputs.js";
import { runCheck } from "../../../src/check/run-check.js";
import type { InputKind } from "../../../src/check/types.js";

const today = "2026-06-01";
const input = (text: string | Uint8Array, file: string, kind?: InputKind): InputText => ({
  origin: { file, label: file },
  bytes: text,
  size: typeof text === "string" ? Buffer.byteLength(text) : text.byteLength,
  explicit: true,
  kind,
});

/** Objects shaped like Kubernetes workloads, with any values in any place. */
const anyValue = fc.anything({ maxDepth: 3, withNullPrototype: false, withBoxedValues: false });
const kinds = fc.constantFrom(
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
  "Pod",
  "Service",
  "Ingress",
  "NetworkPolicy",
  "PodDisruptionBudget",
  "HorizontalPodAutoscaler",
  "Role",
  "ClusterRole",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "ServiceAccount",
  "Foo",
);
const kubeLike = fc.record({
  apiVersion: fc.constantFrom("v1", "apps/v1", "batch/v1", "extensions/v1beta1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"),
  kind: kinds,
  metadata: fc.oneof(
    anyValue,
    fc.record({
      name: fc.string(),
      namespace: fc.option(fc.string(), { nil: undefined }),
      annotations: fc.option(fc.dictionary(fc.constantFrom("slipway.dev/waive", "x"), fc.string()), { nil: undefined }),
    }),
  ),
  spec: fc.oneof(
    anyValue,
    fc.record({
      selector: anyValue,
      replicas: anyValue,
      template: fc.record({
        metadata: anyValue,
        spec: fc.record({
          containers: fc.oneof(
            anyValue,
            fc.array(
              fc.dictionary(
                fc.constantFrom("name", "image", "ports", "env", "securityContext", "resources", "livenessProbe", "readinessProbe"),
                anyValue,
              ),
            ),
          ),
          securityContext: anyValue,
          volumes: anyValue,
        }),
      }),
    }),
  ),
  rules: anyValue,
  roleRef: anyValue,
  data: anyValue,
});

describe("the checker never throws", () => {
  it("on random Kubernetes-like objects", () => {
    fc.assert(
      fc.property(fc.array(kubeLike, { maxLength: 8 }), (objects) => {
        const batch = emptyBatch();
        batch.kubeGroups.push(objects.map((o) => kubeSubjectFromObject(o as Record<string, unknown>, { file: "x.yaml", label: "x.yaml" })));
        expect(() => runCheck(batch, { today })).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it("on random objects serialised as YAML and read back with positions", () => {
    fc.assert(
      fc.property(fc.array(kubeLike, { maxLength: 4 }), (objects) => {
        const text = objects.map((o) => stringify(o)).join("---\n");
        expect(() => runCheck(parseInputs([input(text, "x.yaml", "kubernetes")]), { today })).not.toThrow();
      }),
      { numRuns: 100 },
    );
  });

  it("on random text in every input kind", () => {
    const kindsOf: InputKind[] = ["kubernetes", "terraform", "dockerfile", "github-actions", "gitlab-ci"];
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.constantFrom(...kindsOf), (text, kind) => {
        expect(() => runCheck(parseInputs([input(text, kind === "terraform" ? "main.tf" : "x", kind)]), { today })).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it("on HCL-ish and Dockerfile-ish token soup", () => {
    const hclToken = fc.constantFrom(
      'resource "aws_db_instance" "x" {',
      "}",
      "{",
      "[",
      "]",
      "(",
      ")",
      "=",
      '"s"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL interpolation syntax
      "${var.x}",
      "<<EOF",
      "EOF",
      "\n",
      "#c",
      "//c",
      "/*",
      "*/",
      "a.b[0]",
      "true",
      "1.5",
      ",",
      "?",
      ":",
      "for",
      "jsonencode(",
      "ingress {",
      "policy = ",
    );
    fc.assert(
      fc.property(fc.array(hclToken, { maxLength: 60 }), (tokens) => {
        const text = tokens.join(" ");
        expect(() =>
          runCheck(
            parseInputs([input(text, "main.tf", "terraform"), input(text.replace(/resource/g, "FROM"), "Dockerfile", "dockerfile")]),
            { today },
          ),
        ).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe("bad input becomes a located finding per file; other files are still checked", () => {
  const nodePort = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {type: NodePort, ports: [{port: 80}]}\n";
  const cases: [string, InputText, RegExp][] = [
    ["malformed YAML", input("apiVersion: v1\nkind: Service\nmetadata: {name: [\n", "bad.yaml", "kubernetes"), /YAML syntax/],
    ["malformed JSON", input('{"apiVersion": "v1", "kind": "Service",, }', "bad.json", "kubernetes"), /YAML syntax/],
    ["malformed HCL", input('resource "aws_db_instance" "x" {\n  engine = "postgres"\n', "bad.tf"), /HCL syntax: missing }/],
    ["malformed Terraform JSON", input('{"resource": [1, 2', "bad.tf.json"), /JSON syntax/],
    ["binary data", input(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe]), "blob.yaml", "kubernetes"), /binary data/],
    [
      "a huge file",
      { origin: { file: "huge.yaml", label: "huge.yaml" }, bytes: undefined, size: 50 * 1024 * 1024, explicit: false },
      /more than the \d+ bytes/,
    ],
    ["a document that is not an object", input("- just\n- a list\n", "list.yaml", "kubernetes"), /not a Kubernetes object/],
    ["an unknown Dockerfile instruction", input("FROM alpine:3.22\nFROOM x\n", "Dockerfile"), /unknown Dockerfile instruction/],
    ["an unknown file kind named explicitly", input("hello", "notes.txt"), /not a file kind slipway checks/],
  ];
  it.each(cases)("%s", (_name, bad, message) => {
    const report = runCheck(parseInputs([bad, input(nodePort, "good.yaml", "kubernetes")]), { today });
    const problem = report.findings.find((f) => f.file === bad.origin.file && (f.ruleId === "SLW-GEN-001" || f.ruleId === "SLW-GEN-004"));
    expect(problem?.message).toMatch(message);
    if (bad.bytes !== undefined && problem?.ruleId === "SLW-GEN-001") expect(problem.line).toBeGreaterThanOrEqual(1);
    expect(report.findings.some((f) => f.file === "good.yaml" && f.ruleId === "SLW-K8S-039")).toBe(true);
  });

  it("unknown kinds (custom resources) are checked for what applies and otherwise skipped", () => {
    const report = runCheck(
      parseInputs([input("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n", "crd.yaml", "kubernetes")]),
      { today },
    );
    expect(report.findings.filter((f) => f.ruleId.startsWith("SLW-GEN"))).toEqual([]);
  });

  it("files in a folder that are not deployment files are skipped, not reported", () => {
    const report = runCheck(parseInputs([{ ...input("print('hi')", "app.py"), explicit: false }]), { today });
    expect(report.findings).toEqual([]);
    expect(report.inputs).toEqual([]);
  });
});
