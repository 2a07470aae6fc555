/*
 * `slipway build`'s effects: finding a container runtime, reading the source facts the tag and the
 * labels come from (git), running the build and the push through a Host, and reading the digest the
 * runtime wrote. The commands themselves are built in image-commands.ts.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { SlipwayError } from "../errors/slipway-error.js";
import { type EcrRegistry, ecrToken, loginArgv, removeAuthDir, temporaryAuthDir } from "./ecr-auth.js";
import type { Host } from "./host.js";
import { parseIgnoreRules } from "./ignore-rules.js";
import {
  type BuildRequest,
  buildArgv,
  type ContainerRuntime,
  digestFromFile,
  digestFromMetadata,
  pushArgv,
  runtimeProbes,
} from "./image-commands.js";

/**
 * The variables a build runs with: what the runtimes read (their config, socket, storage, proxies),
 * nothing else of slipway's environment; the app's secrets are never among them.
 */
const passedVariables = [
  "PATH",
  "HOME",
  "USER",
  "LANG",
  "TMPDIR",
  "XDG_RUNTIME_DIR",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "DOCKER_HOST",
  "DOCKER_CONFIG",
  "DOCKER_CONTEXT",
  "DOCKER_CERT_PATH",
  "DOCKER_TLS_VERIFY",
  "BUILDX_BUILDER",
  "BUILDKIT_PROGRESS",
  "CONTAINER_HOST",
  "CONTAINER_CONNECTION",
  "CONTAINERS_CONF",
  "CONTAINERS_STORAGE_CONF",
  "CONTAINERS_REGISTRIES_CONF",
  "REGISTRY_AUTH_FILE",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

/** The environment of the runtime's commands. */
export function buildEnv(env: Readonly<Record<string, string | undefined>>, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of passedVariables) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  out.PATH ??= "/usr/local/bin:/usr/bin:/bin";
  return { ...out, ...extra };
}

const probeTimeoutMs = 30_000;

/** The first runtime that answers: Docker with buildx, then Podman, then Buildah. BUILD_RUNTIME_MISSING when none does. */
export async function detectRuntime(host: Host, env: Record<string, string>, cwd: string): Promise<ContainerRuntime> {
  const tried: string[] = [];
  for (const probe of runtimeProbes) {
    const [command = "", ...args] = probe.argv;
    let result: Awaited<ReturnType<Host["run"]>>;
    try {
      result = await host.run({ command: [command, ...args], cwd, env, timeoutMs: probeTimeoutMs });
    } catch {
      tried.push(`${command}: not found`);
      continue;
    }
    if (result.exitCode === 0) {
      const version = result.lastLines.find((l) => l.trim() !== "")?.trim() ?? command;
      const reason = tried.length === 0 ? "found first" : `chosen because ${tried.join("; ")}`;
      return { kind: probe.kind, command, version, reason };
    }
    tried.push(
      probe.kind === "docker"
        ? "docker: no buildx plugin (`docker buildx version` failed)"
        : `${command}: \`${probe.argv.join(" ")}\` failed`,
    );
  }
  throw new SlipwayError("BUILD_RUNTIME_MISSING", `no container runtime to build with (${tried.join("; ")})`, {
    hint: "Install Docker with the buildx plugin, or Podman (Debian/Ubuntu: apt-get install -y podman), and make sure it is on PATH.",
  });
}

export interface SourceFacts {
  /** The commit at HEAD; undefined outside git. */
  commit: string | undefined;
  /** Set when the context differs from the commit (or there is no git): a hash of its content. */
  contextHash: string | undefined;
  /** The commit's time in seconds (SOURCE_DATE_EPOCH when set wins). */
  epoch: number;
  /** `git config remote.origin.url`, as git has it (sourceUrl strips credentials before use). */
  remote: string | undefined;
}

/**
 * The facts the tag and labels come from. In git: HEAD, its commit time, and when the context has
 * uncommitted changes (untracked files included, ignored ones not), the tree id git would give the
 * context if it were committed, computed in a throw-away index (the repository's own is untouched).
 * Outside git: a hash of the context's files, read the way .dockerignore says.
 */
