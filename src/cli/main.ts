import { Command, CommanderError, Option } from "commander";
import { exitCodes } from "../errors/codes.js";
import { SlipwayError } from "../errors/slipway-error.js";
import { renderers } from "../render/registry.js";
import type { Renderer } from "../render/renderer.js";
import { addRenderCommands } from "./commands/render-commands.js";
import { type CliContext, processContext } from "./context.js";
import { numberOption, numberRules } from "./numeric-options.js";
import { report } from "./report.js";
import { version } from "./version.js";

// run.ts reports a failed write to stdout/stderr with it.
export { outputFailed } from "./report.js";
export { setWriteErrorHandler } from "./std-output.js";

const exitCodeHelp = `
Exit codes:
  0   success
  1   failure: findings at or above the threshold, an operation failed, or the disk
      is full, read-only or not permitted (FS_* codes)
  2   usage or spec error: bad flags, a number out of range, invalid slipway.yaml
      (file:line:col is printed), Node.js older than 22.12
  70  internal error: a bug in slipway; please report it with the printed details
  130 interrupted (Ctrl-C); a deploy rolls back (or keeps the new release if it serves) first
  143 a deploy stopped by SIGTERM, after the same clean-up

Environment:
  NO_COLOR=1     no colours (also off when output is not a terminal)
  FORCE_COLOR=1  colours even when output is not a terminal

Docs: docs/cli.md, docs/spec.md, docs/errors.md`;

export interface ProgramOptions {
  /** The renderers `slipway render` offers (default: src/render/registry.ts). */
  renderers?: readonly Renderer[];
}

/** The top-level commands, in the order buildProgram adds them (a unit test keeps the two in step). */
export const commandNames = [
  "render",
  "validate",
  "schema",
  "init",
  "deploy",
  "build",
  "rollback",
  "history",
  "status",
  "logs",
  "exec",
  "unlock",
  "dev",
  "diff",
  "down",
  "db",
  "host",
  "golive",
  "runbook",
  "check",
  "rules",
  "infra",
  "ci",
] as const;

/**
 * Builds the command tree. Command modules load lazily, so `--help` and `--version` stay fast.
 * With `command`, only that top-level command is added (main does so when argv names one): a
 * cold start then builds a tenth of the options.
 */
