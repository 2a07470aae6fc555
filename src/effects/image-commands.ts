/*
 * The commands `slipway build` runs, as data: argv arrays built by pure functions, so a unit test
 * compares them and the effects that run them (image-build.ts) hold no command text. No function
 * here takes a password: registry credentials stay in the runtime's own configuration
 * (~/.docker/config.json, Podman's auth.json, a credential helper).
 */

/** The container build tool found on this machine. */
export type RuntimeKind = "docker" | "podman" | "buildah";

export interface ContainerRuntime {
  kind: RuntimeKind;
  /** The executable, as found on PATH. */
  command: string;
  /** Its version line, e.g. "podman version 4.3.1". */
  version: string;
  /** Why this one was chosen, in words (what was looked for before it). */
  reason: string;
}

/** The probes of runtime detection, in order: Docker only counts with buildx. */
export const runtimeProbes: readonly { kind: RuntimeKind; argv: readonly string[] }[] = [
  { kind: "docker", argv: ["docker", "buildx", "version"] },
  { kind: "podman", argv: ["podman", "--version"] },
  { kind: "buildah", argv: ["buildah", "--version"] },
];

/** OCI image labels slipway sets (https://github.com/opencontainers/image-spec/blob/main/annotations.md). */
export interface ImageFacts {
  /** Where the source lives (a repository URL without credentials); omitted when unknown. */
  source: string | undefined;
  /** The git commit; omitted without git. */
  revision: string | undefined;
  /** The commit time (or SOURCE_DATE_EPOCH), seconds since the epoch: the image's creation time. */
  epoch: number;
}

/** The OCI labels of an image, in a fixed order. */
export function imageLabels(facts: ImageFacts): [string, string][] {
  const labels: [string, string][] = [["org.opencontainers.image.created", new Date(facts.epoch * 1000).toISOString()]];
  if (facts.revision !== undefined) labels.push(["org.opencontainers.image.revision", facts.revision]);
  if (facts.source !== undefined) labels.push(["org.opencontainers.image.source", facts.source]);
  return labels;
}

/**
 * The content-derived tag: the commit (12 hex digits) when the context is as committed; with
 * uncommitted changes, `<commit>-dirty-<hash of the context's content>`; without git, `ctx-<hash>`.
 * The same files give the same tag.
 */
export function contentTag(facts: { commit: string | undefined; contextHash: string | undefined }): string {
  const short = (hash: string) => hash.replace(/^sha256:/, "").slice(0, 12);
  if (facts.commit === undefined) return `ctx-${short(facts.contextHash ?? "")}`;
  return facts.contextHash === undefined ? short(facts.commit) : `${short(facts.commit)}-dirty-${short(facts.contextHash)}`;
}

/** A repository URL as a label value: credentials and `.git` dropped, scp-style git@host:path made https. */
export function sourceUrl(remote: string | undefined): string | undefined {
  if (remote === undefined || remote.trim() === "") return undefined;
  let url = remote.trim();
  const scp = /^[\w.-]+@([\w.-]+):(?!\/\/)(.+)$/.exec(url);
  if (scp) url = `https://${scp[1]}/${scp[2]}`;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:" && parsed.protocol !== "ssh:") return undefined;
    if (parsed.protocol === "http:") return `http://${parsed.host}${parsed.pathname}`.replace(/\.git$/, "").replace(/\/$/, "");
    // Host and path only: no user, password, query or fragment; ssh:// becomes https://.
    return `https://${parsed.host}${parsed.pathname}`.replace(/\.git$/, "").replace(/\/$/, "");
  } catch {
    return undefined;
  }
}

export interface BuildRequest {
  /** The build context folder, absolute. */
  context: string;
  /** The Dockerfile, absolute. */
  dockerfile: string;
  /** repository:tag. */
  ref: string;
  platforms: readonly string[];
  labels: readonly [string, string][];
  /** SOURCE_DATE_EPOCH: file and config times in the image. */
  epoch: number;
  push: boolean;
  /** Where the runtime writes the image ID (Podman, Buildah) or its build metadata (Docker). */
  outputFile: string;
}

/**
 * The build command. Podman and Buildah (`build` is buildah's `bud`): `--timestamp` makes the image
 * reproducible (layer and config times; they take no SOURCE_DATE_EPOCH build argument), several platforms build a manifest list named `ref`.
 * Docker: `buildx build` with the image's digest in the metadata file; it pushes in the same step
 * (`--push`), or loads a single-platform image into the local store.
 */
export function buildArgv(runtime: Pick<ContainerRuntime, "kind" | "command">, request: BuildRequest): string[] {
  const labels = request.labels.flatMap(([k, v]) => ["--label", `${k}=${v}`]);
  const epoch = String(request.epoch);
  const platforms = request.platforms.join(",");
  if (runtime.kind === "docker") {
    return [
      runtime.command,
      "buildx",
      "build",
      "--file",
      request.dockerfile,
      "--tag",
      request.ref,
      "--platform",
      platforms,
      ...labels,
      "--build-arg",
      `SOURCE_DATE_EPOCH=${epoch}`,
      "--provenance=false",
      "--metadata-file",
      request.outputFile,
      request.push ? "--push" : "--load",
      request.context,
    ];
  }
  const several = request.platforms.length > 1;
  return [
    runtime.command,
    "build",
    "--file",
    request.dockerfile,
    ...(several ? ["--manifest", request.ref] : ["--tag", request.ref]),
    "--platform",
    platforms,
    ...labels,
    "--timestamp",
    epoch,
    "--iidfile",
    request.outputFile,
    request.context,
  ];
}

/**
 * The push command, with the pushed manifest's digest written to `digestFile`; undefined for Docker,
 * whose build pushes. Several platforms push the manifest list with every image in it.
 */
export function pushArgv(
  runtime: Pick<ContainerRuntime, "kind" | "command">,
  ref: string,
  platforms: readonly string[],
  digestFile: string,
): string[] | undefined {
  if (runtime.kind === "docker") return undefined;
  if (platforms.length > 1) return [runtime.command, "manifest", "push", "--all", "--digestfile", digestFile, ref, `docker://${ref}`];
  return [runtime.command, "push", "--digestfile", digestFile, ref];
}

/** The digest in a `docker buildx build --metadata-file` file (`containerimage.digest`), or undefined. */
export function digestFromMetadata(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const digest = parsed["containerimage.digest"];
    return typeof digest === "string" && /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : undefined;
  } catch {
    return undefined;
  }
}

/** A `--digestfile`/`--iidfile` value as `sha256:<64 hex>`, or undefined. */
export function digestFromFile(text: string): string | undefined {
  const value = text.trim();
  if (/^sha256:[a-f0-9]{64}$/.test(value)) return value;
  if (/^[a-f0-9]{64}$/.test(value)) return `sha256:${value}`;
  return undefined;
}
