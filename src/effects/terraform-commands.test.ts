import { describe, expect, it } from "vitest";
import { applyArgv, findTerraform, initArgv, outputArgv, planArgv } from "./terraform-commands.js";

const backend = { bucket: "shop-tfstate-123456789012", key: "shop/production/terraform.tfstate", region: "eu-west-2" };

describe("tofu/terraform commands as data", () => {
  it("init: the spec's backend, encrypted, S3-native locking, never a prompt", () => {
    expect(initArgv("/usr/bin/tofu", backend, true)).toEqual([
      "/usr/bin/tofu",
      "init",
      "-input=false",
      "-no-color",
      "-backend-config=bucket=shop-tfstate-123456789012",
      "-backend-config=key=shop/production/terraform.tfstate",
      "-backend-config=region=eu-west-2",
      "-backend-config=encrypt=true",
      "-backend-config=use_lockfile=true",
    ]);
    expect(initArgv("tofu", backend, false)).not.toContain("-no-color");
  });

  it("plan saved to a file; apply of exactly that file, or Terraform's interactive apply without one", () => {
    expect(planArgv("terraform", "/w/infra/production/tfplan", false)).toEqual([
      "terraform",
      "plan",
      "-input=false",
      "-out=/w/infra/production/tfplan",
    ]);
    expect(applyArgv("terraform", "/w/tfplan", true)).toEqual(["terraform", "apply", "-input=false", "-no-color", "/w/tfplan"]);
    expect(applyArgv("terraform", undefined, false)).toEqual(["terraform", "apply"]);
    expect(outputArgv("tofu")).toEqual(["tofu", "output", "-json"]);
  });

  it("finds tofu before terraform, in PATH order, and nothing when neither is there", () => {
    const has = (files: string[]) => (f: string) => files.includes(f);
    expect(findTerraform("/a:/b", has(["/b/terraform", "/b/tofu"]))).toEqual({ name: "tofu", path: "/b/tofu" });
    expect(findTerraform("/a:/b", has(["/a/terraform"]))).toEqual({ name: "terraform", path: "/a/terraform" });
    expect(findTerraform("/a::/b", has([]))).toBeUndefined();
    expect(findTerraform(undefined, has(["/tofu"]))).toBeUndefined();
  });
});
