import { describe, expect, it } from "vitest";
import { type InputText, parseInputs } from "./parse-inputs.js";
import { runCheck } from "./run-check.js";
import { parseWaiverText } from "./waivers.js";

const input = (text: string, file: string): InputText => ({
  origin: { file, label: file },
  bytes: text,
  size: text.length,
  explicit: true,
});
const check = (text: string, file: string, today = "2026-06-01") => runCheck(parseInputs([input(text, file)]), { today }).findings;

describe("parseWaiverText", () => {
  it("reads rule, reason and date; several per text", () => {
    expect(parseWaiverText("SLW-K8S-012=logs shipper needs it until 2027-03-01; SLW-K8S-030=batch worker")).toEqual({
      waivers: [
        { rule: "SLW-K8S-012", reason: "logs shipper needs it", until: "2027-03-01" },
        { rule: "SLW-K8S-030", reason: "batch worker", until: undefined },
      ],
      errors: [],
    });
  });
  it.each(["SLW-K8S-012", "SLW-K8S-012=", "SLW-K8S-012=ok until tomorrow", "K8S-12=reason"])("rejects %j", (text) => {
    expect(parseWaiverText(text).errors).toHaveLength(1);
  });
});

describe("comment waivers", () => {
  it("a comment above a Terraform block waives findings inside it, and only there", () => {
    const tf = `# slipway:waive SLW-TF-008=bastion, reviewed by security until 2027-01-31
resource "aws_security_group" "bastion" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "other" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`;
    const ssh = check(tf, "main.tf").filter((f) => f.ruleId === "SLW-TF-008");
    expect(ssh.map((f) => [f.object, f.waived?.reason])).toEqual([
      ["aws_security_group.bastion", "bastion, reviewed by security"],
      ["aws_security_group.other", undefined],
    ]);
  });

  it("an expired waiver no longer waives and is itself a finding at the comment", () => {
    const df = "FROM node:24-slim\n# slipway:waive SLW-DF-013=legacy SSH debugging until 2026-01-01\nEXPOSE 22\nUSER 10001\n";
    const findings = check(df, "Dockerfile");
    expect(findings.find((f) => f.ruleId === "SLW-DF-013")?.waived).toBeUndefined();
    expect(findings.find((f) => f.ruleId === "SLW-GEN-002")).toMatchObject({ file: "Dockerfile", line: 2 });
  });

  it("a comment above a CI job waives findings in that job", () => {
    const wf = `on: push
permissions: { contents: read }
jobs:
  # slipway:waive SLW-CI-012=runs under a self-hosted runner's own limit
  build:
    runs-on: ubuntu-24.04
    steps:
      - run: make
  test:
    runs-on: ubuntu-24.04
    steps:
      - run: make test
`;
    const findings = runCheck(parseInputs([{ ...input(wf, ".github/workflows/ci.yml") }]), { today: "2026-06-01" }).findings.filter(
      (f) => f.ruleId === "SLW-CI-012",
    );
    expect(findings.map((f) => [f.object, f.waived !== undefined])).toEqual([
      ["jobs.build", true],
      ["jobs.test", false],
    ]);
  });
});

describe("spec waivers", () => {
  it("keep a reason with ';' and '=' whole and waive the finding", () => {
    const df = "FROM node:24-slim\nEXPOSE 22\nUSER 10001\n";
    const reason = "legacy SSH; approved by security (ticket=SEC-12)";
    const findings = runCheck(parseInputs([input(df, "Dockerfile")]), {
      today: "2026-06-01",
      specWaivers: [{ rule: "SLW-DF-013", reason, until: "2027-01-01", path: "Dockerfile", file: "slipway.yaml", line: 12 }],
    }).findings;
    expect(findings.find((f) => f.ruleId === "SLW-DF-013")?.waived?.reason).toBe(reason);
    expect(findings.filter((f) => f.ruleId === "SLW-GEN-002" || f.ruleId === "SLW-GEN-003")).toEqual([]);
  });
});
