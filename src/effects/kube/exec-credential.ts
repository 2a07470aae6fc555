/**
 * Exec credential plugins (kubeconfig `users[].user.exec`): what `aws eks update-kubeconfig`,
 * `gke-gcloud-auth-plugin` and `kubelogin` write. slipway runs the command with
 * KUBERNETES_EXEC_INFO set, reads the ExecCredential it prints, and runs it again when the
 * credential expires or the API server answers 401.
 */
import { execFile } from "node:child_process";
import { isAbsolute, resolve } from "node:path";
import { KubeError } from "./kube-error.js";

const API_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"] as const;

/** The `exec` stanza of a kubeconfig user, checked. */
export interface ExecConfig {
  apiVersion: (typeof API_VERSIONS)[number];
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  installHint: string | undefined;
  provideClusterInfo: boolean;
  /** `Never` / `IfAvailable` / `Always` (slipway never gives a plugin a terminal). */
  interactiveMode: string;
}

/** What a plugin returned. */
export interface ExecCredentials {
  token?: string;
  clientCertificate?: string;
  clientKey?: string;
  /** Milliseconds since the epoch; undefined: valid until the server says otherwise. */
  expiresAt?: number;
}

/** The cluster as the plugin may see it (`provideClusterInfo: true`). */
export interface ExecClusterInfo {
  server: string;
  "certificate-authority-data"?: string;
  "insecure-skip-tls-verify"?: boolean;
  "tls-server-name"?: string;
  config?: unknown;
}

type Doc = Record<string, unknown>;

const isRecord = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates a kubeconfig `exec` stanza. Pure. */
export function parseExecConfig(where: string, raw: unknown): ExecConfig {
  const bad = (what: string) => new KubeError("KUBECONFIG_INVALID", `${where}: exec ${what}`);
  if (!isRecord(raw)) throw bad("is not a mapping");
  const apiVersion = raw.apiVersion;
  if (typeof apiVersion !== "string" || !(API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw new KubeError(
      "KUBECONFIG_INVALID",
      `${where}: exec apiVersion ${JSON.stringify(apiVersion ?? null)} is not supported (use ${API_VERSIONS.join(" or ")})`,
      { hint: "Regenerate the kubeconfig with a current CLI (e.g. `aws eks update-kubeconfig`)." },
    );
  }
  if (typeof raw.command !== "string" || raw.command === "") throw bad("has no command");
  const args = raw.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) throw bad("args must be a list of strings");
  const env = raw.env ?? [];
  if (!Array.isArray(env) || !env.every((e) => isRecord(e) && typeof e.name === "string" && typeof e.value === "string")) {
    throw bad("env must be a list of {name, value}");
  }
  const interactiveMode = typeof raw.interactiveMode === "string" ? raw.interactiveMode : "IfAvailable";
  if (interactiveMode === "Always") {
    throw new KubeError(
      "KUBECONFIG_AUTH_UNSUPPORTED",
      `${where}: exec plugin ${raw.command} needs an interactive terminal (interactiveMode: Always)`,
      {
        hint: "Log in first so the plugin can answer without asking (or use a kubeconfig with a token), then run slipway again.",
      },
    );
  }
  return {
    apiVersion: apiVersion as ExecConfig["apiVersion"],
    command: raw.command,
    args: args as string[],
    env: env as { name: string; value: string }[],
    installHint: typeof raw.installHint === "string" ? raw.installHint.trim() : undefined,
    provideClusterInfo: raw.provideClusterInfo === true,
    interactiveMode,
  };
}

/** Reads the ExecCredential a plugin printed. Pure. */
export function parseExecOutput(command: string, stdout: string): ExecCredentials {
  const bad = (what: string) =>
    new KubeError("KUBECONFIG_EXEC_FAILED", `exec plugin ${command}: ${what}`, {
      hint: "Run the command by hand to see what it prints; it must print an ExecCredential (client.authentication.k8s.io).",
    });
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw bad("did not print JSON");
  }
  if (!isRecord(doc) || doc.kind !== "ExecCredential") throw bad("did not print an ExecCredential");
  const status = doc.status;
  if (!isRecord(status)) throw bad("printed an ExecCredential without status");
  const out: ExecCredentials = {};
  if (typeof status.token === "string" && status.token !== "") out.token = status.token;
  const cert = status.clientCertificateData;
  const key = status.clientKeyData;
  if ((typeof cert === "string") !== (typeof key === "string")) throw bad("printed a client certificate or key but not both");
  if (typeof cert === "string" && typeof key === "string") {
    out.clientCertificate = cert;
    out.clientKey = key;
  }
  if (out.token === undefined && out.clientCertificate === undefined) throw bad("printed neither a token nor a client certificate");
  if (typeof status.expirationTimestamp === "string") {
    const at = Date.parse(status.expirationTimestamp);
    if (Number.isNaN(at)) throw bad(`printed an expirationTimestamp that is not a time: ${status.expirationTimestamp}`);
    out.expiresAt = at;
  }
  return out;
}

/**
 * Runs the plugin (a relative command path with a slash is taken from the kubeconfig's folder, as
 * kubectl does) and returns its credentials. Never interactive: stdin is closed.
 */
export function runExecPlugin(
  exec: ExecConfig,
  kubeconfigDir: string,
  cluster: ExecClusterInfo,
  baseEnv: NodeJS.ProcessEnv = process.env,
  timeoutMs = 60_000,
): Promise<ExecCredentials> {
  const command = exec.command.includes("/") && !isAbsolute(exec.command) ? resolve(kubeconfigDir, exec.command) : exec.command;
  const info = {
    apiVersion: exec.apiVersion,
    kind: "ExecCredential",
    spec: { interactive: false, ...(exec.provideClusterInfo ? { cluster } : {}) },
  };
  const env: NodeJS.ProcessEnv = { ...baseEnv, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const e of exec.env) env[e.name] = e.value;
  return new Promise((done, fail) => {
    const child = execFile(command, exec.args, { env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
        const lastLines = stderr.trim().split("\n").slice(-3).join(" | ");
        fail(
          new KubeError(
            "KUBECONFIG_EXEC_FAILED",
            missing
              ? `exec plugin ${exec.command}: not found`
              : `exec plugin ${exec.command}: ${error.killed ? `no answer within ${timeoutMs} ms` : `exited with ${error.code ?? error.signal}`}${lastLines ? `: ${lastLines}` : ""}`,
            {
              cause: error,
              hint: missing
                ? (exec.installHint ?? `Install ${exec.command} (the kubeconfig runs it to get credentials), or put it on PATH.`)
                : "Run the command by hand: its login or credentials may have expired.",
            },
          ),
        );
        return;
      }
      try {
        done(parseExecOutput(exec.command, stdout));
      } catch (e) {
        fail(e);
      }
    });
    child.stdin?.end();
  });
}
