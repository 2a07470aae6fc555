import { describe, expect, it } from "vitest";
import { dockerignoreFindings } from "./dockerignore-check.js";
import { failedInstruction } from "./image-build.js";
import { buildArgv, contentTag, digestFromFile, digestFromMetadata, imageLabels, pushArgv, sourceUrl } from "./image-commands.js";

const request = {
  context: "/src/app",
  dockerfile: "/src/app/Dockerfile",
  ref: "registry.example.com/shop:0123456789ab",
  platforms: ["linux/amd64"],
  labels: [
    ["org.opencontainers.image.created", "2026-01-02T03:04:05.000Z"],
    ["org.opencontainers.image.revision", "0123456789abcdef"],
  ] as [string, string][],
  epoch: 1767323045,
  push: true,
  outputFile: "/tmp/out",
};

describe("buildArgv", () => {
  it("podman: --tag, --timestamp from the commit time, the image ID to a file, no push in the build", () => {
    expect(buildArgv({ kind: "podman", command: "podman" }, request)).toEqual([
      "podman",
      "build",
      "--file",
      "/src/app/Dockerfile",
      "--tag",
      "registry.example.com/shop:0123456789ab",
      "--platform",
      "linux/amd64",
      "--label",
      "org.opencontainers.image.created=2026-01-02T03:04:05.000Z",
      "--label",
      "org.opencontainers.image.revision=0123456789abcdef",
      "--timestamp",
      "1767323045",
      "--iidfile",
      "/tmp/out",
      "/src/app",
    ]);
  });

  it("podman with several platforms builds a manifest list named by the ref", () => {
    const argv = buildArgv({ kind: "podman", command: "podman" }, { ...request, platforms: ["linux/amd64", "linux/arm64"] });
    expect(argv.slice(4, 8)).toEqual(["--manifest", "registry.example.com/shop:0123456789ab", "--platform", "linux/amd64,linux/arm64"]);
  });

  it("buildah takes the same flags", () => {
    expect(buildArgv({ kind: "buildah", command: "buildah" }, request)).toEqual([
      "buildah",
      ...buildArgv({ kind: "podman", command: "podman" }, request).slice(1),
    ]);
  });

  it("docker: buildx with SOURCE_DATE_EPOCH, no provenance, the digest in a metadata file, --push or --load", () => {
    expect(buildArgv({ kind: "docker", command: "docker" }, request)).toEqual([
      "docker",
      "buildx",
      "build",
      "--file",
      "/src/app/Dockerfile",
      "--tag",
      "registry.example.com/shop:0123456789ab",
      "--platform",
      "linux/amd64",
      "--label",
      "org.opencontainers.image.created=2026-01-02T03:04:05.000Z",
      "--label",
      "org.opencontainers.image.revision=0123456789abcdef",
      "--build-arg",
      "SOURCE_DATE_EPOCH=1767323045",
      "--provenance=false",
      "--metadata-file",
      "/tmp/out",
      "--push",
      "/src/app",
    ]);
    expect(buildArgv({ kind: "docker", command: "docker" }, { ...request, push: false })).toContain("--load");
  });

  it("no argv carries a credential flag", () => {
    for (const kind of ["docker", "podman", "buildah"] as const) {
      const all = [
        ...buildArgv({ kind, command: kind }, request),
        ...(pushArgv({ kind, command: kind }, request.ref, ["linux/amd64"], "/tmp/d") ?? []),
      ];
      expect(all.filter((a) => /^--(creds|password|username)/.test(a))).toEqual([]);
    }
  });
});

describe("pushArgv", () => {
  it("podman pushes with --digestfile; a manifest list with every image; docker pushes in its build", () => {
    expect(pushArgv({ kind: "podman", command: "podman" }, "r.example/a:t", ["linux/amd64"], "/tmp/d")).toEqual([
      "podman",
      "push",
      "--digestfile",
      "/tmp/d",
      "r.example/a:t",
    ]);
    expect(pushArgv({ kind: "podman", command: "podman" }, "r.example/a:t", ["linux/amd64", "linux/arm64"], "/tmp/d")).toEqual([
      "podman",
      "manifest",
      "push",
      "--all",
      "--digestfile",
      "/tmp/d",
      "r.example/a:t",
      "docker://r.example/a:t",
    ]);
    expect(pushArgv({ kind: "docker", command: "docker" }, "r.example/a:t", ["linux/amd64"], "/tmp/d")).toBeUndefined();
  });
});

