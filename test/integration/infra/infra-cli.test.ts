/**
 * `slipway infra …` and the Terraform outputs wiring, through the built CLI. The state bucket is
 * made by the AWS SDK against moto's server (a real S3 HTTP endpoint on 127.0.0.1, through the
 * SDK's own AWS_ENDPOINT_URL_S3) and read back with the SDK. Where a `tofu` or `terraform` binary is
 * on PATH, the whole path runs for real against the same moto: init with the S3 backend and
 * S3-native locking, a saved plan, apply of that plan with CI=true, and `render kubernetes` reading
 * `terraform output -json` from the root without --infra.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteBucketPolicyCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Moto, motoUnavailable, startMoto } from "../../helpers/moto.js";
import { slipway } from "../deploy/local-harness.js";

const fixtures = new URL("../../fixtures/infra/", import.meta.url).pathname;
const stackTrace = /\n\s+at .+\(.*:\d+:\d+\)/;
const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const accessKey = "AKIAIOSFODNN7EXAMPLE";
const dirs: string[] = [];

interface KubeObject {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { template?: { spec: { containers: Container[] } } };
}
interface Container {
  image: string;
  env: { name: string; value?: string; valueFrom?: unknown }[];
}
const container = (objects: KubeObject[]) => objects.find((o) => o.kind === "Deployment")?.spec?.template?.spec.containers[0] as Container;
const envOf = (env: Container["env"]) => Object.fromEntries(env.map((e) => [e.name, e.value ?? e.valueFrom]));

/** A folder with the fixture spec (its state bucket named `bucket`) and the recorded outputs. */
function app(bucket = "shop-tfstate-123456789012", edit: (spec: string) => string = (s) => s): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-infra-"));
  dirs.push(dir);
  cpSync(fixtures, dir, { recursive: true });
  const spec = readFileSync(join(dir, "slipway.yaml"), "utf8").replace("STATE_BUCKET", bucket);
  writeFileSync(join(dir, "slipway.yaml"), edit(spec));
  return dir;
}

