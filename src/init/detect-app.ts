/*
 * `slipway init` detection: what kind of app a folder holds and how it starts, migrates, builds
 * and checks its health, guessed from its files. Pure: the CLI reads the project's files
 * (src/effects/project-files.ts) and passes their text in; every guess comes with a note that says
 * what it was based on, so the user can judge and correct it.
 */

import { probeHost } from "../render/probe-host.js";
import { commandFor, shellText, splitAnd, splitWords } from "./shell-words.js";

export type Framework = "rails" | "django" | "flask" | "fastapi" | "next" | "node" | "unknown";
export type Ecosystem = "python" | "node" | "ruby";
export type DatabaseEngine = "mysql" | "postgres";

/** What the Dockerfile (final stage) says; `found: false` when there is none. */
export interface DockerfileFacts {
  found: boolean;
  /** Numeric ports from EXPOSE, in order. */
  exposes: number[];
  /** The last USER, as written (e.g. "10001:10001", "app"); undefined when there is none. */
  user: string | undefined;
  /** A USER that is neither root nor 0. */
  nonRootUser: boolean;
  /** The USER is numeric (Kubernetes can only verify runAsNonRoot for numeric users). */
  numericUser: boolean;
}

/** How the local target runs the app where that differs from the image (the virtualenv's programs). */
export interface LocalPlan {
  /** `targets.local.prepare`: install dependencies into the release copy (the build steps run after it). */
  prepare: string[] | undefined;
  /**
   * `targets.local.path`: folders of the release copy put first on PATH (`.venv/bin`), so the app's
   * own programs run locally under the same command as in the image.
   */
  path: string[];
}

/** Where the app reads its host allow-list (Django ALLOWED_HOSTS, Rails config.hosts). */
export interface HostsFacts {
  setting: "ALLOWED_HOSTS" | "config.hosts";
  /** The environment variable the setting is read from; undefined when it is hard-coded. */
  variable: string | undefined;
  /** How the variable's value is split: "," or " ". */
  separator: string;
}

export interface AppDetection {
  /** A DNS label for the spec's `name`. */
  name: string;
  framework: Framework;
  ecosystem: Ecosystem | undefined;
  engine: DatabaseEngine | undefined;
  /**
   * The DATABASE_URL scheme the framework and driver expect (e.g. "postgresql+psycopg",
   * "mysql2"); undefined when slipway's default for the engine fits.
   */
  databaseUrlScheme: string | undefined;
  port: number;
  health: string;
  /** Whether `health` is a route the code defines (false: a fallback the app answers anyway). */
  healthFound: boolean;
  /** When no health route was found: the lines to add one, for this framework. */
  healthRoute: string[] | undefined;
  /** The start command (`app.command`), listening on $HOST:$PORT; undefined when none was found. */
  command: string[] | undefined;
  /** Command run on every deploy, when one was found. */
  migrate: string[] | undefined;
  /** Command run on the first deploy only, when one was found. */
  setup: string[] | undefined;
  /** Build-time steps (collectstatic, assets:precompile, npm run build), as commands for app.build.steps. */
  buildSteps: string[][];
  /** Plain environment the app needs (FLASK_APP, the host allow-list, …). Never secrets. */
  env: Record<string, string>;
  local: LocalPlan;
  /** Secret names: environment variables the code reads whose names look secret. */
  secrets: string[];
  /** Every environment variable name the code reads, sorted. */
  envRead: string[];
  hosts: HostsFacts | undefined;
  dockerfile: DockerfileFacts;
  /** The pipeline's install, lint and test commands (the spec's `ci:` block); undefined where none was found. */
  ci: CiCommands;
  /** One line per guess: what was guessed, from what. */
  notes: string[];
}

/** What `slipway render ci` runs on every pull request before slipway check. */
export interface CiCommands {
  install: string[] | undefined;
  lint: string[] | undefined;
  test: string[] | undefined;
}

/** Programs init may choose that are not on every machine; the CLI says which are on PATH. */
export const optionalTools = ["uv", "poetry", "pnpm", "yarn", "bun", "bundle"] as const;

export const frameworkDefaults: Readonly<Record<Framework, { port: number; health: string }>> = {
  rails: { port: 3000, health: "/up" },
  django: { port: 8000, health: "/health" },
  flask: { port: 5000, health: "/health" },
  fastapi: { port: 8000, health: "/health" },
  next: { port: 3000, health: "/health" },
  node: { port: 3000, health: "/health" },
  unknown: { port: 8080, health: "/health" },
};

const pythonEngines: Readonly<Record<string, DatabaseEngine>> = {
  psycopg: "postgres",
  "psycopg-binary": "postgres",
  psycopg2: "postgres",
  "psycopg2-binary": "postgres",
  asyncpg: "postgres",
  mysqlclient: "mysql",
  pymysql: "mysql",
  "mysql-connector-python": "mysql",
  aiomysql: "mysql",
};

/**
 * SQLAlchemy dialect+driver per Python driver package (SQLAlchemy 2 rejects postgres://). The driver
 * is always named: a bare postgresql:// means psycopg2 before SQLAlchemy 2.1 and psycopg 3 from it.
 */
const sqlalchemySchemes: Readonly<Record<string, string>> = {
  psycopg2: "postgresql+psycopg2",
  "psycopg2-binary": "postgresql+psycopg2",
  psycopg: "postgresql+psycopg",
  "psycopg-binary": "postgresql+psycopg",
  asyncpg: "postgresql+asyncpg",
  pymysql: "mysql+pymysql",
  mysqlclient: "mysql",
  "mysql-connector-python": "mysql+mysqlconnector",
  aiomysql: "mysql+aiomysql",
};

const nodeEngines: Readonly<Record<string, DatabaseEngine>> = {
  pg: "postgres",
  postgres: "postgres",
  "pg-promise": "postgres",
  mysql2: "mysql",
  mysql: "mysql",
};

const railsAdapters: Readonly<Record<string, DatabaseEngine>> = {
  mysql2: "mysql",
  trilogy: "mysql",
  postgresql: "postgres",
  postgis: "postgres",
};

const rubyEngines: Readonly<Record<string, DatabaseEngine>> = { mysql2: "mysql", trilogy: "mysql", pg: "postgres" };

/** Env names slipway sets itself; never suggested as app secrets. */
const slipwayEnv = /^(DATABASE_URL|DB_(HOST|PORT|NAME|USER|PASSWORD|ENGINE|APP_USER|APP_PASSWORD)|PORT|HOST|SLIPWAY_\w+)$/;
const secretLooking = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIALS|SIGNING|SALT|(^|_)KEY$|_DSN$|_PASS$)/;
/** Build-time public values by convention, never secrets. */
const publicPrefix = /^(NEXT_PUBLIC_|VITE_|PUBLIC_|REACT_APP_)/;

const pythonFile = /\.py$/;
const jsFile = /\.(js|mjs|cjs|ts|mts|cts|jsx|tsx)$/;
const rubyFile = /\.(rb|yml|erb)$/;

/** Scripts a Procfile or a Dockerfile may hand the start over to. */
const bootScripts = ["boot.sh", "entrypoint.sh", "docker-entrypoint.sh", "start.sh", "bin/start", "bin/boot", "scripts/start.sh"];

interface Context {
  files: ReadonlyMap<string, string>;
  notes: string[];
  python: Set<string>;
  pkg: PackageJson | undefined;
  nodeDeps: Set<string>;
  devDeps: Set<string>;
  gems: Set<string>;
  /** Tools on PATH; undefined: unknown, so the project's lockfile decides. */
  tools: ReadonlySet<string> | undefined;
}

/**
 * Guesses everything `slipway init` writes from file contents (relative path → text; lockfiles may
 * be ""). `folderName` names the app when no manifest does; `tools` are the optional programs on
 * PATH (see `optionalTools`), undefined when unknown.
 */