export function buildProgram(
  ctx: CliContext,
  setExit: (code: number) => void,
  options: ProgramOptions = {},
  command?: (typeof commandNames)[number],
): Command {
  const program = new Command("slipway")
    .description("Take a containerized web app with a MySQL or PostgreSQL database to production from one typed spec.")
    .version(version, "-V, --version", "print the version")
    .option("--no-color", "disable colours")
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: () => {
        // Usage errors are reported by our own handler, with a code and a hint.
      },
    })
    .addHelpText("after", exitCodeHelp)
    .exitOverride();

  // `only(name)?.command(name)…`: when another command was asked for, the optional chain skips the
  // whole registration, its option objects included.
  const only = (name: (typeof commandNames)[number]): Command | undefined =>
    command === undefined || command === name ? program : undefined;
  const specOption = () => new Option("-f, --file <path>", "spec file").default("slipway.yaml");
  const jsonOption = () => new Option("--json", "machine-readable output on stdout");

  const render = only("render")?.command("render").description("render production-ready deployment files from the spec");
  if (render) addRenderCommands(render, { ctx, setExit, renderers: options.renderers ?? renderers, specOption, jsonOption });

  only("validate")
    ?.command("validate")
    .description("check slipway.yaml against the schema and the cross-field rules")
    .addOption(specOption())
    .addOption(jsonOption())
    .addHelpText("after", "\nExamples:\n  slipway validate\n  slipway validate -f deploy/slipway.yaml --json")
    .action(async (opts) => {
      const { validateCommand } = await import("./commands/validate.js");
      setExit(await validateCommand(ctx, opts));
    });

  only("schema")
    ?.command("schema")
    .description("print the JSON Schema of slipway.yaml (for editors and CI)")
    .option("-o, --out <file>", "write to a file instead of stdout")
    .addHelpText("after", "\nExamples:\n  slipway schema > slipway.schema.json")
    .action(async (opts) => {
      const { schemaCommand } = await import("./commands/schema.js");
      setExit(await schemaCommand(ctx, opts));
    });

  only("init")
    ?.command("init")
    .description("detect the app in a folder and write a commented slipway.yaml")
    .argument("[dir]", "app folder", ".")
    .option("-y, --yes", "accept detected values without asking (needed without a terminal)")
    .option("--force", "overwrite an existing slipway.yaml")
    .option("--name <name>", "app name")
    .option("--image <ref>", "container image, e.g. 123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop")
    .addOption(numberOption("--port <port>", "port the app listens on", numberRules.port))
    .option("--health <path>", "health check path")
    .addOption(new Option("--engine <engine>", "database engine").choices(["mysql", "postgres", "none"]))
    .option("--host <host>", "public host name for the production ingress")
    .addOption(jsonOption())
    .addHelpText("after", "\nExamples:\n  slipway init\n  slipway init examples/flask-mysql --yes --image registry.example.com/flask:1.0.0")
    .action(async (dir, opts) => {
      const { initCommand } = await import("./commands/init.js");
      setExit(await initCommand(ctx, dir, opts));
    });

  const envOption = () => new Option("-e, --env <name>", "environment (optional when the spec has only one)");
  const deployHelp = (lines: string[]) => `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}`;
  /** Host target: the first connection to a server pins its SSH key only with the fingerprint the user accepted. */
  const hostKeyHelp =
    "host target: pin the server's SSH host key with this fingerprint (first connection only; see the fingerprint in the error)";

  only("deploy")
    ?.command("deploy")
    .description("deploy an environment: migrate, start the new release, health-gate, switch, roll back on failure")
    .addOption(specOption())
    .addOption(envOption())
    .option("--accept-host-key <SHA256:…>", hostKeyHelp)
    .option("--tag <tag>", "image tag to record for this release")
    .option("--digest <sha256:…>", "image digest to deploy (wins over the tag)")
    .option(
      "--build",
      "build and push app.build's image first, then deploy it by digest (image@sha256:…); a host target with imageTransfer auto or copy deploys the local build without a push; the default when the image has no tag or digest",
    )
    .option("--no-build", "never build: deploy the spec's image or --tag/--digest")
    .option("--no-wait", "fail at once when another deploy holds the lock instead of waiting")
    .option(
      "--force",
      "deploy even when the preflight check finds problems at high or above, or a production environment's go-live gates fail (recorded in history)",
    )
    .option("--force-conflicts", "Kubernetes: take over fields another field manager owns")
    .option("--no-rollback", "leave a failed release as it is, for debugging")
    .option(
      "--infra <file>",
      "Kubernetes: Terraform outputs to deploy with (`terraform output -json`); default: read from the environment's root",
    )
    .option("--infra-dir <dir>", "Kubernetes: the environment's Terraform root (default: infra/<env>/, where render terraform writes)")
    .addOption(
      numberOption(
        "--keep <n>",
        "successful releases to keep for rollback, 1 or more; the serving one is always kept (default: local 5, Kubernetes 10)",
        numberRules.keep,
      ),
    )
    .addOption(
      numberOption(
        "--health-timeout <seconds>",
        "how long the health gate waits (local: each instance, default the startup timeout; Kubernetes: the rollout, default 600)",
        numberRules.seconds,
      ),
    )
    .addOption(jsonOption())
    .addHelpText(
      "after",
      deployHelp([
        "slipway deploy -e local",
        "slipway deploy -e staging --build",
        "slipway deploy -f examples/node-postgres/slipway.yaml -e local --json",
      ]),
    )
    .action(async (opts) => {
      const { deployCommand } = await import("./commands/deploy.js");
      setExit(await deployCommand(ctx, opts));
    });

  only("build")
    ?.command("build")
    .description("build the image app.build describes, tagged by content; with --push, push it and print its digest")
    .addOption(specOption())
    .addOption(envOption())
    .option("--push", "push the image to app.image's registry and print repository@sha256:… (auth: the runtime's own login)")
    .option(
      "--platform <os/arch>",
      "platforms to build, comma-separated or repeated (default: app.build.platforms)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option("--force", "build even when the Dockerfile or .dockerignore check finds problems at high or above")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      deployHelp(["slipway build", "slipway build -e staging --push --json", "slipway build --push --platform linux/amd64,linux/arm64"]),
    )
    .action(async (opts) => {
      const { buildCommand } = await import("./commands/build.js");
      setExit(await buildCommand(ctx, opts));
    });

  only("rollback")
    ?.command("rollback")
    .description("put an earlier successful release back (re-runs the health gate; no migrations)")
    .addOption(specOption())
    .addOption(envOption())
    .option("--accept-host-key <SHA256:…>", hostKeyHelp)
    .addOption(numberOption("--to <revision>", "revision to roll back to (default: the one before the current)", numberRules.revision))
    .option("--no-wait", "fail at once when another deploy holds the lock")
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway rollback -e local", "slipway rollback -e local --to 3"]))
    .action(async (opts) => {
      const { deployCommand } = await import("./commands/deploy.js");
      setExit(await deployCommand(ctx, opts, "rollback"));
    });

  only("history")
    ?.command("history")
    .description("list the releases of an environment, newest first (secret-free)")
    .addOption(specOption())
    .addOption(envOption())
    .option("--accept-host-key <SHA256:…>", hostKeyHelp)
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway history -e local", "slipway history -e local --json"]))
    .action(async (opts) => {
      const { historyCommand } = await import("./commands/deploy.js");
      setExit(await historyCommand(ctx, opts));
    });

  only("status")
    ?.command("status")
    .description("show what serves an environment now: revision, instances, proxy, lock")
    .addOption(specOption())
    .addOption(envOption())
    .option("--accept-host-key <SHA256:…>", hostKeyHelp)
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway status -e local"]))
    .action(async (opts) => {
      const { statusCommand } = await import("./commands/deploy.js");
      setExit(await statusCommand(ctx, opts));
    });

  only("logs")
    ?.command("logs")
    .description("print the logs of the serving release (or --revision N), secrets redacted")
    .addOption(specOption())
    .addOption(envOption())
    .option("--accept-host-key <SHA256:…>", hostKeyHelp)
    .addOption(numberOption("--revision <n>", "a release other than the serving one", numberRules.revision))
    .addOption(numberOption("-n, --lines <n>", "lines per file (Kubernetes: per container)", numberRules.lines).default(50))
    .option("--follow", "keep printing new lines")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      deployHelp([
        "slipway logs -e local",
        "slipway logs -e local --revision 4",
        "slipway logs -e local --follow",
        "slipway logs -e staging --lines 200   # kubernetes: the Deployment's pods and the release Jobs",
        "slipway logs -e staging --revision 7  # kubernetes: that revision's migrate/setup Job pods",
      ]),
    )
    .action(async (opts) => {
      const { logsCommand } = await import("./commands/deploy.js");
      setExit(await logsCommand(ctx, opts));
    });

  only("exec")
    ?.command("exec")
    .description("run a command in the serving release's environment (like a console on the server)")
    .addOption(specOption())
    .addOption(envOption())
    .option("--accept-host-key <SHA256:…>", hostKeyHelp)
    .addOption(jsonOption())
    .option(
      "-t, --tty",
      "give the command a terminal (consoles, shells): Kubernetes only with this flag; host: also whenever stdin is a terminal; local commands share yours",
    )
    .argument("<command...>", "the command, after --")
    .addHelpText(
      "after",
      deployHelp([
        'slipway exec -e local -- node -e "console.log(process.env.DB_NAME)"',
        'slipway exec -e staging -- node -e "console.log(process.env.DB_HOST)"   # kubernetes: in one Ready pod',
        "slipway exec -e production --tty -- bin/rails console",
      ]),
    )
    .action(async (command: string[], opts) => {
      const { execCommand } = await import("./commands/deploy.js");
      setExit(await execCommand(ctx, opts, command));
    });

  only("unlock")
    ?.command("unlock")
    .description("remove a deploy lock left by a deploy that cannot finish")
    .addOption(specOption())
    .addOption(envOption())
    .option("--accept-host-key <SHA256:…>", hostKeyHelp)
    .option("--force", "confirm removing the lock")
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway unlock -e local --force"]))
    .action(async (opts) => {
      const { unlockCommand } = await import("./commands/deploy.js");
      setExit(await unlockCommand(ctx, opts));
    });

  only("dev")
    ?.command("dev")
    .description("run the app from its folder with the embedded database, migrations applied, restarting on change")
    .addOption(specOption())
    .addOption(envOption())
    .addOption(numberOption("--port <port>", "port for the app (default: app.port)", numberRules.port))
    .addHelpText("after", deployHelp(["slipway dev -e local", "slipway dev -e local --port 3001"]))
    .action(async (opts) => {
      const { devCommand } = await import("./commands/deploy.js");
      setExit(await devCommand(ctx, opts));
    });

  only("diff")
    ?.command("diff")
    .description("show what a deploy would change in a Kubernetes environment (server-side dry run; Secret values redacted)")
    .addOption(specOption())
    .addOption(envOption())
    .option("--tag <tag>", "image tag to render with")
    .option("--digest <sha256:…>", "image digest to render with")
    .option("--infra <file>", "Terraform outputs to render with (`terraform output -json`); default: read from the environment's root")
    .option("--infra-dir <dir>", "the environment's Terraform root (default: infra/<env>/, where render terraform writes)")
    .addOption(jsonOption())
    .addHelpText(
      "after",
      deployHelp(["slipway diff -e staging", "slipway diff -e production --tag 1.4.2 --json"]) +
        "\n\nExit codes: 0 nothing would change, 1 something would change, 2 usage or spec error.",
    )
    .action(async (opts) => {
      const { diffCommand } = await import("./commands/deploy.js");
      setExit(await diffCommand(ctx, opts));
    });

  only("down")
    ?.command("down")
    .description("stop an environment's processes, proxy and database server (data and history stay)")
    .addOption(specOption())
    .addOption(envOption())
    .option("--accept-host-key <SHA256:…>", hostKeyHelp)
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway down -e local"]))
    .action(async (opts) => {
      const { downCommand } = await import("./commands/deploy.js");
      setExit(await downCommand(ctx, opts));
    });

  const db = only("db")
    ?.command("db")
    .description("back up, restore and drill-restore the environment's database (local and host targets; drill also on Aurora)")
    .addHelpText(
      "after",
      deployHelp(["slipway db backup -e local", "slipway db drill -e local", "slipway db restore -e local --from latest --yes"]),
    );
  const dbAction =
    (action: "backup" | "restore" | "drill") =>
    async (opts: Record<string, unknown>): Promise<void> => {
      const { dbCommand } = await import("./commands/db.js");
      setExit(await dbCommand(ctx, action, opts as never));
    };
  db?.command("backup")
    .description("dump the database to .slipway/<env>/backups/ with a SHA-256 and a manifest of row counts")
    .addOption(specOption())
    .addOption(envOption())
    .addOption(numberOption("--keep <n>", "backups kept, older ones are removed (default: database.backups.keep, 7)", numberRules.backups))
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway db backup -e local", "slipway db backup -e local --keep 14 --json"]))
    .action(dbAction("backup"));
  db?.command("restore")
    .description("replace the live database with a backup (--yes), after a pre-restore dump")
    .addOption(specOption())
    .addOption(envOption())
    .requiredOption("--from <file|s3-uri|latest>", "a backup file (name or path), s3://bucket/key.sql, or latest (local first, then S3)")
    .option("--yes", "replace the live database's data (without it, nothing is touched)")
    .addOption(numberOption("--keep <n>", "pre-restore dumps kept (default: database.backups.keep, 7)", numberRules.backups))
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway db restore -e local --from latest --yes"]))
    .action(dbAction("restore"));
  db?.command("drill")
    .description(
      "local and host: restore a backup into a scratch database, migrate it, compare row counts; AWS (Aurora): point-in-time restore into a scratch cluster, deleted after; report RTO and RPO",
    )
    .addOption(specOption())
    .addOption(envOption())
    .option(
      "--from <file|s3-uri|latest>",
      "local and host: the backup to drill: a file, s3://bucket/key.sql (local only), or latest (local first, then S3)",
      "latest",
    )
    .option("--cluster <id>", "AWS: the source Aurora cluster (default: Terraform output database_cluster_id, else infra.cluster.name)")
    .option("--infra <file>", "AWS: Terraform outputs to read (`terraform output -json`); default: read from the environment's root")
    .option("--infra-dir <dir>", "AWS: the environment's Terraform root (default: infra/<env>/)")
    .addOption(
      numberOption(
        "--timeout <minutes>",
        "AWS: limit for the restore and the instance to become available (default 90)",
        numberRules.minutes,
      ),
    )
    .addOption(numberOption("--poll <seconds>", "AWS: seconds between two status reads (default 15)", numberRules.seconds))
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway db drill -e local", "slipway db drill -e local --json", "slipway db drill -e production"]))
    .action(dbAction("drill"));
  const hostCommand = only("host")
    ?.command("host")
    .description("prepare and check the server of a host target (over SSH)")
    .addHelpText("after", deployHelp(["slipway host setup -e production", "slipway deploy -e production"]));
  hostCommand
    ?.command("setup")
    .description(
      "check the server (OS, runtime answering, curl, no runtime API on TCP), create slipway's folders and host.env, start the database and Caddy's container; idempotent, prints what changed",
    )
    .addOption(specOption())
    .addOption(envOption())
    .option("--accept-host-key <SHA256:…>", hostKeyHelp)
    .option("--install", "install the missing runtime and curl with apt-get (needs root or passwordless sudo)")
    .option(
      "--create-user <user>",
      "as root: create this deploy user (no password) with the identity's public key, owning slipway's folders",
    )
    .option(
      "--runtime-env <KEY=VALUE>",
      "a setting in the server's host.env, which runtime commands run with (repeatable; KEY= removes it)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .addOption(jsonOption())
    .addHelpText(
      "after",
      deployHelp([
        "slipway host setup -e production --accept-host-key SHA256:…",
        "slipway host setup -e production --install --create-user deploy",
      ]),
    )
    .action(async (opts) => {
      const { hostSetupCommand } = await import("./commands/host.js");
      setExit(await hostSetupCommand(ctx, opts));
    });

  only("golive")
    ?.command("golive")
    .description("evaluate the go-live gates of an environment (check findings, backups and drill, alerts, TLS, …); exit 1 when one fails")
    .addOption(specOption())
    .addOption(envOption())
    .addOption(numberOption("--max-drill-age <days>", "days a successful restore drill stays recent enough", numberRules.days).default(7))
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway golive -e production", "slipway golive -e local --max-drill-age 14 --json"]))
    .action(async (opts) => {
      const { goliveCommand } = await import("./commands/golive.js");
      setExit(await goliveCommand(ctx, opts));
    });

  only("runbook")
    ?.command("runbook")
    .description(
      "write the environment's runbook as Markdown: what runs where, health, deploy/rollback/logs, restore with the last drill's RTO, SLOs",
    )
    .addOption(specOption())
    .addOption(envOption())
    .option("--out <file>", "write the Markdown to this file instead of standard output")
    .addOption(jsonOption())
    .addHelpText("after", deployHelp(["slipway runbook -e production --out RUNBOOK.md", "slipway runbook -e local"]))
    .action(async (opts) => {
      const { runbookCommand } = await import("./commands/runbook.js");
      setExit(await runbookCommand(ctx, opts));
    });

  // Commands of `slipway check` register here (owned by src/cli/commands/check.ts).
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  only("check")
    ?.command("check")
    .description("check Kubernetes manifests, Helm charts, Terraform, Dockerfiles and CI files against slipway's production rules")
    .argument("[paths...]", "files or folders (recursive); - for standard input; none: what every environment of the spec deploys")
    .addOption(specOption())
    .option(
      "-e, --env <name>",
      "with no path: what this environment deploys, as the deploy preflight checks it (Kubernetes: its render, and the Dockerfile app.build names; local: nothing)",
    )
    .option("--tag <tag>", "with no path: image tag to render with")
    .option("--digest <sha256:…>", "with no path: image digest to render with")
    .addOption(new Option("--format <format>", "report format").choices(["text", "json", "sarif", "junit", "codequality"]).default("text"))
    .option("-o, --out <file>", "write the report to a file (e.g. for code scanning upload)")
    .addOption(
      new Option("--min-severity <level>", "report and fail on findings at or above this level")
        .choices(["critical", "high", "medium", "low"])
        .default("medium"),
    )
    .option("--rule <ids>", "run only these rules (IDs or prefixes such as SLW-TF; repeat or comma-separate)", collect)
    .option("--skip <ids>", "leave these rules out (IDs or prefixes)", collect)
    .option("--show-waived", "also list waived findings")
    .option(
      "-n, --namespace <name>",
      "the namespace objects without metadata.namespace are applied to, as kubectl's --namespace (cross-object rules match them with objects that name it)",
      "default",
    )
    .addOption(jsonOption())
    .addHelpText(
      "after",
      `
Exit codes: 0 no finding at or above --min-severity, 1 findings, 2 usage error or an input that cannot be parsed.

Waivers: annotation slipway.dev/waive: "SLW-K8S-012=reason until 2027-03-01" on an object,
a "# slipway:waive SLW-TF-008=reason" comment above a Terraform block, Dockerfile instruction or CI job,
or checks.waivers in slipway.yaml. Expired waivers are findings themselves.

Examples:
  slipway check                                   # what every environment of ./slipway.yaml deploys
  slipway check -e production --tag 1.4.2 --min-severity high   # what deploy's preflight checks
  slipway check k8s/ terraform/ Dockerfile .github/workflows
  helm template shop chart/ | slipway check -
  slipway check . --format sarif -o slipway.sarif --min-severity low
  slipway check deploy/ --rule SLW-K8S --skip SLW-K8S-029 --json`,
    )
    .action(async (paths: string[], opts) => {
      const { checkCommand } = await import("./commands/check.js");
      setExit(await checkCommand(ctx, paths, opts));
    });

  only("rules")
    ?.command("rules")
    .description("list the rules of `slipway check` with their peer equivalents, or show one in full")
    .argument("[id]", "a rule ID (SLW-K8S-001) or an area prefix (SLW-TF)")
    .addOption(jsonOption())
    .addHelpText("after", "\nExamples:\n  slipway rules\n  slipway rules SLW-K8S-024\n  slipway rules --json | jq '.result.rules[].peers'")
    .action(async (id: string | undefined, opts) => {
      const { rulesCommand } = await import("./commands/check.js");
      setExit(await rulesCommand(ctx, id, opts));
    });

  const infra = only("infra")
    ?.command("infra")
    .description("the AWS infrastructure `render terraform` writes: state bucket, plan, apply, drift against the spec")
    .addHelpText(
      "after",
      deployHelp([
        "slipway render terraform -e production --out infra/",
        "slipway infra bootstrap -e production",
        "slipway infra plan -e production",
        "slipway infra apply -e production --plan infra/production/tfplan",
        "slipway deploy -e production   # reads the outputs from infra/production",
      ]),
    );
  if (infra) {
    const infraCommand = (name: string, description: string, examples: string[]) =>
      infra
        .command(name)
        .description(description)
        .addOption(specOption())
        .addOption(envOption())
        .addHelpText("after", deployHelp(examples));
    const dirOption = () =>
      new Option("--dir <dir>", "the environment's Terraform root (default: infra/<env>/, where render terraform writes)");
    infraCommand(
      "bootstrap",
      "create the Terraform state bucket (versioned, encrypted, public access blocked, TLS only), or bring it to that; idempotent",
      ["slipway infra bootstrap -e production"],
    )
      .addOption(jsonOption())
      .action(async (opts) => {
        const { infraBootstrapCommand } = await import("./commands/infra.js");
        setExit(await infraBootstrapCommand(ctx, opts));
      });
    infraCommand("plan", "tofu/terraform init with the spec's state backend, then plan saved to a file (output streamed)", [
      "slipway infra plan -e production",
      "slipway infra plan -e staging --out staging.tfplan",
    ])
      .addOption(dirOption())
      .option("--out <file>", "where the plan is saved (default: tfplan in the root)")
      .addOption(jsonOption())
      .action(async (opts) => {
        const { infraPlanCommand } = await import("./commands/infra.js");
        setExit(await infraPlanCommand(ctx, opts));
      });
    infraCommand("apply", "apply a saved plan (--plan; required with CI=true or without a terminal), or Terraform's interactive apply", [
      "slipway infra apply -e production --plan infra/production/tfplan",
    ])
      .addOption(dirOption())
      .option("--plan <file>", "the saved plan to apply (from `slipway infra plan`)")
      .addOption(jsonOption())
      .action(async (opts) => {
        const { infraApplyCommand } = await import("./commands/infra.js");
        setExit(await infraApplyCommand(ctx, opts));
      });
    infraCommand("drift", "report where the spec and the applied outputs disagree (region, engine, port, role, repository)", [
      "slipway infra drift -e production",
      "slipway infra drift -e production --infra outputs.json --json",
    ])
      .addOption(dirOption())
      .option("--infra <file>", "read the outputs from this file (`terraform output -json`) instead of the root")
      .addOption(jsonOption())
      .addHelpText("after", "\nExit codes: 0 the spec and the outputs agree, 1 they differ, 2 usage, spec or outputs-file error.")
      .action(async (opts) => {
        const { infraDriftCommand } = await import("./commands/infra.js");
        setExit(await infraDriftCommand(ctx, opts));
      });
  }
  const ci = only("ci")
    ?.command("ci")
    .description("the CI/CD pipeline's pinned actions and setup checklist (render it with `slipway render ci`)")
    .addHelpText(
      "after",
      "\nExamples:\n  slipway render ci --provider github\n  slipway ci checklist --provider github\n  slipway ci pins",
    );
  ci?.command("pins")
    .description("list the actions (by commit SHA) and images the rendered pipelines use")
    .addOption(jsonOption())
    .addHelpText("after", "\nExamples:\n  slipway ci pins\n  slipway ci pins --json")
    .action(async (opts) => {
      const { ciPinsCommand } = await import("./commands/ci.js");
      setExit(await ciPinsCommand(ctx, opts));
    });
  ci?.command("checklist")
    .description("the setup YAML cannot do: OIDC provider and roles, environments and reviewers, branch protection, secrets")
    .addOption(specOption())
    .addOption(new Option("--provider <provider>", "CI system").choices(["github", "gitlab"]).makeOptionMandatory())
    .addOption(jsonOption())
    .addHelpText("after", "\nExamples:\n  slipway ci checklist --provider github\n  slipway ci checklist --provider gitlab --json")
    .action(async (opts) => {
      const { ciChecklistCommand } = await import("./commands/ci.js");
      setExit(await ciChecklistCommand(ctx, opts));
    });

  return program;
}

/** Runs the CLI and returns the exit code. Never throws. */
export async function main(argv: readonly string[], ctx: CliContext = processContext(), options: ProgramOptions = {}): Promise<number> {
  let exit: number = exitCodes.ok;
  ctx.json = argv.includes("--json");
  // A known command first: build only it. Help, `help`, unknown commands and no arguments get the full tree.
  const first = argv[0];
  const command = commandNames.find((name) => name === first);
  const program = buildProgram(
    ctx,
    (code) => {
      exit = code;
    },
    options,
    command,
  );
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") {
        return exitCodes.ok;
      }
      if (error.code === "commander.executeSubCommandAsync") return error.exitCode;
      const usage = new SlipwayError("USAGE", error.message.replace(/^error: /, ""), {
        hint: "Run `slipway --help` or `slipway <command> --help` for the flags and examples.",
      });
      return report(ctx, usage);
    }
    return report(ctx, error);
  }
}
