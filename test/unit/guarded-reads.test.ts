import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKubeconfig } from "../../src/effects/kube/kubeconfig.js";
import { loadLocalSecrets } from "../../src/effects/secrets.js";
import type { AppModel } from "../../src/model/app-model.js";
import { runCli } from "../helpers/run-cli.js";

/** Every reader of user files goes through the guarded reader: a FIFO or a device never blocks or floods it. */
describe("user files other than specs and check inputs (issue 13, item 4)", () => {
  const fifo = (path: string) => {
    execFileSync("mkfifo", [path]);
    return path;
  };

  it("init's detection skips a FIFO named package.json instead of waiting for a writer", { timeout: 10_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-init-fifo-"));
    fifo(join(dir, "package.json"));
    symlinkSync("/dev/zero", join(dir, "Gemfile"));
    const r = await runCli(["init", "--yes"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  });

  it("an env-file secret source that is a FIFO is INPUT_NOT_A_FILE", { timeout: 10_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-secrets-fifo-"));
    chmodSync(fifo(join(dir, "secrets.env")), 0o600);
    const model = { secrets: { names: ["API_KEY"], source: { kind: "env-file", path: "secrets.env" } } } as unknown as AppModel;
    await expect(loadLocalSecrets(model, dir, {})).rejects.toMatchObject({ code: "INPUT_NOT_A_FILE" });
  });

  it("a kubeconfig that is a FIFO or a symlink to /dev/zero is INPUT_NOT_A_FILE", { timeout: 10_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-kubeconfig-"));
    await expect(loadKubeconfig(fifo(join(dir, "config")))).rejects.toMatchObject({ code: "INPUT_NOT_A_FILE" });
    symlinkSync("/dev/zero", join(dir, "zero"));
    await expect(loadKubeconfig(join(dir, "zero"))).rejects.toMatchObject({ code: "INPUT_NOT_A_FILE" });
  });
});