describe("tags, labels and digests", () => {
  const commit = "0123456789abcdef0123456789abcdef01234567";
  it("contentTag: the commit when clean, commit-dirty-hash with changes, ctx-hash without git", () => {
    expect(contentTag({ commit, contextHash: undefined })).toBe("0123456789ab");
    expect(contentTag({ commit, contextHash: "fedcba9876543210fedcba9876543210fedcba98" })).toBe("0123456789ab-dirty-fedcba987654");
    expect(contentTag({ commit: undefined, contextHash: `sha256:${"e".repeat(64)}` })).toBe(`ctx-${"e".repeat(12)}`);
  });

  it("imageLabels: created from the epoch, revision and source when known", () => {
    expect(imageLabels({ source: "https://github.com/acme/shop", revision: commit, epoch: 0 })).toEqual([
      ["org.opencontainers.image.created", "1970-01-01T00:00:00.000Z"],
      ["org.opencontainers.image.revision", commit],
      ["org.opencontainers.image.source", "https://github.com/acme/shop"],
    ]);
    expect(imageLabels({ source: undefined, revision: undefined, epoch: 1 })).toEqual([
      ["org.opencontainers.image.created", "1970-01-01T00:00:01.000Z"],
    ]);
  });

  it("sourceUrl drops credentials and .git, turns scp-style remotes into https, refuses file paths", () => {
    expect(sourceUrl("https://user:ghp_secret123@github.com/acme/shop.git")).toBe("https://github.com/acme/shop");
    expect(sourceUrl("git@github.com:acme/shop.git")).toBe("https://github.com/acme/shop");
    expect(sourceUrl("ssh://git@gitlab.example.com/acme/shop.git")).toBe("https://gitlab.example.com/acme/shop");
    expect(sourceUrl("/srv/git/shop")).toBeUndefined();
    expect(sourceUrl(undefined)).toBeUndefined();
  });

  it("digests are read only in their exact form", () => {
    const hex = "a".repeat(64);
    expect(digestFromFile(`sha256:${hex}\n`)).toBe(`sha256:${hex}`);
    expect(digestFromFile(hex)).toBe(`sha256:${hex}`);
    expect(digestFromFile("sha256:short")).toBeUndefined();
    expect(digestFromMetadata(JSON.stringify({ "containerimage.digest": `sha256:${hex}` }))).toBe(`sha256:${hex}`);
    expect(digestFromMetadata("{not json")).toBeUndefined();
  });
});

describe("failedInstruction", () => {
  const dockerfile = 'FROM base\nWORKDIR /app\nCOPY . .\nRUN make \\\n  all\nCMD ["./app"]\n';
  it("Podman: the last STEP printed, found in the Dockerfile by its text", () => {
    const output = [
      "STEP 1/5: FROM base",
      "STEP 2/5: WORKDIR /app",
      "STEP 3/5: COPY . .",
      "STEP 4/5: RUN make   all",
      "make: *** no rule",
      "Error: building at STEP",
    ];
    expect(failedInstruction(output, dockerfile)).toEqual({ instruction: "RUN make   all", line: 4 });
  });
  it("buildx: the Dockerfile:N it names", () => {
    expect(failedInstruction(["#8 ERROR: process did not complete", "Dockerfile:4", "ERROR: failed to solve"], dockerfile)).toEqual({
      instruction: "line 4 (RUN make \\)",
      line: 4,
    });
  });
  it("nothing to go by: undefined", () => {
    expect(failedInstruction(["Error: no such file"], dockerfile)).toBeUndefined();
  });
});

describe("dockerignoreFindings", () => {
  it("no .dockerignore is high", () => {
    expect(dockerignoreFindings(undefined, ".dockerignore")).toMatchObject([{ ruleId: "SLW-BUILD-001", severity: "high" }]);
  });
  it(".env files not excluded are high; .git and node_modules medium; a complete file has none", () => {
    expect(dockerignoreFindings("node_modules\n", ".dockerignore")).toMatchObject([
      { ruleId: "SLW-BUILD-002", severity: "high", message: expect.stringContaining(".env, .env.production") },
      { ruleId: "SLW-BUILD-003", severity: "medium", message: expect.stringContaining("exclude .git:") },
    ]);
    expect(dockerignoreFindings(".git\nnode_modules\n.env*\n", ".dockerignore")).toEqual([]);
    // node_modules matters only where there is a package.json.
    expect(dockerignoreFindings(".env*\n", ".dockerignore", { node: false })).toMatchObject([
      { ruleId: "SLW-BUILD-003", message: ".dockerignore does not exclude .git: the builder receives the git history" },
    ]);
    expect(dockerignoreFindings(".git\n.env*\n", ".dockerignore", { node: false })).toEqual([]);
    // A later `!` pattern puts the file back, as Docker reads it.
    expect(dockerignoreFindings(".git\nnode_modules\n.env*\n!.env\n", ".dockerignore")).toMatchObject([{ ruleId: "SLW-BUILD-002" }]);
  });
});