export function detectApp(files: ReadonlyMap<string, string>, folderName?: string, tools?: ReadonlySet<string>): AppDetection {
  const notes: string[] = [];
  const pkg = packageJson(files, notes);
  const ctx: Context = {
    files,
    notes,
    python: pythonPackages(files),
    pkg,
    nodeDeps: dependencyNames(pkg?.dependencies),
    devDeps: dependencyNames(pkg?.devDependencies),
    gems: gemNames(files.get("Gemfile")),
    tools,
  };

  const framework = detectFramework(ctx);
  const ecosystem = ecosystemOf(framework, ctx);
  const engine = detectEngine(ctx);
  const databaseUrlScheme = detectUrlScheme(framework, engine, ctx);
  const dockerfile = dockerfileFacts(files.get("Dockerfile") ?? files.get("Containerfile"));
  noteDockerfile(dockerfile, notes);

  const start = detectStart(framework, ecosystem, ctx);
  const defaults = frameworkDefaults[framework];
  const exposed = dockerfile.exposes[0];
  const port = exposed ?? start.port ?? defaults.port;
  notes.push(
    exposed !== undefined
      ? `port: ${port}, from the Dockerfile's EXPOSE (the app listens on $PORT, which slipway sets to it in containers)`
      : start.port !== undefined
        ? `port: ${port}, the port the found start command used (the app now listens on $PORT, set to it in containers)`
        : `port: ${port}, the ${framework === "unknown" ? "slipway" : framework} default (no EXPOSE in a Dockerfile)`,
  );

  if (framework === "flask") flaskApp(start, ctx);
  const { health, healthFound, healthRoute } = detectHealth(framework, ctx);
  const release = detectRelease(framework, ecosystem, start, ctx);
  const env: Record<string, string> = { ...start.env };
  const envRead = readEnvNames(ctx);
  const hosts = detectHosts(framework, ctx, env);
  const secrets = detectSecrets(framework, envRead, env, ctx);
  const local = localPlan(ecosystem, start.command, release, ctx);
  const name = detectName(files, pkg, folderName, notes);
  const ci = ciCommands(ecosystem, framework, ctx);

  return {
    name,
    framework,
    ecosystem,
    engine,
    databaseUrlScheme,
    port,
    health,
    healthFound,
    healthRoute,
    command: start.command,
    migrate: release.migrate,
    setup: release.setup,
    buildSteps: release.buildSteps.map(buildStepCommand),
    env,
    local,
    secrets,
    envRead,
    hosts,
    dockerfile,
    ci,
    notes,
  };
}

interface PackageJson {
  name?: unknown;
  main?: unknown;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  scripts?: Record<string, unknown>;
}

function packageJson(files: ReadonlyMap<string, string>, notes: string[]): PackageJson | undefined {
  const text = files.get("package.json");
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as PackageJson;
  } catch {
    // reported below
  }
  notes.push("package.json is not a JSON object; ignored it");
  return undefined;
}

function dependencyNames(group: Record<string, unknown> | undefined): Set<string> {
  return new Set(group && typeof group === "object" ? Object.keys(group) : []);
}

function script(ctx: Context, name: string): string | undefined {
  const value = ctx.pkg?.scripts?.[name];
  return typeof value === "string" ? value : undefined;
}

/** Paths of the files whose name matches, in a stable order. */
function filesMatching(ctx: Context, pattern: RegExp): string[] {
  return [...ctx.files.keys()].filter((f) => pattern.test(f)).sort();
}