export async function sourceFacts(
  host: Host,
  env: Record<string, string>,
  context: string,
  sourceDateEpoch: string | undefined,
): Promise<SourceFacts> {
  const git = async (args: string[], extraEnv: Record<string, string> = {}) => {
    try {
      const lines: string[] = [];
      const r = await host.run({
        command: ["git", ...args],
        cwd: context,
        env: { ...env, ...extraEnv, GIT_TERMINAL_PROMPT: "0" },
        timeoutMs: 60_000,
        onLine: (line, stream) => {
          if (stream === "stdout") lines.push(line);
        },
      });
      return r.exitCode === 0 ? lines : undefined;
    } catch {
      return undefined;
    }
  };
  const fixedEpoch = sourceDateEpoch !== undefined && /^\d+$/.test(sourceDateEpoch) ? Number(sourceDateEpoch) : undefined;
  const top = (await git(["rev-parse", "--show-toplevel"]))?.[0];
  const commit = top === undefined ? undefined : (await git(["rev-parse", "--verify", "-q", "HEAD"]))?.[0];
  if (top === undefined || commit === undefined) {
    return { commit: undefined, contextHash: await hashFolder(context), epoch: fixedEpoch ?? 0, remote: undefined };
  }
  const time = Number((await git(["log", "-1", "--format=%ct", "HEAD"]))?.[0] ?? "0");
  const remote = (await git(["config", "--get", "remote.origin.url"]))?.[0];
  const inContext = relative(top, context).split("\\").join("/") || ".";
  const status = await git(["status", "--porcelain", "--untracked-files=all", "--", "."]);
  let contextHash: string | undefined;
  if (status === undefined || status.length > 0) {
    const dir = await mkdtemp(join(tmpdir(), "slipway-build-index-"));
    try {
      const index = { GIT_INDEX_FILE: join(dir, "index") };
      const tree =
        (await git(["read-tree", "HEAD"], index)) && (await git(["add", "-A", "--", "."], index))
          ? (await git(["write-tree"], index))?.[0]
          : undefined;
      const sub = tree === undefined ? undefined : inContext === "." ? tree : (await git(["rev-parse", `${tree}:${inContext}`]))?.[0];
      contextHash = sub ?? (await hashFolder(context));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { commit, contextHash, epoch: fixedEpoch ?? time, remote };
}

/** sha256 over the context's file paths and contents, sorted, without what .dockerignore excludes. */
async function hashFolder(root: string): Promise<string> {
  let ignoreText = "";
  try {
    ignoreText = await readFile(join(root, ".dockerignore"), "utf8");
  } catch {
    // No .dockerignore: everything counts.
  }
  const rules = parseIgnoreRules(`${ignoreText}\n.git\n`, "dockerignore");
  const hash = createHash("sha256");
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(join(root, dir), { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!rules.ignores(path, true) || rules.mayIncludeUnder(path)) await walk(path);
      } else if (entry.isFile() && !rules.ignores(path, false)) {
        hash.update(`${path}\0`);
        hash.update(await readFile(join(root, path)));
        hash.update("\0");
      }
    }
  };
  await walk("");
  return `sha256:${hash.digest("hex")}`;
}

export interface BuiltImage {
  /** The local image ID (Podman/Buildah), when the runtime reports one. */
  imageId: string | undefined;
  /** The registry digest of what was pushed; undefined without a push. */
  digest: string | undefined;
}

const buildTimeoutMs = 60 * 60_000;

/**
 * Runs the build (and the push when asked). Output lines go to `onLine` as they come. A failing
 * build is BUILD_FAILED located at the Dockerfile's instruction that failed, when the output names it.
 */
