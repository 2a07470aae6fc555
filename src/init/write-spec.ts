import type { CiCommands, DatabaseEngine, Framework, LocalPlan } from "./detect-app.js";

/** What `slipway init` asks (or detects) before it writes slipway.yaml. */
export interface InitAnswers {
  /** App name, a DNS label. */
  name: string;
  /** Image repository, optionally with a tag or digest. */
  image: string;
  port: number;
  /** Health path: readiness and startup (liveness then checks the TCP port). */
  health: string;
  engine?: DatabaseEngine | undefined;
  migrate?: readonly string[] | undefined;
  setup?: readonly string[] | undefined;
  secrets: readonly string[];
  /** Public host; without one the spec gets no ingress (a commented one instead). */
  ingressHost?: string | undefined;
  framework: Framework;
  /** The start command (`app.command`). */
  command?: readonly string[] | undefined;
  /** Plain env detected for the app (FLASK_APP, the host allow-list, …), on top of the framework's. */
  env?: Readonly<Record<string, string>> | undefined;
  /** How the local environment prepares and runs the app. */
  local?: LocalPlan | undefined;
  /** The DATABASE_URL scheme the framework and driver expect. */
  databaseUrlScheme?: string | undefined;
  /** `app.build.steps`: collectstatic, assets:precompile, npm run build, … */
  buildSteps?: readonly (readonly string[])[] | undefined;
  /** The `ci:` block's install, lint and test commands, where found. */
  ci?: CiCommands | undefined;
}

/** The JSON Schema file `slipway init` writes beside the spec, so editors need no node_modules. */
export const schemaFileName = "slipway.schema.json";
export const schemaComment = `# yaml-language-server: $schema=./${schemaFileName}`;
/** Where the run contract (PORT/HOST, DATABASE_URL, health, logs) is written down. */
export const contractDoc = "docs/app-contract.md";

/** Plain env every app of a framework wants in production. Secrets never go here. */
const frameworkEnv: Readonly<Record<Framework, Readonly<Record<string, string>>>> = {
  rails: { RAILS_ENV: "production", RAILS_LOG_TO_STDOUT: "1" },
  django: { PYTHONUNBUFFERED: "1" },
  flask: { PYTHONUNBUFFERED: "1" },
  fastapi: { PYTHONUNBUFFERED: "1" },
  next: { NODE_ENV: "production" },
  node: { NODE_ENV: "production" },
  unknown: {},
};

/**
 * The commented slipway.yaml that `slipway init` writes: the answers, a `local` environment on this
 * machine, staging and production environments on Kubernetes, and comments that point at the
 * optional keys. Pure; the caller validates the text with parseSpecText + validateSpec before
 * writing it.
 */
