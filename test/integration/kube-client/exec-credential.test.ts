/**
 * Exec credential plugins (what EKS, GKE and AKS kubeconfigs use) against the real test apiserver:
 * a small plugin script hands out a real ServiceAccount token; slipway runs it, renews the
 * credential when it expires or the server answers 401, and explains a missing or failing plugin.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { createKubeApi } from "../../../src/effects/kube/http-kube-api.js";
import { loadKubeconfig } from "../../../src/effects/kube/kubeconfig.js";
import { kubectlOk } from "../../cluster/kube.js";
import { createNamespace, type TestNamespace } from "../../cluster/namespace.js";

const kubeconfig = inject("kubeconfig");

let ns: TestNamespace;
let scratch: string;
let token: string;
let cluster: Record<string, unknown>;

// Prints an ExecCredential with the token in $DIR/token (and the expiry in $DIR/expires, if any);
// counts its runs and keeps the KUBERNETES_EXEC_INFO it was given.
const plugin = `#!/bin/sh
set -e
n=$(cat "$DIR/runs" 2>/dev/null || echo 0); echo $((n + 1)) > "$DIR/runs"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$DIR/exec-info.json"
if [ -f "$DIR/fail" ]; then cat "$DIR/fail" >&2; exit 3; fi
expires=""
if [ -f "$DIR/expires" ]; then expires=",\\"expirationTimestamp\\":\\"$(cat "$DIR/expires")\\""; fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"%s}}' "$(cat "$DIR/token")" "$expires"
`;

function writeKubeconfig(name: string, exec: Record<string, unknown>): string {
  const path = join(scratch, name);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster }],
      users: [{ name: "plugin-user", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", ...exec } } }],
      contexts: [{ name: "p", context: { cluster: "c", user: "plugin-user" } }],
      "current-context": "p",
    }),
  );
  return path;
}

const runs = () => Number(readFileSync(join(scratch, "runs"), "utf8"));

beforeAll(async () => {
  ns = await createNamespace(kubeconfig, { prefix: "kube-exec-cred" });
  await kubectlOk(kubeconfig, ["-n", ns.name, "create", "serviceaccount", "reader"]);
  await kubectlOk(kubeconfig, [
    "-n",
    ns.name,
    "create",
    "rolebinding",
    "reader",
    "--clusterrole=view",
    `--serviceaccount=${ns.name}:reader`,
  ]);
  token = (await kubectlOk(kubeconfig, ["-n", ns.name, "create", "token", "reader"])).trim();
  cluster =
    (parseYaml(readFileSync(kubeconfig, "utf8")) as { clusters: { cluster: Record<string, unknown> }[] }).clusters[0]?.cluster ?? {};
});

afterAll(async () => {
  await ns?.delete();
});

describe("exec credential plugins", () => {
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "slipway-exec-cred-"));
    writeFileSync(join(scratch, "plugin.sh"), plugin);
    chmodSync(join(scratch, "plugin.sh"), 0o755);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const reset = (files: Record<string, string>) => {
    for (const f of ["runs", "expires", "fail"]) rmSync(join(scratch, f), { force: true });
    writeFileSync(join(scratch, "token"), token);
    for (const [f, text] of Object.entries(files)) writeFileSync(join(scratch, f), text);
  };

  it("runs the plugin (a relative path, from the kubeconfig's folder) and uses its token; the plugin sees the cluster", async () => {
    reset({});
    const path = writeKubeconfig("k1", { command: "./plugin.sh", env: [{ name: "DIR", value: scratch }], provideClusterInfo: true });
    const api = createKubeApi(await loadKubeconfig(path));
    try {
      const pods = await api.list("v1", "Pod", ns.name);
      expect(pods.items).toEqual([]);
      expect(runs()).toBe(1);
      const info = JSON.parse(readFileSync(join(scratch, "exec-info.json"), "utf8"));
      expect(info).toMatchObject({ kind: "ExecCredential", spec: { interactive: false, cluster: { server: cluster.server } } });
      expect(info.spec.cluster["certificate-authority-data"]).toBe(cluster["certificate-authority-data"]);
      // The token's identity is the ServiceAccount's: view, not edit.
      await expect(
        api.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: ns.name } }, { fieldManager: "t" }),
      ).rejects.toMatchObject({ code: "KUBE_FORBIDDEN" });
    } finally {
      api.close();
    }
  });

  it("runs it again when its credential is about to expire", async () => {
    reset({ expires: new Date(Date.now() + 30_000).toISOString() });
    const path = writeKubeconfig("k2", { command: join(scratch, "plugin.sh"), env: [{ name: "DIR", value: scratch }] });
    const api = createKubeApi(await loadKubeconfig(path));
    try {
      expect(runs()).toBe(1);
      // 30 s left is inside the one-minute margin: renewed before each request.
      await api.list("v1", "Pod", ns.name);
      const afterFirst = runs();
      expect(afterFirst).toBeGreaterThan(1);
      await api.list("v1", "Pod", ns.name);
      expect(runs()).toBeGreaterThan(afterFirst);
    } finally {
      api.close();
    }
  });

  it("renews once on 401 (a revoked or stale token) and goes on", async () => {
    reset({});
    writeFileSync(join(scratch, "token"), "not-a-valid-token");
    const path = writeKubeconfig("k3", { command: join(scratch, "plugin.sh"), env: [{ name: "DIR", value: scratch }] });
    const api = createKubeApi(await loadKubeconfig(path));
    try {
      writeFileSync(join(scratch, "token"), token);
      expect((await api.list("v1", "Pod", ns.name)).items).toEqual([]);
      expect(runs()).toBe(2);
    } finally {
      api.close();
    }
  });

  it("a missing plugin is KUBECONFIG_EXEC_FAILED with the kubeconfig's install hint", async () => {
    const path = writeKubeconfig("k4", {
      command: "slipway-no-such-plugin",
      installHint: "Install the AWS CLI: https://aws.amazon.com/cli/",
    });
    await expect(loadKubeconfig(path)).rejects.toMatchObject({
      code: "KUBECONFIG_EXEC_FAILED",
      message: "exec plugin slipway-no-such-plugin: not found",
      hint: "Install the AWS CLI: https://aws.amazon.com/cli/",
    });
  });

  it("a failing plugin is KUBECONFIG_EXEC_FAILED with its last words", async () => {
    reset({ fail: "error: the SSO session has expired; run aws sso login\n" });
    const path = writeKubeconfig("k5", { command: join(scratch, "plugin.sh"), env: [{ name: "DIR", value: scratch }] });
    const error = await loadKubeconfig(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "KUBECONFIG_EXEC_FAILED" });
    expect((error as Error).message).toBe(
      `exec plugin ${join(scratch, "plugin.sh")}: exited with 3: error: the SSO session has expired; run aws sso login`,
    );
  });
});
