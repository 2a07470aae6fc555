/*
 * `slipway init` detection: what kind of app a folder holds, guessed from a few files. Pure: the
 * CLI reads `detectionFiles` (those that exist) and passes their text in; every guess comes with
 * a note that says what it was based on, so the user can judge it.
 */

export type Framework = "rails" | "django" | "flask" | "node" | "unknown";
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

export interface AppDetection {
  /** A DNS label for the spec's `name`. */
  name: string;
  framework: Framework;
  engine: DatabaseEngine | undefined;
  port: number;
  health: string;
  /** Command run on every deploy, when one was found. */
  migrate: string[] | undefined;
  /** Command run on the first deploy only, when one was found. */
  setup: string[] | undefined;
  /** Secret names the framework or an env example file asks for. */
  secrets: string[];
  dockerfile: DockerfileFacts;
  /** One line per guess: what was guessed, from what. */
  notes: string[];
}

/** The files (relative paths) the CLI reads for detection; missing ones are simply left out. */
export const detectionFiles = [
  "Dockerfile",
  "Containerfile",
  "Gemfile",
  "config/application.rb",
  "config/database.yml",
  "config/routes.rb",
  "requirements.txt",
  "pyproject.toml",
  "Pipfile",
  "manage.py",
  "app.py",
  "wsgi.py",
  "main.py",
  "package.json",
  "server.js",
  "index.js",
  "app.js",
  "src/index.js",
  "src/server.js",
  "src/app.js",
  "src/index.ts",
  "src/server.ts",
  "src/app.ts",
  "Procfile",
  ".env.example",
] as const;

/** Where code that might define a health route lives. */
const codeFiles = [
  "app.py",
  "wsgi.py",
  "main.py",
  "server.js",
  "index.js",
  "app.js",
  "src/index.js",
  "src/server.js",
  "src/app.js",
  "src/index.ts",
  "src/server.ts",
  "src/app.ts",
];

