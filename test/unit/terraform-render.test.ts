import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as hcl2json } from "@cdktf/hcl2json";
import { describe, expect, it } from "vitest";
import { terraformFromText } from "../../src/check/inputs/terraform.js";
import { writeArtifacts } from "../../src/effects/files.js";
import type { AppModel } from "../../src/model/app-model.js";
import { Call, Expr, type HclBlock, type HclItem, type HclValue } from "../../src/render/terraform/hcl.js";
import { modules } from "../../src/render/terraform/modules.js";
import { appPolicyStatements, renderTerraform, subnet, terraformRoot } from "../../src/render/terraform/render-terraform.js";
import { terraformRenderer } from "../../src/render/terraform/terraform-renderer.js";
import { parseSpecText } from "../../src/spec/load.js";
import { buildModel } from "../../src/spec/normalize.js";
import { validateSpec } from "../../src/spec/validate.js";
import { dogfood } from "../helpers/dogfood.js";
import { loadExamples, repoRoot } from "../helpers/examples.js";
import { runCli } from "../helpers/run-cli.js";
import { misfits, type PlainValue, parseTfType } from "../helpers/tf-types.js";

/**
 * The fact table: each pinned terraform-aws-modules release's input variables (name → type, default),
 * as extracted from its variables.tf. A copy of the project's shared test data, kept in the
 * repository so a clone anywhere (CI's included) has it.
 */
const factTablePath = join(repoRoot, "test", "fixtures", "terraform", "terraform-aws-modules-inputs.json");
const factTable = JSON.parse(readFileSync(factTablePath, "utf8")) as Record<string, Record<string, { type: string; default?: unknown }>>;

const examples = loadExamples();
const exampleModels = examples.flatMap((e) => e.kubeModels.filter((m) => m.infra).map((model) => ({ example: e.name, model })));

/** A spec to vary: every switch of the infra block in turn. */
function variant(infra: string, identity = "pod-identity", vpc = "10.0.0.0/16"): AppModel {
  const text = `name: shop
app:
  image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop:1.0.0
  health: /up
  aws: { identity: ${identity}, s3: { shop-uploads: [read, write, delete], shop-reports: [read] } }
database: { engine: postgres, version: "17", cidr: ${vpc} }
ingress: { host: shop.example.com, sourceCidr: ${vpc} }
infra:
  region: eu-west-1
${infra}
environments:
  production:
    target: kubernetes
`;
  const validated = validateSpec(parseSpecText(text, "slipway.yaml"));
  return buildModel(validated, validated.environments.production as never);
}

const variants: [string, AppModel][] = [
  ["pod identity, aurora postgres", variant("")],
  [
    "rds + kms + admins",
    variant('  kms: true\n  database: { service: rds }\n  cluster: { admins: ["arn:aws:iam::123456789012:role/ops"] }'),
  ],
  ["auto mode", variant("  cluster: { compute: auto-mode }")],
  // Fargate has no EKS Pod Identity: the app takes IRSA there.
  ["fargate, IRSA", variant("  cluster: { compute: fargate }", "irsa")],
  [
    "staging tier",
    variant(
      "  tier: staging\n  network: { zones: 2, cidr: 10.20.0.0/16 }\n  dnsZoneId: Z0123456789ABCDEFGHIJ",
      "pod-identity",
      "10.20.0.0/16",
    ),
  ],
];

const allModels: [string, AppModel][] = [
  ...exampleModels.map(({ example, model }) => [`${example} ${model.environment}`, model] as [string, AppModel]),
  ...variants,
];

function plain(v: HclValue): PlainValue {
  if (v instanceof Expr) return { unknown: v.text };
  if (v instanceof Call) return { unknown: v.fn };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x as HclValue)]));
  return v as PlainValue;
}

function moduleBlocks(model: AppModel): HclBlock[] {
  return terraformRoot(model)
    .flatMap((f) => f.blocks)
    .filter((b): b is HclBlock => !("kind" in b) && b.type === "module");
}

/** The fact table's key of a module block: <repo>@v<release>[//modules/<sub>]. */
function factKey(b: HclBlock): string {
  const attrs = new Map(b.body.flatMap((i: HclItem) => (i.kind === "attribute" ? [[i.name, i.value] as const] : [])));
  const source = String(attrs.get("source"));
  const release = Object.values(modules).find((m) => m.source === source);
  if (!release) throw new Error(`module ${b.labels[0]}: source ${source} is not in modules.ts`);
  const [, name, sub] = /^terraform-aws-modules\/([\w-]+)\/aws(?:\/\/(.+))?$/.exec(source) ?? [];
  return `terraform-aws-${name}@v${release.release}${sub ? `//${sub}` : ""}`;
}