/** Python module name of a file path: inventory/main.py → inventory.main. */
function moduleOf(path: string): string {
  return path
    .replace(/\.py$/, "")
    .replace(/\/__init__$/, "")
    .replace(/\//g, ".");
}

/** Normalised (PEP 503) names of the Python packages the app depends on. */
function pythonPackages(files: ReadonlyMap<string, string>): Set<string> {
  const names = new Set<string>();
  const add = (raw: string) => {
    const match = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(raw);
    if (match?.[1]) names.add(match[1].toLowerCase().replace(/[._]+/g, "-"));
  };
  for (const line of (files.get("requirements.txt") ?? "").split("\n")) {
    const text = line.replace(/#.*/, "").trim();
    if (text === "" || text.startsWith("-")) continue;
    add(text);
  }
  const pyproject = files.get("pyproject.toml") ?? "";
  for (const [table, body] of tomlTables(pyproject)) {
    // PEP 621 `dependencies = [...]`, optional groups, and PEP 735 dependency groups.
    const arrays =
      table === "project"
        ? /^\s*dependencies\s*=\s*\[([\s\S]*?)\][ \t]*(?:#.*)?$/gm
        : /^\s*["']?[\w.-]+["']?\s*=\s*\[([\s\S]*?)\][ \t]*(?:#.*)?$/gm;
    if (table === "project" || table === "project.optional-dependencies" || table === "dependency-groups") {
      for (const array of body.matchAll(arrays)) for (const quoted of (array[1] ?? "").matchAll(/["']([^"']+)["']/g)) add(quoted[1] ?? "");
    }
    // Poetry lists packages as table keys: `flask = "^3.1"`.
    if (/^tool\.poetry(\.group\.[\w-]+)?\.dependencies$/.test(table)) {
      for (const key of body.matchAll(/^\s*["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?\s*=/gm)) if (key[1] && key[1] !== "python") add(key[1]);
    }
  }
  for (const [table, body] of tomlTables(files.get("Pipfile") ?? "")) {
    if (table !== "packages") continue;
    for (const key of body.matchAll(/^\s*["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?\s*=/gm)) if (key[1]) add(key[1]);
  }
  return names;
}

/** [table name, body] pairs of a TOML file; "" names the part before the first table. */
function tomlTables(text: string): [string, string][] {
  const tables: [string, string][] = [];
  let name = "";
  let body: string[] = [];
  for (const line of text.split("\n")) {
    const header = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(line);
    if (header?.[1]) {
      tables.push([name, body.join("\n")]);
      name = header[1].replace(/["'\s]/g, "");
      body = [];
    } else body.push(line);
  }
  tables.push([name, body.join("\n")]);
  return tables;
}

function gemNames(gemfile: string | undefined): Set<string> {
  const names = new Set<string>();
  for (const match of (gemfile ?? "").matchAll(/^\s*gem\s+["']([^"']+)["']/gm)) if (match[1]) names.add(match[1]);
  return names;
}

function detectFramework(ctx: Context): Framework {
  const { files, python, pkg, gems, notes } = ctx;
  // Rails apps often carry a package.json for assets, and Python apps a Dockerfile with node:
  // the more specific signs win.
  if (gems.has("rails") || gems.has("railties")) {
    notes.push("framework: rails (the Gemfile has gem 'rails')");
    return "rails";
  }
  if (
    /Rails\.application/.test(files.get("config/routes.rb") ?? "") ||
    /Rails::Application/.test(files.get("config/application.rb") ?? "")
  ) {
    notes.push("framework: rails (config/ holds a Rails application)");
    return "rails";
  }
  if (files.has("manage.py") || python.has("django")) {
    notes.push(`framework: django (${files.has("manage.py") ? "manage.py is present" : "django is a dependency"})`);
    return "django";
  }
  const importing = (module: string) =>
    filesMatching(ctx, pythonFile).find((f) =>
      new RegExp(`^\\s*(from\\s+${module}\\s+import|import\\s+${module})\\b`, "m").test(files.get(f) ?? ""),
    );
  if (python.has("fastapi")) {
    notes.push("framework: fastapi (fastapi is a dependency)");
    return "fastapi";
  }
  const flaskImport = python.has("flask") ? undefined : importing("flask");
  if (python.has("flask") || flaskImport) {
    notes.push(`framework: flask (${python.has("flask") ? "flask is a dependency" : `${flaskImport} imports flask`})`);
    return "flask";
  }
  const fastapiImport = importing("fastapi");
  if (fastapiImport) {
    notes.push(`framework: fastapi (${fastapiImport} imports fastapi)`);
    return "fastapi";
  }
  if (pkg) {
    if (ctx.nodeDeps.has("next")) {
      notes.push("framework: next (next is a dependency in package.json)");
      return "next";
    }
    const web = ["express", "fastify", "koa", "@hapi/hapi", "@nestjs/core"].find((d) => ctx.nodeDeps.has(d));
    notes.push(`framework: node (package.json${web ? `, with ${web}` : ""})`);
    return "node";
  }
  notes.push("framework: unknown (no Gemfile, Python requirements or package.json found)");
  return "unknown";
}

function ecosystemOf(framework: Framework, ctx: Context): Ecosystem | undefined {
  switch (framework) {
    case "rails":
      return "ruby";
    case "django":
    case "flask":
    case "fastapi":
      return "python";
    case "next":
    case "node":
      return "node";
    case "unknown":
      if (ctx.files.has("requirements.txt") || ctx.files.has("pyproject.toml")) return "python";
      if (ctx.files.has("Gemfile")) return "ruby";
      return undefined;
  }
}

function detectEngine(ctx: Context): DatabaseEngine | undefined {
  const { files, python, gems, notes } = ctx;
  const databaseYml = files.get("config/database.yml");
  if (databaseYml !== undefined) {
    const adapters = [...databaseYml.matchAll(/^\s*adapter:\s*["']?([\w-]+)/gm)].map((m) => m[1] ?? "");
    const engines = unique(adapters.map((a) => railsAdapters[a]).filter((e): e is DatabaseEngine => e !== undefined));
    if (engines.length === 1 && engines[0]) {
      notes.push(`database: ${engines[0]} (config/database.yml uses adapter ${adapters.find((a) => railsAdapters[a] === engines[0])})`);
      return engines[0];
    }
    if (engines.length > 1) {
      notes.push(`database: not chosen; config/database.yml names both ${engines.join(" and ")}`);
      return undefined;
    }
  }
  const prisma = prismaProvider(ctx);
  if (prisma === "postgresql" || prisma === "mysql") {
    const engine: DatabaseEngine = prisma === "mysql" ? "mysql" : "postgres";
    notes.push(`database: ${engine} (prisma/schema.prisma's datasource provider is ${prisma})`);
    return engine;
  }
  const candidates: [string, Iterable<string>, Readonly<Record<string, DatabaseEngine>>][] = [
    ["the Gemfile", gems, rubyEngines],
    ["the Python requirements", python, pythonEngines],
    ["package.json", [...ctx.nodeDeps, ...ctx.devDeps], nodeEngines],
  ];
  for (const [source, names, table] of candidates) {
    const found = unique([...names].filter((n) => table[n] !== undefined));
    const engines = unique(found.map((n) => table[n] as DatabaseEngine));
    if (engines.length === 1 && engines[0]) {
      notes.push(`database: ${engines[0]} (driver ${found.join(", ")} in ${source})`);
      return engines[0];
    }
    if (engines.length > 1) {
      notes.push(`database: not chosen; ${source} has drivers for both ${engines.join(" and ")} (${found.join(", ")})`);
      return undefined;
    }
  }
  notes.push("database: none found (no MySQL or PostgreSQL driver among the dependencies)");
  return undefined;
}

function prismaProvider(ctx: Context): string | undefined {
  const schema = ctx.files.get("prisma/schema.prisma") ?? ctx.files.get("schema.prisma");
  const datasource = /datasource\s+\w+\s*\{([^}]*)\}/.exec(schema ?? "")?.[1];
  return /provider\s*=\s*"(\w+)"/.exec(datasource ?? "")?.[1];
}

function detectUrlScheme(framework: Framework, engine: DatabaseEngine | undefined, ctx: Context): string | undefined {
  if (!engine) return undefined;
  const { python, gems, notes } = ctx;
  const say = (scheme: string, why: string) => {
    notes.push(`DATABASE_URL scheme: ${scheme}:// (${why})`);
    return scheme;
  };
  const driverOf = (table: Readonly<Record<string, DatabaseEngine>>, names: Iterable<string>) =>
    [...names].find((n) => table[n] === engine);
  if (framework === "rails" || ctx.files.has("config/database.yml")) {
    const adapter = /^\s*adapter:\s*["']?([\w-]+)/m.exec(ctx.files.get("config/database.yml") ?? "")?.[1];
    const gem = adapter && railsAdapters[adapter] === engine ? adapter : driverOf(rubyEngines, gems);
    if (gem === "mysql2" || gem === "trilogy") return say(gem, `Active Record picks the ${gem} adapter from it`);
    return say("postgresql", "Active Record's PostgreSQL adapter");
  }
  if (prismaProvider(ctx)) return say(engine === "mysql" ? "mysql" : "postgresql", "Prisma's datasource URL format");
  if (framework === "django") {
    if (python.has("dj-database-url")) {
      return say(engine === "mysql" ? "mysql" : "postgresql", "dj-database-url maps it to Django's backend");
    }
    notes.push("DATABASE_URL scheme: not needed (Django settings without dj-database-url; the app can use DB_HOST, DB_NAME, …)");
    return undefined;
  }
  if (["sqlalchemy", "flask-sqlalchemy", "sqlmodel"].some((p) => python.has(p))) {
    const driver = driverOf(pythonEngines, python);
    const scheme = driver ? sqlalchemySchemes[driver] : undefined;
    if (scheme) return say(scheme, `SQLAlchemy with ${driver}; SQLAlchemy 2 rejects postgres://`);
  }
  const nodeDriver = driverOf(nodeEngines, [...ctx.nodeDeps, ...ctx.devDeps]);
  if (nodeDriver) return say(engine === "mysql" ? "mysql" : "postgres", `the ${nodeDriver} driver's connection string`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Start command

interface StartFacts {
  command: string[] | undefined;
  /** The port the found command or its config bound, before it was rewritten to $PORT. */
  port: number | undefined;
  /** Plain env the command set inline or its config named (FLASK_APP=…). */
  env: Record<string, string>;
  /** Migration commands found in a boot script (run at boot there; slipway runs them as release). */
  bootMigrations: string[][];
  /** Build steps found where the app starts (a Procfile release line). */
  bootBuild: string[];
}

/** Python programs that take the server's bind address, and how. */
const servers: Readonly<Record<string, { host: string[]; port: string[]; bind?: string[] }>> = {
  gunicorn: { host: [], port: [], bind: ["-b", "--bind"] },
  hypercorn: { host: [], port: [], bind: ["-b", "--bind"] },
  uvicorn: { host: ["--host"], port: ["--port"] },
  daphne: { host: ["-b", "--bind"], port: ["-p", "--port"] },
  puma: { host: [], port: ["-p", "--port"], bind: ["-b", "--bind"] },
  next: { host: ["-H", "--hostname"], port: ["-p", "--port"] },
};

function detectStart(framework: Framework, ecosystem: Ecosystem | undefined, ctx: Context): StartFacts {
  const facts: StartFacts = { command: undefined, port: undefined, env: {}, bootMigrations: [], bootBuild: [] };
  const procfile = procfileLines(ctx.files.get("Procfile"));
  let source: string | undefined;
  let text: string | undefined;
  const web = procfile.get("web");
  if (web !== undefined) {
    source = "the Procfile's web line";
    text = web;
  }
  // A Procfile line (or nothing) that hands over to a boot script: read the script instead.
  const scriptName = bootScriptOf(text, ctx) ?? (text === undefined ? bootScripts.find((s) => ctx.files.has(s)) : undefined);
  if (scriptName) {
    const found = serverLineOf(ctx.files.get(scriptName) ?? "", scriptName, facts, ctx);
    if (found) {
      source = source ? `${source} → ${scriptName}` : scriptName;
      text = found;
    } else {
      ctx.notes.push(`start: ${scriptName} has no line that starts a server slipway recognises; it runs as it is`);
      facts.command = ["sh", scriptName];
      return facts;
    }
  }
  if (text === undefined) {
    const fallback = defaultStart(framework, ctx);
    if (fallback) [source, text] = fallback;
  }
  if (text === undefined || source === undefined) {
    ctx.notes.push(
      `start: no start command found (no Procfile web line, boot script, ${ecosystem === "node" ? "start script" : "known server"}); set app.command`,
    );
    return facts;
  }
  const words = splitWords(text);
  if (!words || words.length === 0) {
    facts.command = ["sh", "-c", text];
    ctx.notes.push(`start: [sh, -c, ${text}] from ${source} (shell syntax, run as written; make sure it listens on $PORT)`);
    return facts;
  }
  // Inline assignments become plain env: `FLASK_APP=app.py flask run` → env FLASK_APP.
  while (words.length > 0 && /^[A-Za-z_]\w*=/.test(words[0] ?? "")) {
    const [key, ...value] = (words.shift() as string).split("=");
    if (key) facts.env[key] = value.join("=");
  }
  const rewritten = rewriteBind(words, ecosystem, ctx);
  // A program from node_modules/.bin (next, nuxt, …) is not on PATH outside npm scripts.
  if (
    ecosystem === "node" &&
    !/^(node|npm|npx|yarn|pnpm|bun|sh|bash)$/.test(rewritten.words[0] ?? "") &&
    !(rewritten.words[0] ?? "").includes("/")
  ) {
    rewritten.words.unshift("npx", "--no");
  }
  facts.port = rewritten.port;
  facts.command = commandFor(rewritten.words);
  ctx.notes.push(`start: ${shellText(rewritten.words)} (from ${source}${rewritten.why ? `; ${rewritten.why}` : ""})`);
  if (facts.command[0] === "sh") ctx.notes.push("start: run through sh -c so $HOST and $PORT expand; the image needs /bin/sh");
  if (ecosystem === "node" && facts.command[0] === "node") noteNodeListen(facts.command[1], ctx);
  return facts;
}

/** FLASK_APP, which `flask db upgrade` needs unless the app is app.py or wsgi.py. */
function flaskApp(start: StartFacts, ctx: Context): void {
  if (start.env.FLASK_APP) return;
  const fromEnvFile = /^\s*FLASK_APP\s*=\s*["']?([^"'\s]+)/m.exec(ctx.files.get(".flaskenv") ?? "")?.[1];
  const fromDockerfile = /^\s*ENV\s+FLASK_APP[=\s]\s*["']?([^"'\s]+)/m.exec(ctx.files.get("Dockerfile") ?? "")?.[1];
  const target = start.command?.join(" ").match(/\b([\w.]+):(\w+)\b/)?.[1];
  const [value, source] = fromEnvFile
    ? [fromEnvFile, ".flaskenv"]
    : fromDockerfile
      ? [fromDockerfile, "the Dockerfile's ENV"]
      : target && !ctx.files.has("app.py") && !ctx.files.has("wsgi.py")
        ? [target, "the module the start command serves"]
        : [undefined, undefined];
  if (!value) return;
  start.env.FLASK_APP = value;
  ctx.notes.push(`env: FLASK_APP=${value} (from ${source}), so \`flask db upgrade\` finds the app`);
}

function procfileLines(text: string | undefined): Map<string, string> {
  const lines = new Map<string, string>();
  for (const match of (text ?? "").matchAll(/^([A-Za-z0-9_-]+):\s*(.+?)\s*$/gm)) if (match[1] && match[2]) lines.set(match[1], match[2]);
  return lines;
}

/** The boot script a start line runs (`./boot.sh`, `sh boot.sh`, `bash bin/start`), if it is in the project. */
function bootScriptOf(text: string | undefined, ctx: Context): string | undefined {
  const words = text === undefined ? undefined : splitWords(text);
  if (!words) return undefined;
  const file = (["sh", "bash", "exec"].includes(words[0] ?? "") ? words[1] : words[0])?.replace(/^\.\//, "");
  return file && ctx.files.has(file) && (file.endsWith(".sh") || !file.includes(".")) && !/^bin\/(rails|www)$/.test(file)
    ? file
    : undefined;
}

/** Migration commands people run at boot, by the words that give them away. */
const migrationPatterns: RegExp[] = [
  /\bflask\s+db\s+upgrade\b[^;&|\n]*/,
  /\balembic\s+upgrade\s+\w+/,
  /\bpython3?\s+manage\.py\s+migrate\b[^;&|\n]*/,
  /\b(bin\/rails|rails|bundle\s+exec\s+rails|bundle\s+exec\s+rake|rake)\s+db:(migrate|prepare)\b/,
  /\bnpm\s+run\s+(db:)?migrate\b/,
  /\bnpx\s+(--no\s+)?(node-pg-migrate\s+up|knex\s+migrate:latest|prisma\s+migrate\s+deploy|sequelize(-cli)?\s+db:migrate)\b/,
];

/** Build steps people run at boot or release: they belong in the image build / prepare. */
const buildPattern = /\b(collectstatic|assets:precompile|npm\s+run\s+build|yarn\s+build|pnpm\s+(run\s+)?build|next\s+build)\b/;

/** The server line of a boot script (`exec gunicorn …`), noting what else the script does. */
function serverLineOf(text: string, file: string, facts: StartFacts, ctx: Context): string | undefined {
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter((l) => l !== "");
  for (const line of lines) {
    const exported = /^(?:export\s+)?([A-Z][A-Z0-9_]*)=("[^"]*"|'[^']*'|[^\s;]*)\s*$/.exec(line);
    if (exported?.[1] === "FLASK_APP" || exported?.[1] === "DJANGO_SETTINGS_MODULE") {
      facts.env[exported[1]] = (exported[2] ?? "").replace(/^["']|["']$/g, "");
    }
    if (/^(\.|source)\s+\S*bin\/activate\b/.test(line)) {
      ctx.notes.push(`start: ${file} activates a virtualenv; slipway uses the one prepare builds instead`);
    }
  }
  for (const pattern of migrationPatterns) {
    const match = pattern.exec(text);
    const words = match ? splitWords(match[0].trim()) : undefined;
    if (words && !facts.bootMigrations.some((m) => m.join(" ") === words.join(" "))) {
      facts.bootMigrations.push(words);
      ctx.notes.push(`start: ${file} runs \`${words.join(" ")}\` at every boot; slipway runs it once per deploy, as release.migrate`);
    }
  }
  const execLine = lines.findLast((l) => l.startsWith("exec "));
  if (execLine) return execLine.slice(5).trim();
  return lines.findLast((l) => {
    const first = l.split(/\s+/)[0] ?? "";
    return /^(gunicorn|uvicorn|hypercorn|daphne|waitress-serve|python3?|flask|node|npm|npx|yarn|pnpm|bundle|puma|rails|bin\/rails|next)$/.test(
      first,
    );
  });
}

/** The framework's usual server when nothing names one. */
function defaultStart(framework: Framework, ctx: Context): [string, string] | undefined {
  const { python, files } = ctx;
  const pySource = (pattern: RegExp) => filesMatching(ctx, pythonFile).find((f) => pattern.test(files.get(f) ?? ""));
  switch (framework) {
    case "django": {
      const wsgi = /^\s*WSGI_APPLICATION\s*=\s*["']([\w.]+)\.application["']/m;
      const settings = pySource(wsgi);
      const module = settings ? wsgi.exec(files.get(settings) ?? "")?.[1] : moduleOf(filesMatching(ctx, /(^|\/)wsgi\.py$/)[0] ?? "");
      if (!module) return undefined;
      if (python.has("gunicorn")) return [`gunicorn (a dependency) serving ${module}`, `gunicorn ${module}`];
      return [`Django's development server (no gunicorn among the dependencies: add it for production)`, "python manage.py runserver"];
    }
    case "flask":
    case "fastapi": {
      const appLine = framework === "flask" ? /^app\s*=\s*(Flask|create_app)\(/m : /^app\s*=\s*FastAPI\(/m;
      const file = pySource(appLine);
      if (!file) return undefined;
      const target = `${moduleOf(file)}:app`;
      if (framework === "flask" && python.has("gunicorn")) return [`gunicorn (a dependency) serving ${file}'s app`, `gunicorn ${target}`];
      if (framework === "fastapi" && python.has("uvicorn")) return [`uvicorn (a dependency) serving ${file}'s app`, `uvicorn ${target}`];
      if (framework === "fastapi" && python.has("gunicorn")) {
        return [`gunicorn with uvicorn workers serving ${file}'s app`, `gunicorn -k uvicorn.workers.UvicornWorker ${target}`];
      }
      if (framework === "flask")
        return [`flask run (no gunicorn among the dependencies: add it for production)`, `flask --app ${moduleOf(file)} run`];
      return undefined;
    }
    case "rails":
      return files.has("bin/rails") ? ["bin/rails server (Rails' own start command)", "bin/rails server"] : undefined;
    case "next":
    case "node": {
      const start = script(ctx, "start");
      if (start !== undefined) {
        // `npm start` adds a process between the signal and the app; a plain command runs directly.
        const words = splitWords(start);
        if (words && (words[0] === "node" || words[0] === "next")) return ["package.json's start script", start];
        return ["package.json's start script, run by npm (it needs a shell)", "npm start"];
      }
      const main = typeof ctx.pkg?.main === "string" ? ctx.pkg.main : undefined;
      const entry = [main, "server.js", "index.js", "app.js", "src/server.js", "src/index.js", "src/main.js"].find(
        (f) => f && files.has(f),
      );
      return entry ? [`${entry === main ? "package.json's main" : `${entry}, the usual entry point`}`, `node ${entry}`] : undefined;
    }
    case "unknown":
      return undefined;
  }
}

/** The found command with its listen address replaced by $HOST:$PORT, and why. */
function rewriteBind(
  input: readonly string[],
  ecosystem: Ecosystem | undefined,
  ctx: Context,
): { words: string[]; port: number | undefined; why: string | undefined } {
  let words = [...input];
  // Wrappers that only choose the environment: slipway's prepare builds it and puts it first.
  const wrappers: string[][] = [
    ["poetry", "run"],
    ["uv", "run"],
    ["pipenv", "run"],
    ["pdm", "run"],
  ];
  for (const wrapper of wrappers) if (wrapper.every((w, i) => words[i] === w)) words = words.slice(wrapper.length);
  let at = 0;
  if (["python", "python3"].includes(words[0] ?? "") && words[1] === "-m") at = 2;
  if (words[0] === "bundle" && words[1] === "exec") at = 2;
  if (words[0] === "npx") at = words[1] === "--no" ? 2 : 1;
  const program = (words[at] ?? "").split("/").pop() ?? "";
  const removed: string[] = [];
  let port: number | undefined;
  const take = (flags: readonly string[]): string | undefined => {
    let value: string | undefined;
    for (let i = at + 1; i < words.length; i++) {
      const word = words[i] as string;
      const flag = flags.find((f) => word === f || word.startsWith(`${f}=`) || (f.length === 2 && word.startsWith(f) && word.length > 2));
      if (!flag) continue;
      const inline = word === flag ? undefined : word.slice(word.startsWith(`${flag}=`) ? flag.length + 1 : flag.length);
      value = inline ?? words[i + 1];
      removed.push(inline === undefined ? `${word} ${words[i + 1] ?? ""}`.trim() : word);
      words.splice(i, inline === undefined ? 2 : 1);
      i--;
    }
    return value;
  };
  const portIn = (value: string | undefined) => {
    const n = Number(/(\d+)$/.exec(value ?? "")?.[1]);
    if (Number.isInteger(n) && n > 0 && n <= 65535) port = n;
  };
  const insert = (...extra: string[]) => words.splice(at + 1, 0, ...extra);
  const subcommandAt = (name: string) => words.indexOf(name, at + 1);

  const server = servers[program];
  if (server?.bind) {
    const bound = take(server.bind);
    portIn(bound);
    if (program === "gunicorn" && bound === undefined) {
      const config = ctx.files.get("gunicorn.conf.py") ?? "";
      const configured = /^bind\s*=\s*\[?\s*["']([^"']+)["']/m.exec(config)?.[1];
      if (configured) {
        portIn(configured);
        removed.push(`gunicorn.conf.py's bind ${configured}`);
      }
    }
    insert(program === "puma" ? "--bind" : "--bind", program === "puma" ? "tcp://$HOST:$PORT" : "$HOST:$PORT");
    if (program === "puma") portIn(take(server.port));
  } else if (server) {
    take(server.host);
    portIn(take(server.port));
    if (program === "next") {
      const start = subcommandAt("start");
      if (start === -1) return { words, port, why: undefined };
      words.splice(start + 1, 0, server.host[0] as string, "$HOST", server.port[0] as string, "$PORT");
    } else insert(server.host[0] as string, "$HOST", server.port[0] as string, "$PORT");
  } else if (program === "flask" && subcommandAt("run") !== -1) {
    take(["--host", "-h"]);
    portIn(take(["--port", "-p"]));
    words.splice(subcommandAt("run") + 1, 0, "--host", "$HOST", "--port", "$PORT");
  } else if (/^(python3?|manage\.py)$/.test(program) && words.includes("runserver")) {
    const i = words.indexOf("runserver");
    const next = words[i + 1];
    if (next && /^[\w.:[\]]*\d+$/.test(next)) {
      portIn(next);
      removed.push(next);
      words.splice(i + 1, 1);
    }
    words.splice(i + 1, 0, "$HOST:$PORT");
  } else if (program === "rails" && (subcommandAt("server") !== -1 || subcommandAt("s") !== -1)) {
    take(["-b", "--binding"]);
    portIn(take(["-p", "--port"]));
    const i = subcommandAt("server") !== -1 ? subcommandAt("server") : subcommandAt("s");
    words.splice(i + 1, 0, "-b", "$HOST", "-p", "$PORT");
  } else {
    return {
      words,
      port,
      why: ecosystem === "node" ? undefined : "left as found: slipway does not know how this program takes its address",
    };
  }
  const why = removed.length > 0 ? `listen address ${removed.join(", ")} replaced by $HOST:$PORT` : "listens on $HOST:$PORT";
  return { words, port, why };
}

/** Whether a Node entry point reads PORT (the contract); a note when it does not. */
function noteNodeListen(entry: string | undefined, ctx: Context): void {
  const file = entry?.replace(/^\.\//, "");
  const code = filesMatching(ctx, jsFile).concat(file && ctx.files.has(file) ? [file] : []);
  const readsPort = code.some((f) =>
    /process\.env\.PORT\b|process\.env\[["']PORT["']\]|\{[^}]*\bPORT\b[^}]*\}\s*=\s*process\.env/.test(ctx.files.get(f) ?? ""),
  );
  const readsHost = code.some((f) => /process\.env\.HOST\b|process\.env\[["']HOST["']\]/.test(ctx.files.get(f) ?? ""));
  if (!readsPort) ctx.notes.push("start: the code does not read process.env.PORT; make the server listen on it (docs/app-contract.md)");
  else if (!readsHost)
    ctx.notes.push("start: the code reads PORT but not HOST, so it listens on every interface (fine behind slipway's proxy)");
}

// ---------------------------------------------------------------------------------------------
// Health

/** Path names that mean "health check", best first (liveness-like before readiness-like). */
const healthNames = ["healthz", "health", "livez", "up", "_health", "healthcheck", "ping", "readyz", "ready", "status"];

/** Routes the code defines: [path, file]. */
function routes(framework: Framework, ctx: Context): [string, string][] {
  const found: [string, string][] = [];
  const { files } = ctx;
  if (framework === "rails") {
    const text = files.get("config/routes.rb") ?? "";
    for (const m of text.matchAll(/^\s*get\s+["']\/?([\w/-]+)["']/gm)) found.push([`/${m[1]}`, "config/routes.rb"]);
    return found;
  }
  if (framework === "django") {
    for (const file of filesMatching(ctx, /(^|\/)urls\.py$/)) {
      for (const m of (files.get(file) ?? "").matchAll(/\b(?:re_)?path\(\s*r?["']\^?([\w/-]*)\$?["']/g)) found.push([`/${m[1]}`, file]);
    }
    return found;
  }
  if (framework === "next") {
    for (const file of ctx.files.keys()) {
      const app = /^(?:src\/)?app\/(.+)\/route\.(js|ts|mjs)$/.exec(file);
      const pages = /^(?:src\/)?pages\/(api\/.+?)(\/index)?\.(js|ts|mjs)$/.exec(file);
      if (app?.[1]) found.push([`/${app[1]}`, file]);
      else if (pages?.[1]) found.push([`/${pages[1]}`, file]);
    }
    return found.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  }
  if (framework === "flask" || framework === "fastapi") {
    for (const file of filesMatching(ctx, pythonFile)) {
      const text = files.get(file) ?? "";
      const prefixes = new Map<string, string>();
      for (const m of text.matchAll(/^(\w+)\s*=\s*(?:APIRouter|Blueprint)\(([^)]*)\)/gm)) {
        const prefix = /(?:url_)?prefix\s*=\s*["']([^"']*)["']/.exec(m[2] ?? "")?.[1];
        if (m[1] && prefix) prefixes.set(m[1], prefix.replace(/\/$/, ""));
      }
      for (const m of text.matchAll(/^\s*@(\w+)\.(?:route|get|api_route|head)\(\s*["']([^"']*)["']/gm)) {
        found.push([`${prefixes.get(m[1] ?? "") ?? ""}${m[2]}`, file]);
      }
    }
    return found;
  }
  for (const file of filesMatching(ctx, jsFile)) {
    const text = files.get(file) ?? "";
    for (const m of text.matchAll(/\b(?:app|server|router|fastify)\.(?:get|all|head|route)\(\s*["'`](\/[^"'`]*)["'`]/g))
      found.push([m[1] as string, file]);
    // Plain node:http: a literal compared with the URL or a case label.
    for (const m of text.matchAll(/(?:===?\s*|case\s+)["'`](\/[\w-]*)["'`]/g)) found.push([m[1] as string, file]);
  }
  return found;
}

const routeSnippets: Readonly<Record<Framework, string[]>> = {
  flask: ['@app.get("/healthz")', "def healthz():", '    return {"status": "ok"}'],
  fastapi: ['@app.get("/healthz")', "def healthz():", '    return {"status": "ok"}'],
  django: ["# urls.py", "from django.http import HttpResponse", 'urlpatterns += [path("healthz", lambda request: HttpResponse("ok"))]'],
  rails: ["# config/routes.rb", "Rails.application.routes.draw do", '  get "up" => "rails/health#show", as: :rails_health_check'],
  next: ["// app/api/health/route.js", "export function GET() {", '  return Response.json({ status: "ok" }); }'],
  node: ['app.get("/healthz", (req, res) => {', '  res.json({ status: "ok" });', "});"],
  unknown: ["Answer GET /healthz with 200 and no database access, e.g.:", "  GET /healthz → 200 ok", "(any framework's three-line route)"],
};

function detectHealth(framework: Framework, ctx: Context): { health: string; healthFound: boolean; healthRoute: string[] | undefined } {
  const found = routes(framework, ctx);
  for (const name of healthNames) {
    const hit = found.find(([path]) => path.replace(/\/$/, "").split("/").pop() === name);
    if (hit) {
      ctx.notes.push(`health: ${hit[0]} (a route in ${hit[1]}; it must answer 2xx or 3xx without touching the database)`);
      return { health: hit[0], healthFound: true, healthRoute: undefined };
    }
  }
  const snippet =
    framework === "node" && !ctx.nodeDeps.has("express")
      ? ['if (req.url === "/healthz") {', '  res.writeHead(200, { "content-type": "text/plain" }).end("ok\\n");', "  return;"]
      : routeSnippets[framework];
  ctx.notes.push(
    `health: / (no health route found in the code; slipway checks / instead, which must answer 2xx or 3xx — a redirect to a login page passes). A route of its own is better:`,
    ...snippet.map((line) => `    ${line}`),
  );
  return { health: "/", healthFound: false, healthRoute: snippet };
}

// ---------------------------------------------------------------------------------------------
// Release: migrate, setup, build steps

interface ReleaseFacts {
  migrate: string[] | undefined;
  setup: string[] | undefined;
  buildSteps: string[];
}

/** Node migration tools with the command that applies pending migrations. */
const nodeMigrators: readonly [string, string[], (ctx: Context) => boolean][] = [
  ["node-pg-migrate", ["node-pg-migrate", "up"], () => true],
  ["knex", ["knex", "migrate:latest"], (ctx) => [...ctx.files.keys()].some((f) => /^knexfile\.(js|cjs|mjs|ts)$/.test(f))],
  ["sequelize-cli", ["sequelize-cli", "db:migrate"], () => true],
  ["prisma", ["prisma", "migrate", "deploy"], (ctx) => prismaProvider(ctx) !== undefined],
  ["drizzle-kit", ["drizzle-kit", "migrate"], () => true],
];

function detectRelease(framework: Framework, ecosystem: Ecosystem | undefined, start: StartFacts, ctx: Context): ReleaseFacts {
  const { python, notes } = ctx;
  const buildSteps: string[] = [];
  const addBuild = (step: string, why: string) => {
    if (buildSteps.includes(step)) return;
    buildSteps.push(step);
    notes.push(`build: \`${step}\` (${why}); app.build.steps: the image build runs it, and the local target after prepare; never at boot`);
  };

  // A Procfile release line: its build steps go to the build, the rest is the migration.
  const releaseLine = procfileLines(ctx.files.get("Procfile")).get("release");
  let fromProcfile: string[] | undefined;
  if (releaseLine) {
    const parts = splitAnd(releaseLine);
    for (const part of parts.filter((p) => buildPattern.test(p))) addBuild(part, "from the Procfile's release line");
    const rest = parts.filter((p) => !buildPattern.test(p));
    const words = rest.length === 1 ? splitWords(rest[0] as string) : undefined;
    if (words && words.length > 0 && !words.some((w) => /^[A-Za-z_]\w*=/.test(w))) fromProcfile = words;
    else if (rest.length > 0) fromProcfile = ["sh", "-c", rest.join(" && ")];
  }

  // Build steps each framework needs.
  const settings = filesMatching(ctx, pythonFile).find((f) => /^\s*STATIC_ROOT\s*=/m.test(ctx.files.get(f) ?? ""));
  if (framework === "django" && settings) addBuild("python manage.py collectstatic --noinput", `${settings} sets STATIC_ROOT`);
  if (framework === "rails" && ["propshaft", "sprockets-rails", "sprockets"].some((g) => ctx.gems.has(g))) {
    // Rails needs a secret_key_base to boot, not a real one, to compile assets (as its own Dockerfile does).
    addBuild("SECRET_KEY_BASE_DUMMY=1 bin/rails assets:precompile", "the Gemfile has an asset pipeline");
  }
  if (ecosystem === "node" && script(ctx, "build") !== undefined)
    addBuild(`${nodeRunner(ctx)} run build`, `package.json's build script: ${script(ctx, "build")}`);

  const say = (migrate: string[], why: string, setup?: string[]): ReleaseFacts => {
    notes.push(
      `release: migrate [${migrate.join(", ")}] on every deploy (${why})${setup ? `; setup [${setup.join(", ")}] on the first` : ""}`,
    );
    return { migrate, setup, buildSteps };
  };
  if (fromProcfile) return say(fromProcfile, "from the Procfile's release line");
  const fromBoot = start.bootMigrations[0];
  if (fromBoot) return say(fromBoot, "moved out of the boot script");

  switch (framework) {
    case "rails":
      return say(["bin/rails", "db:prepare"], "Rails: creates the schema on an empty database, migrates an existing one");
    case "django":
      return say(["python", "manage.py", "migrate", "--noinput"], "Django's own migrations");
    case "flask":
    case "fastapi":
    case "unknown":
      if (python.has("flask-migrate")) return say(["flask", "db", "upgrade"], "Flask-Migrate is a dependency");
      if (python.has("alembic")) return say(["alembic", "upgrade", "head"], "alembic is a dependency");
      break;
    case "next":
    case "node": {
      const name = ["migrate", "db:migrate", "migrate:up", "migrate:latest", "db:migrate:deploy"].find((s) => script(ctx, s) !== undefined);
      if (name) {
        const text = script(ctx, name) as string;
        const words = splitWords(text);
        // `node migrate.js` runs directly; a tool from node_modules/.bin needs npm's PATH.
        if (words && words[0] === "node" && !words.some((w) => /^[A-Za-z_]\w*=/.test(w))) {
          return say(words, `package.json script '${name}' (${text})`);
        }
        return say(
          [nodeRunner(ctx), "run", name],
          `package.json script '${name}' (${text}), run by ${nodeRunner(ctx)} so node_modules/.bin is on PATH`,
        );
      }
      for (const [tool, args, applies] of nodeMigrators) {
        if ((ctx.nodeDeps.has(tool) || ctx.devDeps.has(tool)) && applies(ctx)) {
          return say(["npx", "--no", ...args], `${tool} is a dependency; npx runs it from node_modules/.bin`);
        }
      }
      break;
    }
  }
  notes.push("release: no migration command found; add app.release.migrate if the app has one");
  return { migrate: undefined, setup: undefined, buildSteps };
}

/** npm's placeholder test script, which always fails. */
const npmDefaultTest = /^echo "Error: no test specified" && exit 1$/;

/** Install, lint and test commands for CI, from the lockfile, the package scripts and the test and lint tools depended on. */
function ciCommands(ecosystem: Ecosystem | undefined, framework: Framework, ctx: Context): CiCommands {
  const found = (what: string, command: string[] | undefined, from: string): string[] | undefined => {
    if (command) ctx.notes.push(`ci.${what}: ${command.join(" ")}, from ${from}`);
    return command;
  };
  if (ecosystem === "node") {
    const runner = nodeRunner(ctx);
    const lock = ctx.files.has("package-lock.json") || ctx.files.has("npm-shrinkwrap.json");
    const install: Record<string, string[]> = {
      npm: lock ? ["npm", "ci", "--no-audit", "--no-fund"] : ["npm", "install", "--no-audit", "--no-fund"],
      pnpm: ["pnpm", "install", "--frozen-lockfile"],
      yarn: ["yarn", "install", "--frozen-lockfile"],
      bun: ["bun", "install", "--frozen-lockfile"],
    };
    const test = script(ctx, "test");
    return {
      install: found("install", install[runner], runner === "npm" ? (lock ? "package-lock.json" : "package.json") : `${runner}'s lockfile`),
      lint: found("lint", script(ctx, "lint") !== undefined ? [runner, "run", "lint"] : undefined, "package.json scripts.lint"),
      test: found("test", test !== undefined && !npmDefaultTest.test(test) ? [runner, "test"] : undefined, "package.json scripts.test"),
    };
  }
  if (ecosystem === "python") {
    const has = (name: string) => ctx.python.has(name);
    const uv = ctx.files.has("uv.lock");
    const poetry = ctx.files.has("poetry.lock");
    const run = (words: string[]) => (uv ? ["uv", "run", ...words] : poetry ? ["poetry", "run", ...words] : words);
    const install = uv
      ? ["uv", "sync", "--frozen"]
      : poetry
        ? ["poetry", "install", "--no-interaction"]
        : ctx.files.has("requirements.txt")
          ? ["pip", "install", "-r", "requirements.txt"]
          : undefined;
    const lint = has("ruff") ? run(["ruff", "check", "."]) : has("flake8") ? run(["flake8"]) : undefined;
    const test = has("pytest")
      ? run(["python", "-m", "pytest"])
      : framework === "django"
        ? run(["python", "manage.py", "test"])
        : undefined;
    return {
      install: found("install", install, uv ? "uv.lock" : poetry ? "poetry.lock" : "requirements.txt"),
      lint: found("lint", lint, has("ruff") ? "the ruff dependency" : "the flake8 dependency"),
      test: found("test", test, has("pytest") ? "the pytest dependency" : "Django's test runner"),
    };
  }
  if (ecosystem === "ruby") {
    const test =
      ctx.gems.has("rspec-rails") || ctx.gems.has("rspec")
        ? ["bundle", "exec", "rspec"]
        : framework === "rails"
          ? ["bin/rails", "test"]
          : undefined;
    return {
      install: found("install", ctx.files.has("Gemfile") ? ["bundle", "install"] : undefined, "Gemfile"),
      lint: found(
        "lint",
        ctx.gems.has("rubocop") || ctx.gems.has("rubocop-rails-omakase") ? ["bundle", "exec", "rubocop"] : undefined,
        "the rubocop gem",
      ),
      test: found("test", test, ctx.gems.has("rspec-rails") || ctx.gems.has("rspec") ? "the rspec gem" : "Rails' test runner"),
    };
  }
  return { install: undefined, lint: undefined, test: undefined };
}

function nodeRunner(ctx: Context): string {
  if (ctx.files.has("pnpm-lock.yaml")) return "pnpm";
  if (ctx.files.has("yarn.lock")) return "yarn";
  if (ctx.files.has("bun.lockb") || ctx.files.has("bun.lock")) return "bun";
  return "npm";
}

// ---------------------------------------------------------------------------------------------
// Environment the code reads, secrets, host allow-lists

/** Every environment variable name the code reads, sorted. */
function readEnvNames(ctx: Context): string[] {
  const names = new Set<string>();
  const add = (name: string | undefined) => {
    if (name && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) names.add(name);
  };
  for (const [file, text] of ctx.files) {
    if (pythonFile.test(file)) {
      for (const m of text.matchAll(/\b(?:os\.environ\[\s*|environ\.get\(\s*|os\.getenv\(\s*|environ\.setdefault\(\s*)["'](\w+)["']/g)) {
        if (!m[0].includes("setdefault")) add(m[1]);
      }
      if (/environ\.Env\(/.test(text)) for (const m of text.matchAll(/\benv(?:\.\w+)?\(\s*["'](\w+)["']/g)) add(m[1]);
      if (/from\s+decouple\s+import/.test(text)) for (const m of text.matchAll(/\bconfig\(\s*["'](\w+)["']/g)) add(m[1]);
      for (const name of pydanticSettings(text)) add(name);
    } else if (jsFile.test(file) || /^bin\/[^.]+$/.test(file)) {
      for (const m of text.matchAll(/\bprocess\.env\.([A-Za-z_]\w*)|\bprocess\.env\[\s*["'`](\w+)["'`]\s*\]/g)) add(m[1] ?? m[2]);
      for (const m of text.matchAll(/\{([^{}]*)\}\s*=\s*process\.env\b/g)) {
        for (const part of (m[1] ?? "").split(",")) add(part.split(/[:=]/)[0]?.trim());
      }
    } else if (rubyFile.test(file)) {
      for (const m of text.matchAll(/\bENV(?:\[\s*|\.fetch\(\s*|\.key\?\(\s*)["'](\w+)["']/g)) add(m[1]);
    }
  }
  return [...names].sort();
}

/** Env names a pydantic-settings class reads: its fields, upper-cased, with the env_prefix. */
function pydanticSettings(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/^class\s+\w+\(\s*BaseSettings\s*\):\n((?:[ \t]+.*\n|\s*\n)*)/gm)) {
    const body = m[1] ?? "";
    const prefix = /env_prefix\s*=\s*["']([^"']*)["']/.exec(body)?.[1] ?? "";
    for (const field of body.matchAll(/^ {4}([a-z_][a-z0-9_]*)\s*:\s*[^=\n]/gm)) {
      if (field[1] && field[1] !== "model_config") names.push(`${prefix}${field[1]}`.toUpperCase());
    }
  }
  return names;
}

function detectSecrets(framework: Framework, envRead: readonly string[], env: Readonly<Record<string, string>>, ctx: Context): string[] {
  const secrets: string[] = [];
  const add = (name: string, why: string) => {
    if (secrets.includes(name) || slipwayEnv.test(name) || publicPrefix.test(name)) return;
    secrets.push(name);
    ctx.notes.push(`secret: ${name} (${why})`);
  };
  if (framework === "rails") {
    add("SECRET_KEY_BASE", "Rails reads it in production to sign cookies");
    if (ctx.files.has("config/credentials.yml.enc") && !ctx.files.has("config/master.key")) {
      add("RAILS_MASTER_KEY", "config/credentials.yml.enc is encrypted with it");
    }
  }
  for (const name of envRead) if (secretLooking.test(name)) add(name, "the code reads it");
  for (const file of [".env.example", ".env.sample"]) {
    for (const [, name] of (ctx.files.get(file) ?? "").matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/gm)) {
      if (name && secretLooking.test(name)) add(name, `${file} lists it`);
    }
  }
  if (framework === "django") {
    const settings = filesMatching(ctx, pythonFile).find((f) => /^SECRET_KEY\s*=/m.test(ctx.files.get(f) ?? ""));
    const line = settings ? /^SECRET_KEY\s*=\s*(.*)$/m.exec(ctx.files.get(settings) ?? "")?.[1] : undefined;
    if (line && !/environ|getenv|env\(|config\(/.test(line)) {
      ctx.notes.push(
        `secret: ${settings} hard-codes SECRET_KEY; read it from the environment (e.g. DJANGO_SECRET_KEY) and list that name in app.secrets`,
      );
    } else if (line && /,\s*["']/.test(line)) {
      ctx.notes.push(`secret: ${settings} falls back to a built-in SECRET_KEY when the variable is unset; slipway always sets it`);
    }
  }
  const plain = envRead.filter((n) => !secrets.includes(n) && !slipwayEnv.test(n) && env[n] === undefined);
  if (plain.length > 0)
    ctx.notes.push(`env: the code also reads ${plain.join(", ")} (plain settings: set them in app.env where the defaults do not fit)`);
  return secrets;
}

function detectHosts(framework: Framework, ctx: Context, env: Record<string, string>): HostsFacts | undefined {
  // What health checks send as Host on every target (the kubelet's probes and the local gate), and
  // the address the local proxy is browsed at: docs/app-contract.md.
  const local = [probeHost, "127.0.0.1"];
  if (framework === "django") {
    const file = filesMatching(ctx, pythonFile).find((f) => /^ALLOWED_HOSTS\s*=/m.test(ctx.files.get(f) ?? ""));
    if (!file) return undefined;
    const line = /^ALLOWED_HOSTS\s*=\s*(.*)$/m.exec(ctx.files.get(file) ?? "")?.[1] ?? "";
    const variable = /(?:environ\.get\(|getenv\(|environ\[|env(?:\.list)?\(|config\()\s*["'](\w+)["']/.exec(line)?.[1];
    if (!variable) {
      ctx.notes.push(
        `hosts: ${file} hard-codes ALLOWED_HOSTS (${line.trim()}); it must accept 127.0.0.1 and localhost, so read it from an env var`,
      );
      return { setting: "ALLOWED_HOSTS", variable: undefined, separator: "," };
    }
    const separator = /\.split\(\s*\)/.test(line) || /\.split\(\s*["'] ["']\s*\)/.test(line) ? " " : ",";
    env[variable] = local.join(separator);
    ctx.notes.push(
      `hosts: ALLOWED_HOSTS comes from ${variable} (${file}); set to ${local.join(separator)} for the local proxy and probes — add your public host names`,
    );
    return { setting: "ALLOWED_HOSTS", variable, separator };
  }
  if (framework === "rails") {
    const file = filesMatching(ctx, /^config\/(environments\/production|application)\.rb$/).find((f) =>
      /config\.hosts\b/.test(ctx.files.get(f) ?? ""),
    );
    if (!file) {
      ctx.notes.push("hosts: no config.hosts in production: Rails accepts any Host header there");
      return undefined;
    }
    const text = ctx.files.get(file) ?? "";
    const line = /config\.hosts\s*(?:=|<<|\+=|\.concat)\s*(.*)$/m.exec(text)?.[1] ?? "";
    const variable = /ENV(?:\.fetch\(\s*|\[\s*)["'](\w+)["']/.exec(line)?.[1];
    const excludesHealth = /host_authorization\s*=.*exclude/.test(text);
    if (!variable) {
      ctx.notes.push(`hosts: ${file} sets config.hosts without an env var; add 127.0.0.1 and localhost, or read it from one`);
      return { setting: "config.hosts", variable: undefined, separator: "," };
    }
    const separator = /split\(\s*["'] ["']\s*\)|split\s*$/.test(line) ? " " : ",";
    env[variable] = local.join(separator);
    ctx.notes.push(
      `hosts: config.hosts comes from ${variable} (${file}); set to ${local.join(separator)} — add your public host names${excludesHealth ? " (the health check is excluded from host checks)" : ""}`,
    );
    return { setting: "config.hosts", variable, separator };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The local target: prepare, and the virtualenv's programs

/**
 * A build step's shell text as a command for app.build.steps: its words, with leading VAR=value
 * assignments run through env(1); anything else a shell must read goes through sh -c.
 */
export function buildStepCommand(text: string): string[] {
  const words = text.includes("$") ? undefined : splitWords(text);
  if (!words || words.length === 0) return ["sh", "-c", text];
  return /^[A-Za-z_]\w*=/.test(words[0] as string) ? ["env", ...words] : words;
}

function localPlan(ecosystem: Ecosystem | undefined, command: string[] | undefined, release: ReleaseFacts, ctx: Context): LocalPlan {
  const { notes } = ctx;
  if (ecosystem === "python") {
    const install = pythonInstall(ctx);
    notes.push(
      "local: prepare builds .venv in each release, and .venv/bin comes first on PATH, so the app's own gunicorn, flask, alembic … run",
    );
    return { prepare: ["sh", "-c", install], path: [".venv/bin"] };
  }
  if (ecosystem === "node") {
    const runner = nodeRunner(ctx);
    const lock = ["package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "bun.lockb", "bun.lock"].find((f) =>
      ctx.files.has(f),
    );
    // Dev dependencies stay when something at deploy time needs them: the build or a dev-only tool.
    const toolOf = (cmd: readonly string[] | undefined) => (cmd?.[0] === "npx" ? cmd[cmd[1] === "--no" ? 2 : 1] : undefined);
    const devNeeded =
      release.buildSteps.length > 0 || [toolOf(release.migrate), toolOf(command)].some((t) => t !== undefined && ctx.devDeps.has(t));
    const install: Record<string, string[]> = {
      npm: lock
        ? ["npm", "ci", ...(devNeeded ? [] : ["--omit=dev"]), "--no-audit", "--no-fund"]
        : ["npm", "install", ...(devNeeded ? [] : ["--omit=dev"]), "--no-audit", "--no-fund"],
      pnpm: ["pnpm", "install", "--frozen-lockfile", ...(devNeeded ? [] : ["--prod"])],
      yarn: ["yarn", "install", "--frozen-lockfile", ...(devNeeded ? [] : ["--production"])],
      bun: ["bun", "install", "--frozen-lockfile", ...(devNeeded ? [] : ["--production"])],
    };
    const prepare = install[runner] as string[];
    notes.push(
      `local: prepare installs with ${runner} (${lock ? `${lock} is present` : "no lockfile: add one for repeatable installs"})${devNeeded ? ", keeping dev dependencies for the build or a dev-only tool" : ", without dev dependencies"}`,
    );
    if (ctx.tools && runner !== "npm" && !ctx.tools.has(runner))
      notes.push(`local: ${runner} is not on PATH here; install it before deploying`);
    return { prepare, path: [] };
  }
  if (ecosystem === "ruby") {
    const steps = [
      "bundle config set --local path vendor/bundle",
      "bundle config set --local without 'development test'",
      "bundle install",
    ];
    notes.push("local: prepare runs bundle install into the release's vendor/bundle (Ruby and Bundler must be installed)");
    if (ctx.tools && !ctx.tools.has("bundle")) notes.push("local: bundle is not on PATH here; install Ruby and Bundler before deploying");
    return { prepare: ["sh", "-c", steps.join(" && ")], path: [] };
  }
  return { prepare: undefined, path: [] };
}

/** The shell text that builds .venv from what the project locks its dependencies with. */
function pythonInstall(ctx: Context): string {
  const { files, tools, notes } = ctx;
  const has = (tool: string) => tools === undefined || tools.has(tool);
  const venv = "python3 -m venv .venv";
  const pip = ".venv/bin/pip install --disable-pip-version-check --no-input";
  const pep621 = pep621Dependencies(files.get("pyproject.toml"));
  if (files.has("uv.lock")) {
    if (has("uv")) {
      notes.push("local: uv.lock is present, so uv sync installs the locked versions into .venv");
      return "uv sync --frozen --no-dev";
    }
    if (pep621.length > 0) {
      notes.push(
        "local: uv.lock is present but uv is not on PATH here; pip installs pyproject.toml's ranges instead (install uv for the locked versions)",
      );
      return `${venv} && ${pip} ${pep621.map((d) => shellText([d])).join(" ")}`;
    }
  }
  if (files.has("poetry.lock")) {
    if (!has("poetry")) notes.push("local: poetry.lock is present but poetry is not on PATH here; install it before deploying");
    else notes.push("local: poetry.lock is present, so poetry installs the locked versions into .venv");
    return "POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --only main --no-root --no-interaction";
  }
  if (files.has("requirements.txt")) {
    notes.push("local: pip installs requirements.txt into .venv");
    return `${venv} && ${pip} -r requirements.txt`;
  }
  if (pep621.length > 0) {
    notes.push("local: pip installs pyproject.toml's dependencies into .venv");
    return `${venv} && ${pip} ${pep621.map((d) => shellText([d])).join(" ")}`;
  }
  notes.push("local: no requirements.txt or pyproject.toml dependencies found; prepare only creates .venv");
  return venv;
}

function pep621Dependencies(text: string | undefined): string[] {
  for (const [table, body] of tomlTables(text ?? "")) {
    if (table !== "project") continue;
    const array = /^\s*dependencies\s*=\s*\[([\s\S]*?)\][ \t]*(?:#.*)?$/m.exec(body)?.[1] ?? "";
    return [...array.matchAll(/["']([^"']+)["']/g)].map((m) => m[1] as string);
  }
  return [];
}

/** Facts from a Dockerfile's final stage. */
export function dockerfileFacts(text: string | undefined): DockerfileFacts {
  if (text === undefined) return { found: false, exposes: [], user: undefined, nonRootUser: false, numericUser: false };
  // Join continuation lines, drop comments; only the last stage ends up in the image.
  const instructions = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const lastFrom = instructions.findLastIndex((l) => /^FROM\s/i.test(l));
  const stage = lastFrom === -1 ? instructions : instructions.slice(lastFrom + 1);
  const vars = new Map<string, string>();
  // ARGs declared before the first FROM are visible in FROM lines only, so they are not collected.
  let exposes: number[] = [];
  let user: string | undefined;
  for (const line of stage) {
    const [, keyword = "", rest = ""] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    switch (keyword.toUpperCase()) {
      case "ARG":
      case "ENV":
        for (const [, key, value] of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)) {
          if (key) vars.set(key, (value ?? "").replace(/^["']|["']$/g, ""));
        }
        if (keyword.toUpperCase() === "ENV" && !rest.includes("=")) {
          const [key, ...value] = rest.split(/\s+/);
          if (key) vars.set(key, value.join(" "));
        }
        break;
      case "EXPOSE":
        exposes = [
          ...exposes,
          ...rest
            .split(/\s+/)
            .map((word) => substitute(word, vars).replace(/\/(tcp|udp)$/i, ""))
            .filter((word) => /^\d+$/.test(word))
            .map(Number)
            .filter((n) => n >= 1 && n <= 65535),
        ];
        break;
      case "USER":
        user = substitute(rest.trim(), vars);
        break;
    }
  }
  const name = user?.split(":")[0];
  return {
    found: true,
    exposes,
    user,
    nonRootUser: name !== undefined && name !== "" && name !== "root" && name !== "0",
    numericUser: name !== undefined && /^\d+$/.test(name) && name !== "0",
  };
}

function substitute(word: string, vars: ReadonlyMap<string, string>): string {
  return word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, braced, fallback, bare) => {
    const key = (braced ?? bare) as string;
    return vars.get(key) ?? (fallback as string | undefined) ?? all;
  });
}

function noteDockerfile(facts: DockerfileFacts, notes: string[]): void {
  if (!facts.found) {
    notes.push("Dockerfile: none found; slipway deploys an image built elsewhere, which should run as a numeric non-root user");
  } else if (facts.user === undefined) {
    notes.push("Dockerfile: no USER, so the image runs as root; add `USER 10001:10001` (slipway's runAs default)");
  } else if (!facts.nonRootUser) {
    notes.push(`Dockerfile: USER ${facts.user} is root; use a numeric non-root user such as 10001:10001`);
  } else if (!facts.numericUser) {
    notes.push(
      `Dockerfile: USER ${facts.user} is a name; Kubernetes can only verify runAsNonRoot for numeric users, so prefer USER 10001:10001`,
    );
  } else {
    notes.push(`Dockerfile: runs as numeric non-root USER ${facts.user}`);
  }
}

function detectName(
  files: ReadonlyMap<string, string>,
  pkg: PackageJson | undefined,
  folderName: string | undefined,
  notes: string[],
): string {
  const candidates: [string | undefined, string][] = [
    [typeof pkg?.name === "string" ? pkg.name.replace(/^@[^/]+\//, "") : undefined, "package.json"],
    [pyprojectName(files.get("pyproject.toml")), "pyproject.toml"],
    [kebab(/^\s*module\s+([A-Z]\w*)/m.exec(files.get("config/application.rb") ?? "")?.[1]), "the Rails application module"],
    [folderName, "the folder name"],
  ];
  for (const [raw, source] of candidates) {
    const name = dnsLabel(raw);
    if (name) {
      notes.push(name === raw ? `name: ${name} (from ${source})` : `name: ${name} (from ${source}: '${raw}', made a DNS label)`);
      return name;
    }
  }
  notes.push("name: app (nothing named the app)");
  return "app";
}

function pyprojectName(text: string | undefined): string | undefined {
  for (const [table, body] of tomlTables(text ?? "")) {
    if (table !== "project" && table !== "tool.poetry") continue;
    const name = /^\s*name\s*=\s*["']([^"']+)["']/m.exec(body)?.[1];
    if (name) return name;
  }
  return undefined;
}

function kebab(camel: string | undefined): string | undefined {
  return camel?.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** `raw` made into slipway's name format: lowercase DNS label, starting with a letter, ≤ 40 chars. */
export function dnsLabel(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const label = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return label === "" ? undefined : label;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