export async function buildImage(
  host: Host,
  env: Record<string, string>,
  runtime: ContainerRuntime,
  request: Omit<BuildRequest, "outputFile">,
  options: {
    cwd: string;
    dockerfileText: string | undefined;
    dockerfileShown: string;
    onLine: (line: string) => void;
    signal?: AbortSignal;
    /** With a push to Amazon ECR: its registry, and where the token's secret forms go before anything prints. */
    ecr?: { registry: EcrRegistry; learn: (secrets: string[]) => void };
  },
): Promise<BuiltImage> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-build-"));
  let authDir: string | undefined;
  try {
    // ECR: log in before the build, so a missing credential fails in seconds, not after the build.
    let authEnv: Record<string, string> = {};
    if (request.push && options.ecr) {
      authDir = await temporaryAuthDir(runtime, env, options.ecr.registry.host);
      authEnv = await ecrLogin(host, env, runtime, options.ecr, authDir, options);
    }
    const outputFile = join(dir, runtime.kind === "docker" ? "metadata.json" : "iid");
    const output: string[] = [];
    const onLine = (line: string) => {
      output.push(line);
      if (output.length > 400) output.shift();
      options.onLine(line);
    };
    const runEnv = { ...env, SOURCE_DATE_EPOCH: String(request.epoch) };
    // Docker pushes in its build step; Podman's build keeps the user's logins (for its base images), its push uses slipway's.
    const buildEnv = runtime.kind === "docker" ? { ...runEnv, ...authEnv } : runEnv;
    const argv = buildArgv(runtime, { ...request, outputFile });
    const built = await host.run({
      command: argv,
      cwd: options.cwd,
      env: buildEnv,
      timeoutMs: buildTimeoutMs,
      onLine,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (options.signal?.aborted) throw interrupted(options.signal, request.ref, "build");
    if (built.exitCode !== 0) {
      const failed = failedInstruction(output, options.dockerfileText);
      const last = lastErrorLine(output);
      throw new SlipwayError(
        "BUILD_FAILED",
        `${runtime.kind} build of ${request.ref} failed${built.timedOut ? " (timed out)" : ` (exit ${built.exitCode ?? built.signal})`}${failed ? ` at ${failed.instruction}` : ""}${last ? `: ${last}` : ""}`,
        {
          ...(failed
            ? { location: { file: options.dockerfileShown, path: [], ...(failed.line === undefined ? {} : { line: failed.line }) } }
            : {}),
          hint: "The build's output is above; fix the Dockerfile (or the files it copies) and build again.",
        },
      );
    }
    const written = (await host.readText(outputFile)) ?? "";
    if (runtime.kind === "docker") {
      const digest = digestFromMetadata(written);
      if (request.push && digest === undefined) throw digestMissing(runtime, request.ref);
      return { imageId: undefined, digest: request.push ? digest : undefined };
    }
    const imageId = digestFromFile(written);
    if (!request.push) return { imageId, digest: undefined };
    const digestFile = join(dir, "digest");
    const push = pushArgv(runtime, request.ref, request.platforms, digestFile) ?? [];
    const pushed = await host.run({
      command: push,
      cwd: options.cwd,
      env: { ...runEnv, ...authEnv },
      timeoutMs: buildTimeoutMs,
      onLine,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (options.signal?.aborted) throw interrupted(options.signal, request.ref, "push");
    if (pushed.exitCode !== 0) {
      throw new SlipwayError(
        "BUILD_PUSH_FAILED",
        `${runtime.kind} push of ${request.ref} failed (exit ${pushed.exitCode ?? pushed.signal})${lastErrorLine(output) ? `: ${lastErrorLine(output)}` : ""}`,
        {
          hint: `Log in with the runtime's own command (\`${runtime.command} login REGISTRY\`; credentials stay in its config), or check the registry address in app.image.`,
        },
      );
    }
    const digest = digestFromFile((await host.readText(digestFile)) ?? "");
    if (digest === undefined) throw digestMissing(runtime, request.ref);
    return { imageId, digest };
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (authDir !== undefined) await removeAuthDir(authDir);
  }
}

/**
 * Logs the runtime in to ECR with a token from the AWS SDK, the password on stdin, into `authDir`;
 * returns the variables that make the build and push commands use that login.
 */
async function ecrLogin(
  host: Host,
  env: Record<string, string>,
  runtime: ContainerRuntime,
  ecr: { registry: EcrRegistry; learn: (secrets: string[]) => void },
  authDir: string,
  options: { cwd: string; onLine: (line: string) => void; signal?: AbortSignal },
): Promise<Record<string, string>> {
  const token = await ecrToken(ecr.registry, ecr.learn);
  const output: string[] = [];
  const login = await host.run({
    command: loginArgv(runtime, ecr.registry.host, authDir, token.username),
    cwd: options.cwd,
    env,
    input: `${token.password}\n`,
    timeoutMs: 120_000,
    onLine: (line) => {
      output.push(line);
      options.onLine(line);
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (login.exitCode !== 0) {
    const last = lastErrorLine(output);
    throw new SlipwayError(
      "BUILD_REGISTRY_AUTH",
      `${runtime.kind} login to ${ecr.registry.host} failed (exit ${login.exitCode ?? login.signal})${last ? `: ${last}` : ""}`,
      { hint: "The token came from AWS; check that the registry host in app.image is reachable from here (DNS, proxy variables)." },
    );
  }
  return runtime.kind === "docker" ? { DOCKER_CONFIG: authDir } : { REGISTRY_AUTH_FILE: join(authDir, "auth.json") };
}

function interrupted(signal: AbortSignal, ref: string, step: "build" | "push"): SlipwayError {
  return new SlipwayError(
    "BUILD_INTERRUPTED",
    `${step} of ${ref} interrupted by ${String(signal.reason)}; the ${step} command was stopped`,
    {
      hint:
        step === "push"
          ? "Nothing is deployed; build with --push again (layers already pushed are reused)."
          : "Nothing was pushed or deployed; build again when ready.",
    },
  );
}

function digestMissing(runtime: ContainerRuntime, ref: string): SlipwayError {
  return new SlipwayError("BUILD_PUSH_FAILED", `${runtime.kind} pushed ${ref} but reported no digest`, {
    hint: "slipway deploys images by digest only; check the runtime's version (Podman 4+, Docker with buildx 0.10+).",
  });
}

/** The last line of output that reads like an error. */
function lastErrorLine(output: readonly string[]): string | undefined {
  for (let i = output.length - 1; i >= 0; i--) {
    const line = output[i]?.trim() ?? "";
    if (/^(error|ERROR)\b|Error:/.test(line)) return line.length > 300 ? `${line.slice(0, 300)}…` : line;
  }
  return undefined;
}

/**
 * The Dockerfile instruction a build failed at: buildx names it (`Dockerfile:12`), Podman and Buildah
 * print each step (`STEP 3/5: RUN make`) and the failing one is the last; its line is found by its text.
 */
export function failedInstruction(
  output: readonly string[],
  dockerfile: string | undefined,
): { instruction: string; line: number | undefined } | undefined {
  for (let i = output.length - 1; i >= 0; i--) {
    const m = /(?:^|\s)Dockerfile:(\d+)\b/.exec(output[i] ?? "");
    if (m) {
      const line = Number(m[1]);
      const text = dockerfile?.split(/\r?\n/)[line - 1]?.trim();
      return { instruction: text ? `line ${line} (${text.slice(0, 80)})` : `line ${line}`, line };
    }
  }
  let step: string | undefined;
  for (const raw of output) {
    const m = /STEP \d+(?:\/\d+)?: (.+)$/.exec(raw);
    if (m?.[1]) step = m[1].trim();
  }
  if (step === undefined) return undefined;
  // The Dockerfile's instructions with their first lines, continuation lines joined as the builder joins them.
  const squash = (text: string) => text.replace(/\s+/g, " ").trim().toUpperCase();
  const wanted = squash(step);
  const lines = dockerfile?.split(/\r?\n/) ?? [];
  let line: number | undefined;
  for (let i = 0; i < lines.length && line === undefined; i++) {
    let text = lines[i] ?? "";
    let j = i;
    while (/\\\s*$/.test(text) && j + 1 < lines.length) text = `${text.replace(/\\\s*$/, " ")}${lines[++j]}`;
    const instruction = squash(text);
    if (instruction !== "" && (instruction === wanted || instruction.startsWith(wanted) || wanted.startsWith(instruction))) line = i + 1;
  }
  return { instruction: step.slice(0, 80), line };
}