/** A PATH with no tofu or terraform on it. */
function emptyPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-infra-path-"));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("outputs into render kubernetes (--infra), drift, and the errors that need no AWS", () => {
  it("render kubernetes --infra: the recorded outputs put the endpoint, role ARN and image repository into the objects", async () => {
    const dir = app();
    const run = await slipway(dir, ["render", "kubernetes", "-e", "production", "--infra", "outputs-production.json", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const objects = run.final?.result?.objects as KubeObject[];
    const web = container(objects);
    expect(web.image).toBe("123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop-production:1.4.2");
    expect(objects.find((o) => o.kind === "ServiceAccount")?.metadata.annotations).toEqual({
      "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/shop-production",
    });
    expect(envOf(web.env).DB_HOST).toBe("shop-production.cluster-c9akciq32example.eu-west-2.rds.amazonaws.com");
    expect(envOf(web.env).DB_PORT).toBe("5432");
    // The YAML stream carries the same.
    const yaml = await slipway(dir, ["render", "kubernetes", "-e", "production", "--infra", "outputs-production.json"]);
    expect(yaml.stdout).toContain('image: "123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop-production:1.4.2"');
    expect(yaml.stdout).toMatch(/- name: DB_HOST\n\s+value: shop-production\.cluster-c9akciq32example\.eu-west-2\.rds\.amazonaws\.com\n/);
    // Without outputs (no --infra, no initialised root) the spec alone: the host from the Secret.
    const plain = await slipway(dir, ["render", "kubernetes", "-e", "production", "--json"]);
    expect(plain.code, plain.stderr).toBe(0);
    const plainWeb = container(plain.final?.result?.objects as KubeObject[]);
    expect(envOf(plainWeb.env).DB_HOST).toEqual({ secretKeyRef: { key: "host", name: "shop-database" } });
    expect(plainWeb.image).toBe("123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop:1.4.2");
  });

  it("a bad --infra file: INFRA_OUTPUTS_INVALID (exit 2) naming the output, with a hint, no stack trace", async () => {
    const dir = app();
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ database_port: { sensitive: false, type: "string", value: "5432" } }));
    writeFileSync(join(dir, "broken.json"), '{"region": {"value": "eu-west-2"');
    for (const [file, message] of [
      [
        "bad.json",
        'error[INFRA_OUTPUTS_INVALID]: output database_port must be a port number from 1 to 65535, found "5432"\n  --> bad.json (database_port.value)',
      ],
      ["broken.json", "error[INFRA_OUTPUTS_INVALID]: not JSON"],
      ["missing.json", "error[INFRA_OUTPUTS_INVALID]: --infra missing.json: cannot be read (ENOENT)"],
    ] as const) {
      const run = await slipway(dir, ["render", "kubernetes", "-e", "production", "--infra", file]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).toMatch(/hint: .*output -json/);
      expect(run.stderr).not.toMatch(stackTrace);
    }
  });

  it("infra drift --infra: a changed engine is reported (exit 1); agreeing outputs exit 0", async () => {
    const dir = app();
    const outputs = JSON.parse(readFileSync(join(dir, "outputs-production.json"), "utf8"));
    outputs.ecr_repository_url.value = "123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop";
    writeFileSync(join(dir, "agree.json"), JSON.stringify(outputs));
    outputs.database_engine.value = "mysql";
    outputs.database_port.value = 3306;
    writeFileSync(join(dir, "mysql.json"), JSON.stringify(outputs));

    const same = await slipway(dir, ["infra", "drift", "-e", "production", "--infra", "agree.json"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("no drift: the spec agrees with agree.json");

    const changed = await slipway(dir, ["infra", "drift", "-e", "production", "--infra", "mysql.json"]);
    expect(changed.code, changed.stderr).toBe(1);
    expect(changed.stdout).toMatch(/engine\s+database\.engine\s+spec postgres {2}≠ {2}database_engine mysql/);
    expect(changed.stdout).toContain("2 differences between the spec and mysql.json");

    const json = await slipway(dir, ["infra", "drift", "-e", "production", "--infra", "mysql.json", "--json"]);
    expect(json.code).toBe(1);
    expect(json.final?.result?.drift).toEqual([
      { field: "engine", path: "database.engine", output: "database_engine", spec: "postgres", outputs: "mysql" },
      { field: "port", path: "database.engine", output: "database_port", spec: "5432", outputs: "3306" },
    ]);
  });

  it("no tofu or terraform on PATH: INFRA_NO_TERRAFORM (exit 1) with the install hint", async () => {
    const dir = app();
    mkdirSync(join(dir, "infra", "production"), { recursive: true });
    const run = await slipway(dir, ["infra", "plan", "-e", "production"], { PATH: emptyPath() });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("error[INFRA_NO_TERRAFORM]: neither `tofu` nor `terraform` is on PATH");
    expect(run.stderr).toMatch(/hint: Install OpenTofu \(https:\/\/opentofu\.org\/docs\/intro\/install\/\) or Terraform/);
    expect(run.stderr).not.toMatch(stackTrace);
    const json = await slipway(dir, ["infra", "plan", "-e", "production", "--json"], { PATH: emptyPath() });
    expect(json.final?.error).toMatchObject({ code: "INFRA_NO_TERRAFORM" });
  });

  it("apply with CI=true and no saved plan is refused (INFRA_APPLY_NEEDS_PLAN, exit 2), before any tool runs", async () => {
    const dir = app();
    mkdirSync(join(dir, "infra", "production"), { recursive: true });
    const run = await slipway(dir, ["infra", "apply", "-e", "production"], { CI: "true", PATH: emptyPath() });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      "error[INFRA_APPLY_NEEDS_PLAN]: CI=true: slipway applies only a saved, reviewed plan, and no --plan was given",
    );
    expect(run.stderr).toContain("slipway infra apply -e production --plan infra/production/tfplan");
    // Outside CI but with no terminal to confirm on (as here: stdin is not a TTY), the same refusal.
    const noTty = await slipway(dir, ["infra", "apply", "-e", "production"], { PATH: emptyPath() });
    expect(noTty.code, noTty.stderr).toBe(2);
    expect(noTty.stderr).toContain("error[INFRA_APPLY_NEEDS_PLAN]: no terminal to confirm an apply on, and no --plan was given");
    const missing = await slipway(dir, ["infra", "apply", "-e", "production", "--plan", "nope.tfplan"], { CI: "true" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error[INFRA_APPLY_NEEDS_PLAN]: plan file nope.tfplan does not exist");
  });

  it("no rendered root: INFRA_ROOT_MISSING (exit 2) saying to render terraform; no infra block: INFRA_NOT_CONFIGURED (exit 2)", async () => {
    const dir = app();
    const run = await slipway(dir, ["infra", "plan", "-e", "production"]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain("error[INFRA_ROOT_MISSING]: no Terraform root for environment 'production' at infra/production");
    expect(run.stderr).toContain("slipway render terraform -e production --out infra/");
    const bare = app("unused", (s) => s.slice(0, s.indexOf("infra:")));
    const none = await slipway(bare, ["infra", "bootstrap", "-e", "production"]);
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr).toContain("error[INFRA_NOT_CONFIGURED]: environment 'production' has no infra block");
  });
});

const noMoto = motoUnavailable();

describe.skipIf(noMoto !== undefined)(`infra bootstrap against moto's S3${noMoto ? ` (skipped: ${noMoto})` : ""}`, () => {
  let moto: Moto;
  let env: Record<string, string>;
  let s3: S3Client;

  beforeAll(async () => {
    moto = await startMoto();
    env = {
      // Only the SDK's own settings: nothing of the machine's AWS configuration counts.
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_S3: moto.url,
      AWS_ENDPOINT_URL_STS: moto.url,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
    };
    s3 = new S3Client({
      region: "eu-west-2",
      endpoint: moto.url,
      forcePathStyle: true,
      credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    });
  }, 180_000);
  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });

  it("creates the bucket versioned, encrypted, public access blocked and TLS-only; a second run changes nothing and says so", async () => {
    const bucket = "shop-tfstate-bootstrap";
    const dir = app(bucket);
    const first = await slipway(dir, ["infra", "bootstrap", "-e", "production"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`state bucket s3://${bucket} (eu-west-2), key shop/production/terraform.tfstate`);
    expect(first.stdout).toMatch(/changed\s+bucket\s+created in eu-west-2/);
    expect(first.stdout).toContain("5 of 5 settings changed");

    // Read back with the SDK: what slipway said is what S3 holds.
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe("AES256");
    expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}");
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    ]);

    const second = await slipway(dir, ["infra", "bootstrap", "-e", "production"], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain("nothing changed: the bucket was already set up");
    expect(second.stdout).not.toMatch(/^\s+changed /m);
    const json = await slipway(dir, ["infra", "bootstrap", "-e", "production", "--json"], env);
    expect(json.code).toBe(0);
    expect(json.final?.result).toMatchObject({ bucket, region: "eu-west-2", changed: false });
    const steps = (json.final?.result?.steps ?? []) as { changed: boolean }[];
    expect(steps.map((s) => s.changed)).toEqual([false, false, false, false, false]);
    for (const run of [first, second, json]) expect(run.stdout + run.stderr).not.toContain(secretKey);
  });

  it("no AWS credentials: INFRA_AWS_AUTH (exit 1) naming AWS_PROFILE, no stack trace", async () => {
    const dir = app("shop-tfstate-nocreds");
    const { AWS_ACCESS_KEY_ID: _, AWS_SECRET_ACCESS_KEY: __, ...noCreds } = env;
    const run = await slipway(dir, ["infra", "bootstrap", "-e", "production"], noCreds);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("error[INFRA_AWS_AUTH]: no AWS credentials to look up bucket shop-tfstate-nocreds");
    expect(run.stderr).toMatch(/hint: .*AWS_PROFILE/);
    expect(run.stderr).not.toMatch(stackTrace);
  });

  it("a bucket of that name in another region: INFRA_BUCKET_UNAVAILABLE (exit 1), nothing changed on it", async () => {
    const bucket = "shop-tfstate-elsewhere";
    const dir = app(bucket);
    expect((await slipway(dir, ["infra", "bootstrap", "-e", "production"], env)).code).toBe(0);
    const other = app(bucket, (s) => s.replace("region: eu-west-2", "region: eu-central-1"));
    const run = await slipway(other, ["infra", "bootstrap", "-e", "production"], env);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`error[INFRA_BUCKET_UNAVAILABLE]: bucket ${bucket} is in eu-west-2, not eu-central-1 (infra.region)`);
    expect(run.stderr).toMatch(/hint: Set infra\.region/);
  });
});

