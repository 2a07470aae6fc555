/**
 * Locates the test tools that `test/cluster/build.sh` builds from the Go module proxy.
 *
 * The pinned versions live in one place, `test/cluster/versions.env` (plain KEY=value lines),
 * which build.sh sources and this module parses. The cache layout is
 * `${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test/<component>-<version>/bin/<binary>`.
 */
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type ToolName =
  | "helm"
  | "helm3"
  | "kubectl"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "etcd"
  | "kwok"
  | "kwokctl"
  | "kube-score"
  | "kubeconform"
  | "actionlint"
  | "polaris"
  | "kube-linter"
  | "registry"
  | "crane"
  | "caddy"
  | "zizmor"
  | "gitlab-ci-local"
  | "promtool"
  | "amtool";

/** Cache component (directory prefix) and the versions.env key of each tool. */
const TOOLS: Readonly<Record<ToolName, { component: string; versionKey: string }>> = {
  helm: { component: "helm", versionKey: "HELM_VERSION" },
  helm3: { component: "helm3", versionKey: "HELM3_VERSION" },
  kubectl: { component: "kubernetes", versionKey: "KUBERNETES_VERSION" },
  "kube-apiserver": { component: "kubernetes", versionKey: "KUBERNETES_VERSION" },
  "kube-controller-manager": { component: "kubernetes", versionKey: "KUBERNETES_VERSION" },
  "kube-scheduler": { component: "kubernetes", versionKey: "KUBERNETES_VERSION" },
  etcd: { component: "etcd", versionKey: "ETCD_VERSION" },
  kwok: { component: "kwok", versionKey: "KWOK_VERSION" },
  kwokctl: { component: "kwok", versionKey: "KWOK_VERSION" },
  "kube-score": { component: "kube-score", versionKey: "KUBE_SCORE_VERSION" },
  kubeconform: { component: "kubeconform", versionKey: "KUBECONFORM_VERSION" },
  actionlint: { component: "actionlint", versionKey: "ACTIONLINT_VERSION" },
  polaris: { component: "polaris", versionKey: "POLARIS_VERSION" },
  "kube-linter": { component: "kube-linter", versionKey: "KUBE_LINTER_VERSION" },
  registry: { component: "registry", versionKey: "GGCR_VERSION" },
  crane: { component: "crane", versionKey: "GGCR_VERSION" },
  caddy: { component: "caddy", versionKey: "CADDY_VERSION" },
  zizmor: { component: "zizmor", versionKey: "ZIZMOR_VERSION" },
  "gitlab-ci-local": { component: "gitlab-ci-local", versionKey: "GITLAB_CI_LOCAL_VERSION" },
  promtool: { component: "promtool", versionKey: "PROMETHEUS_VERSION" },
  amtool: { component: "amtool", versionKey: "ALERTMANAGER_VERSION" },
};

export const VERSIONS_FILE: string = fileURLToPath(new URL("../cluster/versions.env", import.meta.url));

let cachedVersions: Readonly<Record<string, string>> | undefined;

/** The pinned versions from test/cluster/versions.env, e.g. `{ KUBERNETES_VERSION: 'v1.36.3' }`. */
export function toolVersions(): Readonly<Record<string, string>> {
  if (cachedVersions === undefined) {
    const out: Record<string, string> = {};
    for (const raw of readFileSync(VERSIONS_FILE, "utf8").split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) continue;
      const m = /^([A-Z][A-Z0-9_]*)=(\S*)$/.exec(line);
      if (m === null) {
        throw new Error(`${VERSIONS_FILE}: not a plain KEY=value line: ${JSON.stringify(raw)}`);
      }
      const [, key, value] = m as unknown as [string, string, string];
      out[key] = value;
    }
    cachedVersions = Object.freeze(out);
  }
  return cachedVersions;
}

/** `${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test`, as in build.sh. */
export function cacheRoot(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg !== undefined && xdg !== "" ? xdg : join(process.env.HOME ?? homedir(), ".cache");
  return join(base, "slipway-test");
}

/** The cache directory of a component at its pinned version, or undefined if it is not pinned. */
export function componentDir(name: ToolName): string | undefined {
  const { component, versionKey } = TOOLS[name];
  const version = toolVersions()[versionKey];
  if (version === undefined || version === "") return undefined;
  return join(cacheRoot(), `${component}-${version}`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Directory of the offline kubeconform schemas generated from the Kubernetes OpenAPI document
 * (build.sh linters), or undefined when missing. Use it as
 * `kubeconform -schema-location <dir> -kubernetes-version <KUBERNETES_VERSION without "v"> [-strict]`.
 */
export function kubeconformSchemaDir(): string | undefined {
  const version = toolVersions().KUBERNETES_VERSION;
  if (version === undefined) return undefined;
  const dir = join(cacheRoot(), `kubeconform-schemas-${version}`);
  return isReadable(join(dir, `${version}-standalone`, "deployment-apps-v1.json")) ? dir : undefined;
}

function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the cached binary, or undefined when it has not been built. */
export function toolPath(name: ToolName): string | undefined {
  const dir = componentDir(name);
  if (dir === undefined) return undefined;
  const path = join(dir, "bin", name);
  return isExecutable(path) ? path : undefined;
}

/** Like toolPath, but throws with the command that builds the tool. */
export function requireTool(name: ToolName): string {
  const path = toolPath(name);
  if (path === undefined) {
    const { component } = TOOLS[name];
    const group = ["kube-score", "kubeconform", "actionlint", "polaris", "kube-linter"].includes(component)
      ? "linters"
      : component === "helm3"
        ? "helm"
        : component === "crane"
          ? "registry"
          : component === "promtool" || component === "amtool"
            ? "prometheus"
            : component;
    throw new Error(`${name} is not built: run \`bash test/cluster/build.sh ${group}\``);
  }
  return path;
}
