/**
 * Every user-facing error code slipway can produce, with the exit code it maps to and a
 * one-line description. The error reference (docs/errors.md) is generated from this table and a
 * test keeps the two in step.
 */
export const errorCodes = {
  SPEC_NOT_FOUND: { exit: 2, summary: "The spec file does not exist or cannot be read." },
  SPEC_TOO_LARGE: { exit: 2, summary: "The spec file is larger than slipway accepts." },
  SPEC_NOT_TEXT: { exit: 2, summary: "The spec file is not UTF-8 text (binary data)." },
  SPEC_EMPTY: { exit: 2, summary: "The spec file has no content." },
  SPEC_YAML_SYNTAX: { exit: 2, summary: "The spec file is not valid YAML." },
  SPEC_NOT_A_MAPPING: { exit: 2, summary: "The spec's top level is not a mapping of keys." },
  SPEC_UNKNOWN_KEY: { exit: 2, summary: "A key the schema does not define." },
  SPEC_FORBIDDEN_KEY: {
    exit: 2,
    summary: "A key named `__proto__`, `constructor` or `prototype`, which slipway refuses anywhere in a spec.",
  },
  SPEC_MISSING_KEY: { exit: 2, summary: "A required key is missing." },
  SPEC_INVALID_TYPE: { exit: 2, summary: "A value has the wrong type." },
  SPEC_INVALID_VALUE: { exit: 2, summary: "A value has the right type but is not allowed." },
  SPEC_RULE: { exit: 2, summary: "A cross-field rule failed (e.g. min must be ≤ max)." },
  SPEC_UNKNOWN_ENVIRONMENT: { exit: 2, summary: "The environment named with -e is not in the spec." },
  SPEC_AMBIGUOUS_ENVIRONMENT: {
    exit: 2,
    summary: "The spec has several environments and none was chosen with -e.",
  },
  RENDER_IMAGE_UNPINNED: {
    exit: 2,
    summary: "The image has neither a tag nor a digest, and none was given on the command line.",
  },
  RENDER_TARGET_MISMATCH: {
    exit: 2,
    summary: "The environment's target cannot be rendered in the requested format.",
  },
  USAGE: {
    exit: 2,
    summary: "The command line is wrong (unknown flag, missing argument, a number that is not a whole number in the flag's range).",
  },
  INIT_EXISTS: { exit: 2, summary: "init would overwrite an existing slipway.yaml." },
  INIT_NEEDS_INPUT: {
    exit: 2,
    summary: "init needs an answer it cannot ask for (no terminal) and no flag gave it.",
  },
  OUTPUT_WRITE_FAILED: { exit: 1, summary: "Writing an output file or folder failed." },
  DEPLOY_FAILED: { exit: 1, summary: "The deploy failed and was rolled back; the previous release still serves." },
  DEPLOY_PREFLIGHT: { exit: 1, summary: "The preflight check found problems at high or above; nothing was deployed (--force overrides)." },
  DEPLOY_INTERRUPTED: {
    exit: 130,
    summary:
      "The deploy was stopped by Ctrl-C (exit 130) or SIGTERM (exit 143): before traffic moved it rolled back and the previous release serves; after, the new release serves. The outcome was recorded and the lock released.",
  },
  DEPLOY_LOCKED: { exit: 1, summary: "Another deploy of the same app and environment holds the lock." },
  DEPLOY_NO_RELEASE: { exit: 1, summary: "There is no release to roll back to, show, or run a command in." },
  SECRETS_MISSING: { exit: 2, summary: "A secret the spec names has no value in the environment's secret source." },
  SECRETS_UNSAFE: { exit: 2, summary: "The secrets file can be read by other users." },
  DEPLOY_TARGET_UNSUPPORTED: { exit: 2, summary: "The environment's target cannot be deployed by this version of slipway yet." },
  LOCAL_DATABASE_START_FAILED: {
    exit: 1,
    summary: "The local database server (embedded PostgreSQL or MariaDB) did not start; the message ends with its last log lines.",
  },
  LOCAL_DATABASE_SETUP_FAILED: { exit: 1, summary: "Creating the local database or its least-privilege app user failed." },
  LOCAL_DATABASE_STOP_FAILED: { exit: 1, summary: "The local database server did not stop." },
  LOCAL_MARIADB_MISSING: {
    exit: 1,
    summary: "A MySQL app runs locally on MariaDB from the system's packages, and it is not installed.",
  },
  LOCAL_PORT_IN_USE: { exit: 1, summary: "A port slipway needs on 127.0.0.1 is taken by another program." },
  LOCAL_PROCESS_START_FAILED: { exit: 1, summary: "A command could not be started (not found, not executable, or bad folder)." },
  HOST_KEY_UNKNOWN: {
    exit: 1,
    summary:
      "The SSH host's key is not pinned yet; slipway prints its SHA256 fingerprint and connects once it is accepted with `--accept-host-key`.",
  },
  HOST_KEY_MISMATCH: {
    exit: 1,
    summary: "The SSH host presented a key other than the pinned one (a changed server, or someone in between).",
  },
  HOST_SSH_FAILED: {
    exit: 1,
    summary:
      "slipway could not connect to the host over SSH, the connection broke, or a file operation on the host failed (the message says which).",
  },
  HOST_PACKAGES_MISSING: {
    exit: 1,
    summary:
      "`host setup`: the container runtime or curl is not installed on the server; the hint is the command to run (or use --install as root or with passwordless sudo).",
  },
  HOST_RUNTIME_NOT_ANSWERING: {
    exit: 1,
    summary: "`host setup`: `podman info` / `docker info` failed on the server over its local socket.",
  },
  HOST_RUNTIME_EXPOSED: {
    exit: 1,
    summary:
      "`host setup`: the Docker API is reachable over TCP (dockerd -H tcp://, daemon.json, DOCKER_HOST); slipway refuses such a server.",
  },
  HOST_SETUP_FAILED: { exit: 1, summary: "`host setup`: a change on the server (package install, folder, deploy user) failed." },
  HOST_NOT_SUPPORTED: { exit: 1, summary: "An operation that the chosen host (e.g. a host over SSH) does not support." },
  DB_NO_DATABASE: { exit: 2, summary: "`slipway db` was run for an environment whose spec has no database." },
  DB_DUMP_TOOL_MISSING: {
    exit: 1,
    summary: "No dump tool at least as new as the database server was found (pg_dump/psql of the server's major version, or mariadb-dump).",
  },
  DB_BACKUP_FAILED: { exit: 1, summary: "Dumping the database failed; no backup file was kept." },
  DB_BACKUP_NOT_FOUND: { exit: 2, summary: "The backup given with --from does not exist, or there is no backup yet for `latest`." },
  DB_BACKUP_CORRUPT: {
    exit: 1,
    summary:
      "A backup does not match its manifest (checksum or size differ: damaged or truncated), or its manifest is missing or unreadable.",
  },
  DB_S3_FAILED: {
    exit: 1,
    summary:
      "Copying a backup to S3 or fetching one from it failed (credentials, access, bucket, region or checksum); a local backup that was taken is kept.",
  },
  DB_RESTORE_NEEDS_YES: { exit: 2, summary: "Restoring into the live database replaces its data; it needs --yes." },
  DB_RESTORE_FAILED: {
    exit: 1,
    summary: "Loading a backup into the database failed; the message names the pre-restore dump to go back to.",
  },
  DB_DRILL_FAILED: {
    exit: 1,
    summary: "The restore drill failed: the backup did not load, its row counts differ from the manifest, or the migrations failed on it.",
  },
  GOLIVE_GATE_FAILED: {
    exit: 1,
    summary:
      "`slipway golive` found a go-live gate that fails (a high finding, no recent restore drill, no alerts, no TLS …), or `slipway deploy` to an environment marked `production: true` was refused for it before taking the lock (`--force` deploys anyway and records the overridden gates); the output lists each with its evidence.",
  },
  LOCAL_PROXY_FAILED: { exit: 1, summary: "The local reverse proxy did not start, or did not take the new routes." },
  CHECK_INPUT_NOT_FOUND: { exit: 2, summary: "A path given to `slipway check` does not exist or cannot be read." },
  INPUT_NOT_A_FILE: { exit: 2, summary: "A path names a device, FIFO (named pipe) or socket where slipway reads a regular file." },
  INPUT_TOO_DEEP: { exit: 2, summary: "YAML, JSON or HCL nested deeper than slipway reads (256 levels)." },
  CHECK_UNKNOWN_RULE: { exit: 2, summary: "A rule ID given to `slipway check` or `slipway rules` is not in the catalogue." },
  KUBECONFIG_NOT_FOUND: { exit: 2, summary: "The kubeconfig file does not exist or cannot be read." },
  KUBECONFIG_INVALID: { exit: 2, summary: "The kubeconfig is not valid YAML or lacks a cluster, user or context it refers to." },
  KUBECONFIG_CONTEXT_NOT_FOUND: { exit: 2, summary: "The kubeconfig has no context of the requested name (or no current-context)." },
  KUBECONFIG_AUTH_UNSUPPORTED: {
    exit: 2,
    summary:
      "The kubeconfig user authenticates with an auth-provider plugin (removed from kubectl) or an exec plugin that needs a terminal.",
  },
  KUBECONFIG_EXEC_FAILED: {
    exit: 1,
    summary: "The kubeconfig's exec credential plugin (e.g. aws eks get-token) is missing, failed, or printed no usable ExecCredential.",
  },
  KUBE_UNREACHABLE: { exit: 1, summary: "The Kubernetes API server could not be reached (connection, TLS or timeout)." },
  KUBE_UNAUTHORIZED: { exit: 1, summary: "The API server rejected the credentials (401)." },
  KUBE_FORBIDDEN: { exit: 1, summary: "The API server denied the request (403, RBAC or admission)." },
  KUBE_NOT_FOUND: { exit: 1, summary: "The object or API path does not exist (404)." },
  KUBE_APPLY_CONFLICT: { exit: 1, summary: "Server-side apply conflicts with fields owned by another field manager." },
  KUBE_CONFLICT: { exit: 1, summary: "The request conflicts with the object's current state (409)." },
  KUBE_INVALID: { exit: 1, summary: "The API server rejected the object as invalid (400/422)." },
  KUBE_KIND_NOT_INSTALLED: {
    exit: 1,
    summary: "The API server does not serve this apiVersion and kind (e.g. a CRD that is not installed).",
  },
  KUBE_WATCH_EXPIRED: { exit: 1, summary: "A watch's resourceVersion is too old (410 Gone)." },
  KUBE_LOGS_UNAVAILABLE: { exit: 1, summary: "The API server could not fetch the container's logs from its node." },
  KUBE_EXEC_FAILED: {
    exit: 1,
    summary: "A command could not be run in a container (refused, not startable, or the exec stream broke).",
  },
  KUBE_REQUEST_FAILED: { exit: 1, summary: "Any other failed request to the API server." },
  FS_NO_SPACE: { exit: 1, summary: "A write failed: the disk or the user's quota is full (ENOSPC, EDQUOT)." },
  FS_READ_ONLY: {
    exit: 1,
    summary: "A write failed: the file system is mounted read-only (EROFS; Node reports it as ENOENT when creating a folder).",
  },
  FS_PERMISSION_DENIED: { exit: 1, summary: "The operating system refused access to a file or folder (EACCES, EPERM)." },
  FS_IO_ERROR: { exit: 1, summary: "The disk reported an error, or too many files were open (EIO, EMFILE, ENFILE)." },
  BUILD_NOT_CONFIGURED: {
    exit: 2,
    summary: "`slipway build` (or `deploy --build`) on a spec without app.build, or a target that runs no image.",
  },
  BUILD_RUNTIME_MISSING: {
    exit: 1,
    summary: "No container runtime to build with: neither Docker with buildx, nor Podman, nor Buildah is on PATH.",
  },
  BUILD_PREFLIGHT: {
    exit: 1,
    summary: "The Dockerfile or .dockerignore check found problems at high or above; nothing was built (--force overrides).",
  },
  BUILD_FAILED: { exit: 1, summary: "The image build failed; the error points at the Dockerfile instruction when the runtime names it." },
  BUILD_INTERRUPTED: {
    exit: 130,
    summary: "The build or push was stopped by Ctrl-C or SIGTERM; the runtime's command was stopped with it.",
  },
  BUILD_PUSH_FAILED: { exit: 1, summary: "Pushing the image failed, or the runtime reported no digest for it." },
  BUILD_REGISTRY_AUTH: {
    exit: 1,
    summary:
      "No Amazon ECR login for the push: no AWS credentials, access denied, ECR not reached, a registry host without account and region, or the runtime's login failed.",
  },
  INFRA_NOT_CONFIGURED: {
    exit: 2,
    summary: "An `infra` command on an environment without an `infra` block (its region and state bucket come from there).",
  },
  INFRA_AWS_AUTH: {
    exit: 1,
    summary: "No AWS credentials for `infra bootstrap`, or AWS refused the request (access denied, unknown or expired key).",
  },
  INFRA_BUCKET_UNAVAILABLE: {
    exit: 1,
    summary: "The state bucket's name is taken by another AWS account, or the bucket is in another region than infra.region.",
  },
  INFRA_AWS_FAILED: { exit: 1, summary: "Any other failed AWS request of `infra bootstrap` (S3 not reached, throttled, a server error)." },
  INFRA_NO_TERRAFORM: {
    exit: 1,
    summary: "Neither `tofu` nor `terraform` is on PATH, so `infra plan|apply` (and reading outputs) cannot run.",
  },
  INFRA_ROOT_MISSING: {
    exit: 2,
    summary: "The environment's rendered Terraform root folder does not exist (run `slipway render terraform` first).",
  },
  INFRA_COMMAND_FAILED: {
    exit: 1,
    summary: "A `tofu`/`terraform` command (init, plan, apply, output) exited with an error; its own output is above.",
  },
  INFRA_APPLY_NEEDS_PLAN: {
    exit: 2,
    summary: "`infra apply` with CI=true and no saved plan file: in CI slipway applies only a plan made and reviewed before (--plan FILE).",
  },
  INFRA_INTERRUPTED: {
    exit: 130,
    summary:
      "`infra plan|apply` was stopped by Ctrl-C or SIGTERM; tofu/terraform was asked to stop (SIGINT), which releases the state lock.",
  },
  INFRA_OUTPUTS_INVALID: {
    exit: 2,
    summary:
      "The Terraform outputs (`--infra FILE` or `terraform output -json`) are not JSON of the expected shape, or an output has the wrong type.",
  },
  NODE_UNSUPPORTED: { exit: 2, summary: "slipway was started by a Node.js older than 22.12, which it does not run on." },
  INTERNAL: { exit: 70, summary: "A bug in slipway. Please report it with the printed details." },
} as const satisfies Record<string, { exit: number; summary: string }>;

export type ErrorCode = keyof typeof errorCodes;

/** Documented process exit codes. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  internal: 70,
  interrupted: 130,
  terminated: 143,
} as const;
