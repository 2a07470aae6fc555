/*
 * Runs tofu/terraform (argv from terraform-commands.ts) in an environment's Terraform root: with its
 * output streamed line by line to the caller as it comes, or captured (`output -json`). On an abort
 * (Ctrl-C, SIGTERM) the tool gets SIGINT, its own graceful stop, which releases the state lock.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { SlipwayError } from "../errors/slipway-error.js";
import { findTerraform, type TerraformBinary } from "./terraform-commands.js";

type Env = Readonly<Record<string, string | undefined>>;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The tofu or terraform binary on PATH; INFRA_NO_TERRAFORM with the install hint when there is none. */
export function requireTerraform(env: Env): { name: TerraformBinary; path: string } {
  const found = findTerraform(env.PATH, isExecutable);
  if (found) return found;
  throw new SlipwayError("INFRA_NO_TERRAFORM", "neither `tofu` nor `terraform` is on PATH", {
    hint: "Install OpenTofu (https://opentofu.org/docs/intro/install/) or Terraform ≥ 1.11 (https://developer.hashicorp.com/terraform/install) and run the command again; slipway runs whichever it finds, tofu first.",
  });
}

export interface TerraformRun {
  code: number;
  /** Captured stdout (only when `capture` was asked for). */
  stdout: string;
  /** The last lines of stderr, for an error message. */
  stderrTail: string;
}

export interface RunTerraformOptions {
  cwd: string;
  env: Env;
  /** Receives stdout and stderr as they come, when not captured. */
  stream?: (chunk: string) => void;
  /** Keep stdout instead of streaming it (`output -json`). */
  capture?: boolean;
  /** Lets the user answer Terraform's own prompt (interactive apply). */
  interactive?: boolean;
  signal?: AbortSignal;
}

export function runTerraform(argv: readonly string[], options: RunTerraformOptions): Promise<TerraformRun> {
  const [command, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, args, {
      cwd: options.cwd,
      env: { ...options.env, TF_IN_AUTOMATION: options.interactive ? undefined : "1" },
      stdio: [options.interactive ? "inherit" : "ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      if (options.capture) stdout += chunk;
      else options.stream?.(chunk);
    });
    child.stderr.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
      if (!options.capture) options.stream?.(chunk);
    });
    const onAbort = () => child.kill("SIGINT");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", (error) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(
        new SlipwayError("INFRA_COMMAND_FAILED", `could not run ${command}: ${error.message}`, {
          hint: "Check that the tofu/terraform binary on PATH can be run by this user.",
          cause: error,
        }),
      );
    });
    child.on("close", (code, signal) => {
      options.signal?.removeEventListener("abort", onAbort);
      const tail = stderr
        .split("\n")
        .filter((l) => l.trim() !== "")
        .slice(-8)
        .join("\n");
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderrTail: tail });
    });
  });
}
