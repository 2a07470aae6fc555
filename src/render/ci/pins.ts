/*
 * The actions and images the rendered pipelines use, pinned. `slipway ci pins` prints this table.
 *
 * Updating it is a manual step (docs/ci.md): resolve the new tag to its commit on the action's own
 * repository (`git ls-remote https://github.com/OWNER/REPO refs/tags/vX.Y.Z`, the peeled `^{}` line
 * for an annotated tag), change `sha` and `version` together, and run the render ci golden tests.
 *
 * Where each SHA came from: this session could not reach github.com; every SHA below was taken from
 * public workflow files and run logs in which the same tag→commit pair appears repeatedly and
 * independently (e.g. GitHub's own "Download action repository 'docker/setup-buildx-action@v3'
 * (SHA:e468…)" log lines). `verified` says whether it was checked against the action's repository
 * itself: none was. Check them with the command above before relying on them.
 */

/** A GitHub Action pinned by full commit SHA, with the tag the commit carries. */
export interface ActionPin {
  /** owner/repo or owner/repo/path, as `uses:` names it. */
  action: string;
  sha: string;
  version: string;
  /** Whether the SHA was checked against the action's own repository (git ls-remote). */
  verified: boolean;
  /** What the pipeline uses it for. */
  purpose: string;
}

/** A container image the GitLab pipeline runs in: a version tag (no digest: see `verified`). */
export interface ImagePin {
  name: string;
  image: string;
  verified: boolean;
  purpose: string;
}

export const actionPins = {
  checkout: {
    action: "actions/checkout",
    sha: "11bd71901bbe5b1630ceea73d27597364c9af683",
    version: "v4.2.2",
    verified: false,
    purpose: "check out the repository (persist-credentials: false)",
  },
  setupNode: {
    action: "actions/setup-node",
    sha: "49933ea5288caeca8642d1e84afbd3f7d6820020",
    version: "v4.4.0",
    verified: false,
    purpose: "Node.js for slipway itself (npx slipway@VERSION)",
  },
  awsCredentials: {
    action: "aws-actions/configure-aws-credentials",
    sha: "e3dd6a429d7300a6a4c196c26e071d42e0343502",
    version: "v4.0.2",
    verified: false,
    purpose: "AWS credentials by OIDC (role-to-assume), never stored keys",
  },
  uploadSarif: {
    action: "github/codeql-action/upload-sarif",
    sha: "5d4e8d1aca955e8d8589aabd499c5cae939e33c7",
    version: "v4.31.9",
    verified: false,
    purpose: "slipway check's SARIF report to code scanning",
  },
  setupQemu: {
    action: "docker/setup-qemu-action",
    sha: "29109295f81e9208d7d86ff1c6c12d2833863392",
    version: "v3.6.0",
    verified: false,
    purpose: "emulation for multi-arch builds (app.build.platforms)",
  },
  setupBuildx: {
    action: "docker/setup-buildx-action",
    sha: "e468171a9de216ec08956ac3ada2f0791b6bd435",
    version: "v3.11.1",
    verified: false,
    purpose: "a BuildKit builder for slipway build (multi-arch, GitHub Actions cache)",
  },
  setupTerraform: {
    action: "hashicorp/setup-terraform",
    sha: "b9cd54a3c349d3f38e8881555d616ced269862dd",
    version: "v3.1.2",
    verified: false,
    purpose: "Terraform for slipway infra plan|apply (terraform_wrapper: false)",
  },
  uploadArtifact: {
    action: "actions/upload-artifact",
    sha: "ea165f8d65b6e75b540449e92b4886f43607fa02",
    version: "v4.6.2",
    verified: false,
    purpose: "hand the reviewed plan file from the plan job to the apply job",
  },
  downloadArtifact: {
    action: "actions/download-artifact",
    sha: "d3f86a106a0bac45b974a628896c90dbdf5c8093",
    version: "v4.3.0",
    verified: false,
    purpose: "the apply job's copy of the reviewed plan file",
  },
} as const satisfies Record<string, ActionPin>;

export const imagePins = {
  node: {
    name: "node",
    image: "node:24.11.1-trixie-slim",
    verified: false,
    purpose: "GitLab jobs that run slipway (checks, deploys)",
  },
  docker: {
    name: "docker",
    image: "docker:28.5.1-cli",
    verified: false,
    purpose: "GitLab image build jobs (docker with buildx; Node.js added with apk)",
  },
  dind: {
    name: "docker-dind",
    image: "docker:28.5.1-dind",
    verified: false,
    purpose: "the Docker daemon service of the GitLab build jobs",
  },
  binfmt: {
    name: "binfmt",
    image: "tonistiigi/binfmt:qemu-v9.2.2",
    verified: false,
    purpose: "QEMU emulators for multi-arch builds in the GitLab build jobs",
  },
  terraform: {
    name: "terraform",
    image: "hashicorp/terraform:1.13.3",
    verified: false,
    purpose: "GitLab infra plan and apply jobs (Node.js added with apk)",
  },
} as const satisfies Record<string, ImagePin>;

/** `uses:` of a pinned action: owner/repo@sha (the version goes in a comment). */
export function uses(pin: ActionPin): string {
  return `${pin.action}@${pin.sha}`;
}

/** Appends `# version` to every line whose `uses:` names a pinned SHA, so a reader sees what it is. */
export function commentPins(yaml: string): string {
  const bySha = new Map<string, string>(Object.values(actionPins).map((p) => [`${p.action}@${p.sha}`, p.version]));
  return yaml.replace(/^(\s*(?:- )?uses: )(\S+)$/gm, (line, _prefix: string, ref: string) => {
    const version = bySha.get(ref);
    return version === undefined ? line : `${line} # ${version}`;
  });
}
