import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as hcl2json } from "@cdktf/hcl2json";
import { describe, expect, it } from "vitest";
import { blank, block, body, call, comment, quote, ref, writeHcl, writeTfJson } from "./hcl.js";

const sample = [
  comment("Made by a test."),
  block("terraform", [], body(["required_version", ">= 1.11.1"], block("backend", ["s3"], body(["bucket", "b"], ["use_lockfile", true])))),
  block(
    "module",
    ["vpc"],
    body(
      ["source", "terraform-aws-modules/vpc/aws"],
      ["version", "~> 6.6"],
      ["tags", { Name: "shop", "kubernetes.io/role/elb": 1 }],
      ["azs", ["a", "b", "c"]],
      ["single_nat_gateway", false],
      ["skipped", undefined],
      ["cidr", ref("local.cidr")],
      ["list", [{ a: 1, bb: 2 }]],
      blank,
      ["policy", call("jsonencode", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject"] }] })],
      ["empty", {}],
      ["nothing", null],
    ),
  ),
];

describe("writeHcl", () => {
  it("aligns `=` within runs of one-line attributes; a multi-line value, block or blank ends a run", () => {
    expect(writeHcl(sample)).toBe(`# Made by a test.
terraform {
  required_version = ">= 1.11.1"

  backend "s3" {
    bucket       = "b"
    use_lockfile = true
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 6.6"
  tags = {
    Name                     = "shop"
    "kubernetes.io/role/elb" = 1
  }
  azs                = ["a", "b", "c"]
  single_nat_gateway = false
  cidr               = local.cidr
  list = [
    {
      a  = 1
      bb = 2
    },
  ]

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = ["s3:GetObject"]
      },
    ]
  })
  empty   = {}
  nothing = null
}
`);
  });

  it("quotes strings so nothing in a value is interpolated or breaks the line", () => {
    expect(quote('a "b" \\ \u0024{x} %{if} \n\t\u0001')).toBe('"a \\"b\\" \\\\ $${x} %%{if} \\n\\t\\u0001"');
  });

  it("is the layout terraform fmt gives (when terraform or tofu is on PATH)", (ctx) => {
    const bin = ["tofu", "terraform"].find((b) => spawnSync(b, ["version"], { stdio: "ignore" }).status === 0);
    if (!bin) {
      console.log("skipped: neither tofu nor terraform is on PATH, so terraform fmt -check cannot run");
      ctx.skip();
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "slipway-hcl-"));
    try {
      writeFileSync(join(dir, "main.tf"), writeHcl(sample));
      const r = spawnSync(bin, ["fmt", "-check", "-diff", dir], { encoding: "utf8" });
      expect(r.stdout).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses with HashiCorp's HCL parser to the values written", async () => {
    const parsed = (await hcl2json("main.tf", writeHcl(sample))) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      terraform: [{ required_version: ">= 1.11.1", backend: { s3: [{ bucket: "b", use_lockfile: true }] } }],
      module: { vpc: [{ version: "~> 6.6", tags: { Name: "shop", "kubernetes.io/role/elb": 1 }, cidr: "\u0024{local.cidr}" }] },
    });
  });
});

describe("writeTfJson", () => {
  it("writes Terraform's JSON syntax: labels as keys, expressions and calls as interpolations, $ in strings escaped", () => {
    const json = JSON.parse(writeTfJson(sample)) as Record<string, unknown>;
    expect(json).toEqual({
      terraform: { required_version: ">= 1.11.1", backend: { s3: { bucket: "b", use_lockfile: true } } },
      module: {
        vpc: {
          source: "terraform-aws-modules/vpc/aws",
          version: "~> 6.6",
          tags: { Name: "shop", "kubernetes.io/role/elb": 1 },
          azs: ["a", "b", "c"],
          single_nat_gateway: false,
          cidr: "\u0024{local.cidr}",
          list: [{ a: 1, bb: 2 }],
          policy: '\u0024{jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject"] }] })}',
          empty: {},
          nothing: null,
        },
      },
    });
    expect(JSON.parse(writeTfJson([block("locals", [], body(["x", "\u0024{y}"]))]))).toEqual({ locals: { x: "$${y}" } });
  });

  it("puts repeated blocks of one type in a list", () => {
    const json = JSON.parse(
      writeTfJson([block("provider", ["aws"], body(["region", "a"])), block("provider", ["aws"], body(["region", "b"]))]),
    );
    expect(json).toEqual({ provider: { aws: [{ region: "a" }, { region: "b" }] } });
  });
});
