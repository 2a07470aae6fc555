/*
 * What `slipway infra plan|apply` and the outputs reader run, as argv arrays built by pure
 * functions (tested as exact arrays); src/effects/terraform.ts runs them in the environment's root.
 * Every command gets -input=false except an interactive apply, so a missing variable fails at once
 * instead of waiting on a prompt nobody sees in CI.
 */
import { delimiter, join } from "node:path";

/** The Terraform-compatible binaries slipway runs, in order of preference: OpenTofu first, then Terraform. */
export const terraformBinaries = ["tofu", "terraform"] as const;

export type TerraformBinary = (typeof terraformBinaries)[number];

/** The backend settings `init` passes, from the spec's infra block. */
export interface BackendSettings {
  bucket: string;
  key: string;
  region: string;
}

/**
 * The binary to run: the first of tofu, terraform found in PATH's folders (`isExecutable` tells),
 * as its full path, or undefined when neither is there.
 */
export function findTerraform(
  path: string | undefined,
  isExecutable: (file: string) => boolean,
): { name: TerraformBinary; path: string } | undefined {
  const dirs = (path ?? "").split(delimiter).filter((d) => d !== "");
  for (const name of terraformBinaries) {
    for (const dir of dirs) {
      const file = join(dir, name);
      if (isExecutable(file)) return { name, path: file };
    }
  }
  return undefined;
}

const colour = (noColor: boolean) => (noColor ? ["-no-color"] : []);

/**
 * `init` with the S3 backend the renderer generated, its bucket, key and region given again from the
 * spec so a root rendered before a spec change cannot point at another state; encryption and
 * S3-native locking (use_lockfile, no DynamoDB table) are always on.
 */
export function initArgv(bin: string, backend: BackendSettings, noColor: boolean): string[] {
  return [
    bin,
    "init",
    "-input=false",
    ...colour(noColor),
    `-backend-config=bucket=${backend.bucket}`,
    `-backend-config=key=${backend.key}`,
    `-backend-config=region=${backend.region}`,
    "-backend-config=encrypt=true",
    "-backend-config=use_lockfile=true",
  ];
}

/** `plan` saved to `planFile`, for a later `apply` of exactly that plan. */
export function planArgv(bin: string, planFile: string, noColor: boolean): string[] {
  return [bin, "plan", "-input=false", ...colour(noColor), `-out=${planFile}`];
}

/**
 * `apply`: of a saved plan file (no prompt: the plan was the review), or, without one, Terraform's
 * own interactive apply, which shows the plan and asks before it changes anything.
 */
export function applyArgv(bin: string, planFile: string | undefined, noColor: boolean): string[] {
  return planFile === undefined ? [bin, "apply", ...colour(noColor)] : [bin, "apply", "-input=false", ...colour(noColor), planFile];
}

/** The outputs as JSON (`{ name: { sensitive, type, value } }`). */
export function outputArgv(bin: string): string[] {
  return [bin, "output", "-json"];
}