export function writeSpecText(answers: InitAnswers): string {
  /** A line with a trailing comment, aligned so the comments form a column. */
  const commented = (code: string, comment: string) => `${code.padEnd(40)} # ${comment}`;
  const { name } = answers;
  const out: string[] = [
    schemaComment,
    `# slipway.yaml for ${name}, written by \`slipway init\`. Keys left out have production defaults:`,
    "# `slipway render kubernetes -e staging` shows them all, `slipway schema` documents every key.",
    `# What slipway gives the app (PORT, HOST, DATABASE_URL, …) and expects of it: ${contractDoc}`,
    `name: ${scalar(name)}`,
    "app:",
    "  # Registry/repository. The tag or digest is best set at deploy time (--tag / --digest).",
    `  image: ${scalar(answers.image)}`,
    ...(answers.buildSteps && answers.buildSteps.length > 0
      ? [
          commented("  build:", "the image build runs the steps (RUN), never the container at boot"),
          commented("    steps:", "the local target runs them after its prepare"),
          ...answers.buildSteps.map((step) => `      - ${flow(step)}`),
          "    # context: ., dockerfile: Dockerfile, platforms: [linux/amd64, linux/arm64]",
        ]
      : ["  # build: { context: ., dockerfile: Dockerfile, platforms: [linux/amd64, linux/arm64] }"]),
    `  port: ${answers.port}`,
    ...(answers.command
      ? [commented(`  command: ${flow(answers.command)}`, "the app listens on $PORT and $HOST, which slipway sets")]
      : ["  # command: [node, server.js]              # the start command; it must listen on $PORT"]),
    "  # One path for readiness and startup; liveness then checks the TCP port. Separate paths:",
    `  #   health: { liveness: ${scalar(answers.health)}, readiness: /ready, readinessChecksDatabase: true }`,
    `  health: ${scalar(answers.health)}`,
  ];

  const env = { ...frameworkEnv[answers.framework], ...answers.env };
  if (Object.keys(env).length > 0) {
    out.push(commented("  env:", "plain settings only; never secrets"));
    for (const [key, value] of Object.entries(env)) out.push(`    ${key}: ${scalar(value)}`);
  } else {
    out.push(commented("  # env: { LOG_LEVEL: info }", "plain settings only; never secrets"));
  }

  out.push(
    "  # Names only: the values come from each environment's secretSource, never from this file.",
    `  secrets: ${flow(answers.secrets)}`,
    commented("  resources: { cpu: 250m, memory: 512Mi }", "requests; the memory limit equals the request"),
    commented("  scale: { min: 2, max: 4 }", "an HPA between them, and a PodDisruptionBudget"),
    commented("  # metrics: { path: /metrics }", "→ a ServiceMonitor"),
    commented("  # egress:", "outbound destinations besides DNS and the database"),
    "  #   - { host: api.stripe.com, port: 443 }",
  );

  if (answers.migrate || answers.setup) {
    out.push(commented("  release:", "run from the new image, before traffic moves"));
    if (answers.setup) out.push(commented(`    setup: ${flow(answers.setup)}`, "first deploy of an environment only"));
    if (answers.migrate) out.push(commented(`    migrate: ${flow(answers.migrate)}`, "every deploy; a failure stops it"));
  } else {
    out.push(commented("  # release: { migrate: [./migrate] }", "run on every deploy, before traffic moves"));
  }

  if (answers.engine) {
    out.push(
      "database:",
      commented(`  engine: ${answers.engine}`, "mysql | postgres; the app gets DATABASE_URL and DB_* env vars"),
      // The scheme the detected framework and driver expect; the key only when it is not the engine's default.
      ...(answers.databaseUrlScheme && answers.databaseUrlScheme !== (answers.engine === "mysql" ? "mysql" : "postgresql")
        ? [commented(`  urlScheme: ${answers.databaseUrlScheme}`, "DATABASE_URL's scheme, as this app's framework and driver expect")]
        : answers.databaseUrlScheme
          ? [`  # DATABASE_URL scheme this app expects: ${answers.databaseUrlScheme}://`]
          : []),
      commented(
        `  # version: "${answers.engine === "mysql" ? "8.0" : "17"}"`,
        "defaults: this version, size: small, backups: { retentionDays: 7 }",
      ),
    );
  } else {
    out.push(commented("# database: { engine: postgres }", "mysql | postgres"));
  }

  if (answers.ingressHost) {
    out.push("ingress:", `  host: ${scalar(answers.ingressHost)}`, "  tls: true", commented("  class: alb", "alb | nginx"));
  } else {
    out.push("# ingress: { host: app.example.com, tls: true, class: alb }");
  }

  const secretName = `${name.slice(0, 32).replace(/-+$/, "")}-secrets`;
  const local = answers.local;
  out.push(
    "environments:",
    commented("  local:", "slipway deploy -e local: this machine, behind a proxy on :4000"),
    commented("    target: local", "secrets from .slipway/secrets.env (chmod 600)"),
  );
  out.push(
    "  staging:",
    "    target: kubernetes",
    `    secretSource: { kubernetes-secret: ${secretName} }`,
    "    app: { scale: { min: 1, max: 2 } }",
  );
  if (answers.ingressHost) out.push(`    ingress: { host: ${scalar(`staging.${answers.ingressHost}`)} }`);
  out.push(
    "  production:",
    "    target: kubernetes",
    `    secretSource: { aws-secrets-manager: { prefix: ${scalar(`${name}/production/`)} } }`,
    "targets:",
    "  local:",
    "    type: local",
    "    port: 4000",
  );
  if (local?.prepare) out.push(commented(`    prepare: ${flow(local.prepare)}`, "runs in each release's copy of the app"));
  else out.push(commented("    # prepare: [npm, ci, --omit=dev]", "runs in each release's copy of the app"));
  if (local && local.path.length > 0)
    out.push(commented(`    path: ${flow(local.path)}`, "first on PATH for prepare, migrate and the app"));
  out.push(`  # kubernetes: { context: my-cluster, namespace: ${name} }`);
  const ci = answers.ci;
  const ciLines = (["install", "lint", "test"] as const).flatMap((key) => {
    const command = ci?.[key];
    return command ? [`  ${key}: ${flow(command)}`] : [`  # ${key}: [...]`];
  });
  // A block whose keys are all commented out would read as ci: null, which the schema refuses.
  if (ciLines.every((l) => l.startsWith("  #")))
    out.push(commented("# ci: { install: [...], lint: [...], test: [...] }", "slipway render ci --provider github|gitlab"));
  else out.push(commented("ci:", "slipway render ci --provider github|gitlab; slipway ci checklist"), ...ciLines);
  return `${out.join("\n")}\n`;
}

// No indicator first (@, `, -, ?, :, …), except "-" that is not alone (e.g. "-c").
const plainSafe = /^([A-Za-z0-9_./+]|-(?=.))[A-Za-z0-9_./@:+=-]*$/;
const yamlWords = /^(true|false|yes|no|on|off|y|n|null|~)$/i;
const numberLike = /^[-+]?(\.?[0-9][0-9_.eExXoObB+-]*|\.inf|\.nan)$/i;

/**
 * A YAML string scalar for `value`: plain when that reads back as the same string, else
 * JSON-quoted (a JSON string is a valid YAML double-quoted scalar).
 */
function scalar(value: string): string {
  const plain = plainSafe.test(value) && !yamlWords.test(value) && !numberLike.test(value) && !value.endsWith(":");
  return plain ? value : JSON.stringify(value);
}

function flow(words: readonly string[]): string {
  return `[${words.map((w) => scalar(w)).join(", ")}]`;
}