export const frameworkDefaults: Readonly<Record<Framework, { port: number; health: string }>> = {
  rails: { port: 3000, health: "/up" },
  django: { port: 8000, health: "/health" },
  flask: { port: 5000, health: "/health" },
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

/** Env names slipway sets from the database section; never suggested as app secrets. */
const databaseEnv = new Set(["DATABASE_URL", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_ENGINE"]);
const secretLooking = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIALS)/;

/**
 * Guesses framework, database engine, port, health path, release commands, secrets and name
 * from file contents. `folderName` names the app when no manifest does.
 */
export function detectApp(files: ReadonlyMap<string, string>, folderName?: string): AppDetection {
  const notes: string[] = [];
  const python = pythonPackages(files);
  const pkg = packageJson(files, notes);
  const gems = gemNames(files.get("Gemfile"));

  const framework = detectFramework(files, python, pkg, gems, notes);
  const engine = detectEngine(files, python, pkg, gems, notes);
  const dockerfile = dockerfileFacts(files.get("Dockerfile") ?? files.get("Containerfile"));
  noteDockerfile(dockerfile, notes);

  const defaults = frameworkDefaults[framework];
  const exposed = dockerfile.exposes[0];
  const port = exposed ?? defaults.port;
  notes.push(
    exposed !== undefined
      ? `port: ${port}, from the Dockerfile's EXPOSE`
      : `port: ${port}, the ${framework === "unknown" ? "slipway" : framework} default (no EXPOSE in a Dockerfile)`,
  );

  const health = detectHealth(framework, files, notes);
  const { migrate, setup } = detectRelease(framework, files, python, pkg, notes);
  const secrets = detectSecrets(framework, files, notes);
  const name = detectName(files, pkg, folderName, notes);

  return { name, framework, engine, port, health, migrate, setup, secrets, dockerfile, notes };
}

interface PackageJson {
  name?: unknown;
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
    const arrays = table === "project" ? /^\s*dependencies\s*=\s*\[([\s\S]*?)\]/gm : /^\s*["']?[\w.-]+["']?\s*=\s*\[([\s\S]*?)\]/gm;
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

function nodeDependencies(pkg: PackageJson | undefined): Set<string> {
  const deps = new Set<string>();
  for (const group of [pkg?.dependencies, pkg?.devDependencies]) {
    if (group && typeof group === "object") for (const name of Object.keys(group)) deps.add(name);
  }
  return deps;
}

function detectFramework(
  files: ReadonlyMap<string, string>,
  python: Set<string>,
  pkg: PackageJson | undefined,
  gems: Set<string>,
  notes: string[],
): Framework {
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
  const flaskImport = ["app.py", "wsgi.py", "main.py"].find((f) =>
    /^\s*(from\s+flask\s+import|import\s+flask)\b/m.test(files.get(f) ?? ""),
  );
  if (python.has("flask") || flaskImport) {
    notes.push(`framework: flask (${python.has("flask") ? "flask is a dependency" : `${flaskImport} imports flask`})`);
    return "flask";
  }
  if (pkg) {
    notes.push("framework: node (package.json is present)");
    return "node";
  }
  notes.push("framework: unknown (no Gemfile, Python requirements or package.json found)");
  return "unknown";
}

function detectEngine(
  files: ReadonlyMap<string, string>,
  python: Set<string>,
  pkg: PackageJson | undefined,
  gems: Set<string>,
  notes: string[],
): DatabaseEngine | undefined {
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
  const candidates: [string, Iterable<string>, Readonly<Record<string, DatabaseEngine>>][] = [
    ["the Gemfile", gems, rubyEngines],
    ["the Python requirements", python, pythonEngines],
    ["package.json", nodeDependencies(pkg), nodeEngines],
  ];
  for (const [source, names, table] of candidates) {
    const found = [...names].filter((n) => table[n] !== undefined);
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

function detectHealth(framework: Framework, files: ReadonlyMap<string, string>, notes: string[]): string {
  if (framework === "rails") {
    const routes = files.get("config/routes.rb");
    notes.push(
      routes === undefined || /["']up["']|rails\/health/.test(routes)
        ? "health: /up (Rails' built-in health check)"
        : 'health: /up (Rails\' built-in health check; config/routes.rb does not route it yet: add `get "up" => "rails/health#show"`)',
    );
    return "/up";
  }
  for (const path of ["/healthz", "/health"]) {
    const file = codeFiles.find((f) => new RegExp(`["'\`]${path}["'\`/]`).test(files.get(f) ?? ""));
    if (file) {
      notes.push(`health: ${path} (found in ${file})`);
      return path;
    }
  }
  const path = frameworkDefaults[framework].health;
  notes.push(`health: ${path} (a guess: no health route found; the app must answer 2xx there without touching the database)`);
  return path;
}

function detectRelease(
  framework: Framework,
  files: ReadonlyMap<string, string>,
  python: Set<string>,
  pkg: PackageJson | undefined,
  notes: string[],
): { migrate: string[] | undefined; setup: string[] | undefined } {
  const procfileRelease = /^release:\s*(.+)$/m.exec(files.get("Procfile") ?? "")?.[1]?.trim();
  const fromProcfile = procfileRelease ? commandWords(procfileRelease) : undefined;
  switch (framework) {
    case "rails":
      notes.push("release: setup [bin/rails, db:create] on the first deploy, migrate [bin/rails, db:migrate] on every deploy");
      return { migrate: ["bin/rails", "db:migrate"], setup: ["bin/rails", "db:create"] };
    case "django":
      notes.push("release: migrate [python, manage.py, migrate] on every deploy");
      return { migrate: ["python", "manage.py", "migrate"], setup: undefined };
    case "node": {
      const scripts = pkg?.scripts ?? {};
      const name = ["migrate", "db:migrate"].find((s) => typeof scripts[s] === "string");
      if (name) {
        const script = scripts[name] as string;
        const words = commandWords(script);
        // A plain command runs directly (no npm wrapper between the signal and the process).
        const migrate = words ?? ["npm", "run", name];
        notes.push(`release: migrate [${migrate.join(", ")}] from package.json script '${name}' (${script})`);
        return { migrate, setup: undefined };
      }
      break;
    }
    case "flask":
      if (python.has("flask-migrate")) {
        notes.push("release: migrate [flask, db, upgrade] (Flask-Migrate is a dependency)");
        return { migrate: ["flask", "db", "upgrade"], setup: undefined };
      }
      if (python.has("alembic")) {
        notes.push("release: migrate [alembic, upgrade, head] (alembic is a dependency)");
        return { migrate: ["alembic", "upgrade", "head"], setup: undefined };
      }
      break;
    case "unknown":
      break;
  }
  if (fromProcfile) {
    notes.push(`release: migrate [${fromProcfile.join(", ")}] from the Procfile's release line`);
    return { migrate: fromProcfile, setup: undefined };
  }
  notes.push("release: no migration command found; add app.release.migrate if the app has one");
  return { migrate: undefined, setup: undefined };
}

/** The words of a command without shell syntax, or undefined when it needs a shell. */
function commandWords(command: string): string[] | undefined {
  if (/[|&;<>()$`"'\\*?{}[\]~]/.test(command)) return undefined;
  const words = command.trim().split(/\s+/);
  // `VAR=value cmd` needs a shell (or an env block) too.
  if (words.length === 0 || words[0] === "" || words.some((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w))) return undefined;
  return words;
}

function detectSecrets(framework: Framework, files: ReadonlyMap<string, string>, notes: string[]): string[] {
  const secrets: string[] = [];
  const add = (name: string, why: string) => {
    if (secrets.includes(name) || databaseEnv.has(name)) return;
    secrets.push(name);
    notes.push(`secret: ${name} (${why})`);
  };
  if (framework === "rails") add("SECRET_KEY_BASE", "Rails signs cookies with it");
  if (framework === "django") add("SECRET_KEY", "Django's settings need one");
  if (framework === "flask") {
    const file = codeFiles.find((f) => /SECRET_KEY/.test(files.get(f) ?? ""));
    if (file) add("SECRET_KEY", `${file} reads it`);
  }
  for (const [, name] of (files.get(".env.example") ?? "").matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/gm)) {
    if (name && secretLooking.test(name)) add(name, ".env.example lists it");
  }
  return secrets;
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