const tool = ["tofu", "terraform"].find((t) => spawnSync("bash", ["-c", `command -v ${t}`]).status === 0);
const noPath = noMoto ?? (tool === undefined ? "neither tofu nor terraform is on PATH" : undefined);

describe.skipIf(noPath !== undefined)(`the path with a real ${tool ?? "tofu/terraform"}${noPath ? ` (skipped: ${noPath})` : ""}`, () => {
  let moto: Moto;
  let env: Record<string, string>;
  let s3: S3Client;

  beforeAll(async () => {
    moto = await startMoto();
    env = {
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_S3: moto.url,
      AWS_ENDPOINT_URL_STS: moto.url,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
      PATH: process.env.PATH ?? "",
      CHECKPOINT_DISABLE: "1",
      // moto answers on 127.0.0.1: path-style requests, and no account or region look-ups.
      TF_CLI_ARGS_init:
        "-backend-config=use_path_style=true -backend-config=skip_requesting_account_id=true -backend-config=skip_region_validation=true -backend-config=skip_metadata_api_check=true",
    };
    s3 = new S3Client({
      region: "eu-west-2",
      endpoint: moto.url,
      forcePathStyle: true,
      credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
    });
  }, 180_000);
  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });

  it("bootstrap → plan → apply of the saved plan with CI=true → render kubernetes and drift read the root's outputs", async () => {
    const bucket = "shop-tfstate-path";
    const dir = app(bucket);
    // A root with no provider (nothing to download): the S3 backend and the outputs the renderer emits.
    const root = join(dir, "infra", "production");
    mkdirSync(root, { recursive: true });
    writeFileSync(
      join(root, "main.tf"),
      `terraform {
  required_version = ">= 1.11.1"
  backend "s3" {}
}

output "region" { value = "eu-west-2" }
output "database_engine" { value = "postgres" }
output "database_endpoint" { value = "shop-production.cluster-path.eu-west-2.rds.amazonaws.com" }
output "database_port" { value = 5432 }
output "app_role_arn" { value = "arn:aws:iam::123456789012:role/shop-production" }
output "ecr_repository_url" { value = "123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop" }
`,
    );
    const tfEnv = env;
    expect((await slipway(dir, ["infra", "bootstrap", "-e", "production"], tfEnv)).code).toBe(0);
    // moto judges bucket policies on object requests without the request's context: it does not
    // know aws:SecureTransport, so the TLS-only Deny denies every object request there, HTTPS or
    // not (real S3 lets HTTPS through). The policy itself is proved by the bootstrap test above.
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));

    const plan = await slipway(dir, ["infra", "plan", "-e", "production"], tfEnv);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain("▸ ");
    expect(plan.stderr).toMatch(/Successfully configured the backend "s3"/);
    expect(plan.stderr).toMatch(/Changes to Outputs/);
    expect(existsSync(join(root, "tfplan"))).toBe(true);
    expect(plan.stdout).toContain("slipway infra apply -e production --plan");

    const refused = await slipway(dir, ["infra", "apply", "-e", "production"], { ...tfEnv, CI: "true" });
    expect(refused.code).toBe(2);
    const apply = await slipway(dir, ["infra", "apply", "-e", "production", "--plan", "infra/production/tfplan", "--json"], {
      ...tfEnv,
      CI: "true",
    });
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stderr).toMatch(/Apply complete!/);
    expect(apply.final?.result).toMatchObject({
      environment: "production",
      binary: tool,
      kubeconfig: ["aws", "eks", "update-kubeconfig", "--region", "eu-west-2", "--name", "shop-production"],
    });
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(objects.Contents?.map((o) => o.Key)).toContain("shop/production/terraform.tfstate");

    // No --infra: the environment has an infra block and an initialised root, so its outputs are read.
    const render = await slipway(dir, ["render", "kubernetes", "-e", "production"], tfEnv);
    expect(render.code, render.stderr).toBe(0);
    expect(render.stdout).toMatch(/- name: DB_HOST\n\s+value: shop-production\.cluster-path\.eu-west-2\.rds\.amazonaws\.com\n/);
    const drift = await slipway(dir, ["infra", "drift", "-e", "production"], tfEnv);
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(drift.stdout).toContain(`no drift: the spec agrees with ${tool} output -json in infra/production`);
    for (const run of [plan, apply, render, drift]) expect(run.stdout + run.stderr).not.toContain(secretKey);
  }, 300_000);
});
