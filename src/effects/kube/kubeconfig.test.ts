import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { KubeError } from "./kube-error.js";
import { loadKubeconfig } from "./kubeconfig.js";

let dir: string;
const b64 = (s: string) => Buffer.from(s).toString("base64");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "slipway-kubeconfig-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, doc: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof doc === "string" ? doc : stringify(doc));
  return path;
}

const config = {
  apiVersion: "v1",
  kind: "Config",
  "current-context": "a",
  clusters: [
    { name: "ca", cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": b64("CA PEM") } },
    { name: "cb", cluster: { server: "https://kube.example:443", "certificate-authority": "ca.pem", "tls-server-name": "kube" } },
  ],
  users: [
    { name: "ua", user: { "client-certificate-data": b64("CERT PEM"), "client-key-data": b64("KEY PEM") } },
    { name: "ub", user: { tokenFile: "token" } },
    { name: "uexec", user: { exec: { command: "aws" } } },
  ],
  contexts: [
    { name: "a", context: { cluster: "ca", user: "ua" } },
    { name: "b", context: { cluster: "cb", user: "ub", namespace: "prod" } },
    { name: "exec", context: { cluster: "ca", user: "uexec" } },
    { name: "dangling", context: { cluster: "nope", user: "ua" } },
  ],
};

describe("loadKubeconfig", () => {
  it("resolves the current context with inline certificate data", async () => {
    const path = await write("a.yaml", config);
    expect(await loadKubeconfig(path)).toEqual({
      context: "a",
      server: "https://127.0.0.1:6443",
      ca: "CA PEM",
      clientCertificate: "CERT PEM",
      clientKey: "KEY PEM",
    });
  });

  it("reads file references relative to the kubeconfig, and a token file", async () => {
    await writeFile(join(dir, "ca.pem"), "FILE CA");
    await writeFile(join(dir, "token"), "s3cr3t\n");
    const path = await write("b.yaml", config);
    expect(await loadKubeconfig(path, "b")).toEqual({
      context: "b",
      server: "https://kube.example:443",
      namespace: "prod",
      ca: "FILE CA",
      tlsServerName: "kube",
      token: "s3cr3t",
    });
  });

  it.each([
    ["missing file", "nope.yaml", undefined, "KUBECONFIG_NOT_FOUND", /nope\.yaml: cannot be read$/],
    ["unknown context", "a.yaml", "zzz", "KUBECONFIG_CONTEXT_NOT_FOUND", /no context named "zzz"$/],
    ["exec plugin without apiVersion", "a.yaml", "exec", "KUBECONFIG_INVALID", /user "uexec": exec apiVersion null is not supported/],
    ["dangling cluster", "a.yaml", "dangling", "KUBECONFIG_INVALID", /refers to cluster "nope", which is not defined$/],
  ])("%s → %s", async (_what, file, context, code, message) => {
    await write("a.yaml", config);
    const error = (await loadKubeconfig(join(dir, file), context).catch((e: unknown) => e)) as KubeError;
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it("names the known contexts in the hint", async () => {
    const path = await write("a.yaml", config);
    const error = (await loadKubeconfig(path, "zzz").catch((e: unknown) => e)) as KubeError;
    expect(error.hint).toBe("Known contexts: a, b, exec, dangling.");
  });

  it("refuses YAML that is not a kubeconfig", async () => {
    const bad = await write("bad.yaml", "a: [\n");
    expect(((await loadKubeconfig(bad).catch((e: unknown) => e)) as KubeError).code).toBe("KUBECONFIG_INVALID");
    const none = await write("none.yaml", { clusters: [] });
    expect(((await loadKubeconfig(none).catch((e: unknown) => e)) as KubeError).code).toBe("KUBECONFIG_CONTEXT_NOT_FOUND");
  });
});

describe("loadKubeconfig with a KUBECONFIG list", () => {
  it("merges files as kubectl does: first current-context and first definition of a name win; missing files are skipped", async () => {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "eks"), { recursive: true });
    await writeFile(join(dir, "eks", "ca.pem"), "EKS CA");
    const first = await write("first.yaml", {
      "current-context": "eks",
      clusters: [{ name: "ca", cluster: { server: "https://first.example", "certificate-authority-data": b64("FIRST CA") } }],
      users: [],
      contexts: [],
    });
    const second = await write("eks/config", {
      "current-context": "ignored",
      clusters: [
        { name: "ca", cluster: { server: "https://shadowed.example" } },
        { name: "eks", cluster: { server: "https://eks.example", "certificate-authority": "ca.pem" } },
      ],
      users: [{ name: "deployer", user: { token: "t0ken" } }],
      contexts: [
        { name: "eks", context: { cluster: "eks", user: "deployer", namespace: "shop" } },
        { name: "local", context: { cluster: "ca", user: "deployer" } },
      ],
    });
    const list = [first, join(dir, "does-not-exist"), second];
    // The CA file path is relative to eks/config, where that cluster is defined.
    expect(await loadKubeconfig(list)).toEqual({
      context: "eks",
      server: "https://eks.example",
      namespace: "shop",
      ca: "EKS CA",
      token: "t0ken",
    });
    expect(await loadKubeconfig(list, "local")).toMatchObject({ server: "https://first.example", ca: "FIRST CA" });
  });

  it("says so when none of the listed files exists", async () => {
    const error = (await loadKubeconfig([join(dir, "x"), join(dir, "y")]).catch((e: unknown) => e)) as KubeError;
    expect(error.code).toBe("KUBECONFIG_NOT_FOUND");
    expect(error.message).toMatch(/none of these files exists$/);
  });
});