describe("render terraform: every module argument against the fact table", () => {
  it.each(allModels)("%s", (_, model) => {
    const problems: string[] = [];
    const blocks = moduleBlocks(model);
    expect(blocks.length).toBeGreaterThan(4);
    for (const b of blocks) {
      const key = factKey(b);
      const inputs = factTable[key];
      if (!inputs) {
        problems.push(`module.${b.labels[0]}: ${key} is not in the fact table`);
        continue;
      }
      const set = new Set<string>();
      for (const item of b.body) {
        if (item.kind !== "attribute" || ["source", "version", "depends_on", "providers", "count", "for_each"].includes(item.name))
          continue;
        set.add(item.name);
        const input = inputs[item.name];
        if (!input) problems.push(`module.${b.labels[0]}.${item.name}: no such input in ${key}`);
        else problems.push(...misfits(plain(item.value), parseTfType(input.type), `module.${b.labels[0]}.${item.name}`));
      }
      // Required: no default, or the module's own "<required>" placeholder (terraform-aws-rds identifier).
      for (const [name, input] of Object.entries(inputs)) {
        if ((!("default" in input) || input.default === "<required>") && !set.has(name))
          problems.push(`module.${b.labels[0]}: required input ${name} not set`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("the type check itself fails on a wrong type, an unknown input or attribute", () => {
    const t = parseTfType(factTable["terraform-aws-eks@v21.19.0"]?.access_entries?.type ?? "");
    expect(misfits({ a: { principal_arn: "x", kubernetes_group: ["y"] } }, t)).toEqual([
      expect.stringMatching(/^\.a\.kubernetes_group: no such attribute/),
    ]);
    expect(misfits({ a: {} }, t)).toEqual([".a.principal_arn: required attribute missing"]);
    expect(misfits("x", parseTfType("list(string)"))).toEqual([": expected list"]);
    expect(misfits({ unknown: "module.x.y" }, parseTfType("bool"))).toEqual([]);
  });

  it("every module is pinned ~> MAJOR.MINOR at its fact-table release", () => {
    for (const [, model] of allModels) {
      for (const b of moduleBlocks(model)) {
        const version = b.body.find((i) => i.kind === "attribute" && i.name === "version");
        const key = factKey(b);
        const [, major, minor] = /@v(\d+)\.(\d+)\./.exec(key) ?? [];
        expect(version && version.kind === "attribute" ? version.value : undefined, key).toBe(`~> ${major}.${minor}`);
      }
    }
  });
});

describe("render terraform: every file parses", () => {
  it.each(allModels)("%s: HashiCorp's parser (hcl2json) and slipway's own reader, .tf and .tf.json", async (_, model) => {
    for (const json of [false, true]) {
      for (const file of renderTerraform(model, json)) {
        if (!json) await expect(hcl2json(file.path, file.content), file.path).resolves.toBeTypeOf("object");
        else expect(() => JSON.parse(file.content), file.path).not.toThrow();
        const read = terraformFromText(file.content, { file: file.path, label: file.path }, json);
        expect(read.problems, file.path).toEqual([]);
        expect(read.file?.blocks.length, file.path).toBeGreaterThan(0);
      }
    }
  });

  it("HCL and .tf.json say the same: hcl2json's reading of the .tf has the .tf.json's blocks and attributes", async () => {
    const model = exampleModels[0]?.model as AppModel;
    const hcl = renderTerraform(model, false);
    const json = renderTerraform(model, true);
    for (const [i, file] of hcl.entries()) {
      const fromHcl = (await hcl2json(file.path, file.content)) as Record<string, unknown>;
      const fromJson = JSON.parse(json[i]?.content ?? "") as Record<string, unknown>;
      expect(Object.keys(fromHcl).sort(), file.path).toEqual(Object.keys(fromJson).sort());
      for (const type of Object.keys(fromJson)) {
        // hcl2json writes every block body as a list of bodies; the JSON syntax writes one body.
        const labels = (v: unknown): string[] =>
          Array.isArray(v) ? [...new Set(v.flatMap(labels))].sort() : v && typeof v === "object" ? Object.keys(v).sort() : [];
        expect(labels(fromHcl[type]), `${file.path} ${type}`).toEqual(labels(fromJson[type]));
      }
    }
  });

  it("terraform fmt -check finds nothing to change (when terraform or tofu is on PATH)", async (ctx) => {
    const bin = ["tofu", "terraform"].find((b) => spawnSync(b, ["version"], { stdio: "ignore" }).status === 0);
    if (!bin) {
      console.log("skipped: neither tofu nor terraform is on PATH, so terraform fmt -check cannot run");
      ctx.skip();
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "slipway-tf-"));
    try {
      for (const [name, model] of allModels) await writeArtifacts(join(dir, name.replace(/\W+/g, "-")), renderTerraform(model, false));
      const r = spawnSync(bin, ["fmt", "-check", "-recursive", "-diff", dir], { encoding: "utf8" });
      expect(r.stdout).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("render terraform: what the roots say", () => {
  const production = exampleModels.find((m) => m.example === "rails-mysql" && m.model.environment === "production")?.model as AppModel;
  const staging = exampleModels.find((m) => m.example === "rails-mysql" && m.model.environment === "staging")?.model as AppModel;
  const text = (model: AppModel, json = false) =>
    renderTerraform(model, json)
      .map((f) => f.content)
      .join("\n");

  it("state: an S3 backend with encryption and S3-native locking, no DynamoDB", () => {
    const t = text(production);
    expect(t).toContain('backend "s3" {');
    expect(t).toMatch(/encrypt\s+= true/);
    expect(t).toMatch(/use_lockfile\s+= true/);
    expect(t).not.toMatch(/dynamodb/i);
    expect(t).toMatch(/required_version = ">= 1\.11\.1"/);
    expect(t).toMatch(/source\s+= "hashicorp\/aws"\n\s+version = ">= 6\.42"/);
  });

  it("production: NAT gateway per zone, 3 zones, a standby; staging: one NAT gateway, 2 zones, one instance; both protected from deletion", () => {
    const p = text(production);
    expect(p).toMatch(/single_nat_gateway\s+= false/);
    expect(p).toMatch(/one_nat_gateway_per_az\s+= true/);
    expect(p).toContain("slice(data.aws_availability_zones.available.names, 0, 3)");
    expect(p).toMatch(/instances = {\n\s+one = {}\n\s+two = {}/);
    expect(p).toMatch(/deletion_protection\s+= true/);
    const s = text(staging);
    expect(s).toMatch(/single_nat_gateway\s+= true/);
    expect(s).toMatch(/one_nat_gateway_per_az\s+= false/);
    expect(s).toContain("slice(data.aws_availability_zones.available.names, 0, 2)");
    expect(s).toMatch(/instances = {\n\s+one = {}\n\s+}/);
    expect(s).toMatch(/deletion_protection\s+= true/);
  });

  it("the outputs are exactly the contract's, absent ones omitted", () => {
    const names = (model: AppModel) =>
      terraformRoot(model)
        .flatMap((f) => f.blocks)
        .filter((b): b is HclBlock => !("kind" in b) && b.type === "output")
        .map((b) => b.labels[0]);
    expect(names(production)).toEqual([
      "region",
      "cluster_name",
      "cluster_endpoint",
      "database_engine",
      "database_endpoint",
      "database_port",
      "database_name",
      "database_cluster_id",
      "database_master_secret_arn",
      "app_role_arn",
      "ecr_repository_url",
      "ci_role_arns",
      "certificate_arn",
    ]);
    const bare = { ...production, database: undefined, aws: undefined, ingress: undefined, ci: { ...production.ci, provider: undefined } };
    expect(names(bare)).toEqual(["region", "cluster_name", "cluster_endpoint", "ecr_repository_url"]);
  });

  it("the app's role grants exactly the declared buckets and actions", () => {
    const model = variants[0]?.[1] as AppModel;
    expect(appPolicyStatements(model)).toEqual([
      { sid: "shopreportsObjects", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::shop-reports/*"] },
      { sid: "shopreportsBucket", actions: ["s3:ListBucket"], resources: ["arn:aws:s3:::shop-reports"] },
      {
        sid: "shopuploadsObjects",
        actions: ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        resources: ["arn:aws:s3:::shop-uploads/*"],
      },
      { sid: "shopuploadsBucket", actions: ["s3:ListBucket", "s3:ListBucketMultipartUploads"], resources: ["arn:aws:s3:::shop-uploads"] },
    ]);
    expect(text(model)).toContain('module "app_pod_identity"');
    expect(text(production)).toContain('namespace_service_accounts = ["rails-mysql:rails-mysql"]');
  });

  it("subnets: cidrsubnet computed in TypeScript", () => {
    expect(subnet("10.0.0.0/16", 4, 2)).toBe("10.0.32.0/20");
    expect(subnet("10.20.0.0/16", 8, 52)).toBe("10.20.52.0/24");
    expect(subnet("172.16.0.0/12", 8, 48)).toBe("172.19.0.0/20");
    expect(subnet("192.168.0.0/20", 8, 1)).toBe("192.168.0.16/28");
    expect(() => subnet("10.0.0.0/24", 8, 1)).toThrow();
  });

  it("the database admits only the cluster's security group, never a CIDR", () => {
    for (const [name, model] of allModels) {
      if (!model.database) continue;
      const t = text(model);
      expect(t, name).toMatch(/referenced_security_group_id = module\.eks\.(node_security_group_id|cluster_primary_security_group_id)/);
      expect(t, name).not.toMatch(/cidr_ipv4|0\.0\.0\.0\/0/);
    }
  });

  it("Auto Mode: no Load Balancer Controller release (Auto Mode brings its own), no helm provider", () => {
    const auto = text(variants[2]?.[1] as AppModel);
    expect(auto).not.toContain("helm_release");
    expect(auto).not.toContain("hashicorp/helm");
    expect(auto).toMatch(/compute_config = {\n\s+enabled\s+= true/);
  });
});

describe("render terraform: check reads the .tf.json form as Terraform and finds nothing at medium or above", () => {
  it.each(examples.map((e) => [e.name, e] as const))("%s", async (_, example) => {
    const runs = await dogfood(terraformRenderer, example.validated, { specShown: "slipway.yaml", renderOptions: { json: true } });
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      expect(run.files.every((f) => f.path.endsWith(".tf.json"))).toBe(true);
      expect(run.unchecked).toEqual([]);
      expect(run.blocking).toEqual([]);
    }
  });
});

describe("slipway render terraform (the CLI)", () => {
  const spec = join(repoRoot, "examples/node-postgres/slipway.yaml");
  const env = { SLIPWAY_TODAY: "2026-01-01" };

  it("writes <out>/<environment>/*.tf; --json writes .tf.json and reports the root", async () => {
    const out = mkdtempSync(join(tmpdir(), "slipway-tf-cli-"));
    try {
      const r = await runCli(["render", "terraform", "-f", spec, "-e", "staging", "--out", out], { cwd: repoRoot, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe(`✓ Terraform for staging written to ${out}/staging (9 files)\n`);
      expect(readdirSync(join(out, "staging")).sort()).toEqual(
        ["cluster", "database", "main", "network", "outputs", "registry", "versions", "certificate", "ci-iam"].map((n) => `${n}.tf`).sort(),
      );
      const j = await runCli(["render", "tf", "-f", spec, "-e", "production", "--out", out, "--json"], { cwd: repoRoot, env });
      expect(j.code, j.stderr).toBe(0);
      const result = JSON.parse(j.stdout).result;
      expect(result.root).toBe(join(out, "production"));
      expect(result.files.every((f: string) => f.endsWith(".tf.json"))).toBe(true);
      expect(JSON.parse(readFileSync(join(out, "production", "versions.tf.json"), "utf8")).terraform.backend.s3).toEqual({
        bucket: "node-postgres-tfstate-123456789012",
        key: "node-postgres/production/terraform.tfstate",
        region: "eu-west-2",
        encrypt: true,
        use_lockfile: true,
      });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("needs no image tag: an unpinned app.image renders (render kubernetes would ask for --tag)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-tf-cli-"));
    try {
      writeFileSync(
        join(dir, "slipway.yaml"),
        "name: shop\napp: { image: 123456789012.dkr.ecr.eu-west-2.amazonaws.com/team/shop, health: /up }\ninfra: { region: eu-west-2 }\nenvironments: { production: { target: kubernetes } }\n",
      );
      const r = await runCli(["render", "terraform", "--out", join(dir, "infra")], { cwd: dir, env });
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(dir, "infra", "production", "registry.tf"), "utf8")).toContain(
        'repository_name                 = "team/shop"',
      );
      const k8s = await runCli(["render", "kubernetes", "--json"], { cwd: dir, env });
      expect(JSON.parse(k8s.stdout).error.code).toBe("RENDER_IMAGE_UNPINNED");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a local environment, or one without infra, is RENDER_TARGET_MISMATCH with a hint", async () => {
    const local = await runCli(["render", "terraform", "-f", spec, "-e", "local", "--json"], { cwd: repoRoot, env });
    expect(local.code).toBe(2);
    expect(JSON.parse(local.stdout).error).toMatchObject({
      code: "RENDER_TARGET_MISMATCH",
      message: "environment 'local' targets local, not Kubernetes on AWS (an `infra` block)",
      hint: "Render a Kubernetes on AWS (an `infra` block) environment: -e staging or -e production.",
    });
    const dir = mkdtempSync(join(tmpdir(), "slipway-tf-cli-"));
    try {
      writeFileSync(
        join(dir, "slipway.yaml"),
        "name: shop\napp: { image: ghcr.io/a/shop:1.0.0, health: /up }\nenvironments: { production: { target: kubernetes } }\n",
      );
      const none = await runCli(["render", "terraform", "--json"], { cwd: dir, env });
      expect(none.code).toBe(2);
      expect(JSON.parse(none.stdout).error).toMatchObject({
        code: "RENDER_TARGET_MISMATCH",
        message: "environment 'production' has no infra block, so there is nothing to put in Terraform for AWS",
        hint: "Give an environment `target: kubernetes` and an `infra:` block (at least `region:`).",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
