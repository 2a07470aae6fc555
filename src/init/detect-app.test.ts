import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readProjectFiles } from "../effects/project-files.js";
import { parseSpecText } from "../spec/load.js";
import { validateSpec } from "../spec/validate.js";
import { type AppDetection, detectApp, dnsLabel, dockerfileFacts } from "./detect-app.js";

const examplesDir = fileURLToPath(new URL("../../examples/", import.meta.url));

/** What the CLI reads, for each example (read once: detection itself is pure). */
const exampleFiles = new Map(
  await Promise.all(
    ["flask-mysql", "rails-mysql", "node-postgres"].map(async (e) => [e, await readProjectFiles(join(examplesDir, e))] as const),
  ),
);

const detect = (files: Record<string, string>, folder?: string): AppDetection => detectApp(new Map(Object.entries(files)), folder);

describe("detectApp on the examples", () => {
  const cases = [
    {
      example: "flask-mysql",
      want: {
        name: "flask-mysql",
        framework: "flask",
        engine: "mysql",
        port: 8000,
        health: "/healthz",
        migrate: undefined,
        setup: undefined,
      },
      secrets: ["SECRET_KEY"],
    },
    {
      example: "rails-mysql",
      want: {
        name: "rails-mysql",
        framework: "rails",
        engine: "mysql",
        port: 3000,
        health: "/up",
        migrate: ["bin/rails", "db:prepare"],
        setup: undefined,
      },
      // STRIPE_API_KEY: app/ reads ENV.fetch("STRIPE_API_KEY").
      secrets: ["SECRET_KEY_BASE", "STRIPE_API_KEY"],
    },
    {
      example: "node-postgres",
      want: {
        name: "node-postgres",
        framework: "node",
        engine: "postgres",
        port: 3000,
        health: "/health",
        migrate: ["node", "migrate.js"],
        setup: undefined,
      },
      secrets: [],
    },
  ] as const;

  for (const { example, want, secrets } of cases) {
    const dir = join(examplesDir, example);
    const detection = detectApp(exampleFiles.get(example) ?? new Map(), example);

    it(`${example}: ${want.framework} + ${want.engine} on port ${want.port}`, () => {
      expect(detection).toMatchObject(want);
      expect(detection.secrets).toEqual(secrets);
      expect(detection.dockerfile).toMatchObject({ found: true, user: "10001:10001", nonRootUser: true, numericUser: true });
    });

    it(`${example}: agrees with the example's own slipway.yaml, which validates`, () => {
      const file = join(dir, "slipway.yaml");
      const validated = validateSpec(parseSpecText(readFileSync(file, "utf8"), file));
      const { spec } = validated;
      expect(spec.name).toBe(detection.name);
      expect(spec.app.port).toBe(detection.port);
      expect(spec.database?.engine).toBe(detection.engine);
      const health = spec.app.health;
      const paths = typeof health === "string" ? [health] : [health.liveness, health.readiness];
      expect(paths).toContain(detection.health);
      if (example === "rails-mysql") {
        // init now writes db:prepare (creates the schema or migrates); the example keeps its older
        // setup db:create + migrate db:migrate pair, which does the same on slipway's database.
        expect(spec.app.release).toEqual({ setup: ["bin/rails", "db:create"], migrate: ["bin/rails", "db:migrate"] });
      } else {
        expect(spec.app.release?.migrate).toEqual(detection.migrate);
        expect(spec.app.release?.setup).toEqual(detection.setup);
      }
      for (const name of detection.secrets) expect(spec.app.secrets).toContain(name);
      for (const env of ["staging", "production"]) expect(validated.environments[env]?.target.type).toBe("kubernetes");
      expect(validated.environments.production?.ingress?.tls).toBe(true);
      expect(validated.environments.production?.secretSource).toHaveProperty("aws-secrets-manager");
      expect(validated.environments.staging?.app.scale.max).toBeLessThan(validated.environments.production?.app.scale.max ?? 0);
    });

    it(`${example}: the Dockerfile pins its base image by tag and digest`, () => {
      const dockerfile = readFileSync(join(dir, "Dockerfile"), "utf8");
      expect(dockerfile).toMatch(/^(FROM |ARG \w+=)[a-z]+:[0-9][\w.-]*@sha256:[0-9a-f]{64}\b/m);
      expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    });
  }

  it("node-postgres alone also has a local environment", () => {
    const file = join(examplesDir, "node-postgres", "slipway.yaml");
    const validated = validateSpec(parseSpecText(readFileSync(file, "utf8"), file));
    expect(validated.environments.local?.target).toEqual({
      type: "local",
      port: 4000,
      prepare: ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund"],
      path: [],
      trustedProxies: [],
    });
  });

  it("rails-mysql declares IRSA for S3, metrics on 9394 and Stripe egress", () => {
    const file = join(examplesDir, "rails-mysql", "slipway.yaml");
    const { environments } = validateSpec(parseSpecText(readFileSync(file, "utf8"), file));
    const production = environments.production?.app;
    expect(production?.aws).toMatchObject({ identity: "irsa", s3: { "rails-mysql-uploads": ["read", "write"] } });
    expect(production?.aws?.accountId).toBeUndefined();
    expect(production?.metrics).toEqual({ path: "/metrics", port: 9394 });
    expect(production?.egress).toEqual([{ host: "api.stripe.com", port: 443, protocol: "TCP" }]);
    expect(production?.health).toMatchObject({ readiness: "/ready", readinessChecksDatabase: true });
    // The staging overlay swaps the bucket (null removes the production one).
    expect(environments.staging?.app.aws?.s3).toEqual({ "rails-mysql-uploads-staging": ["read", "write", "delete"] });
  });
});

describe("detectApp rules", () => {
  it.each([
    ["a Gemfile with rails", { Gemfile: 'source "https://rubygems.org"\ngem "rails", "~> 8.0"\n' }, "rails"],
    ["a Rails routes file", { "config/routes.rb": "Rails.application.routes.draw do\nend\n" }, "rails"],
    ["rails beats an assets package.json", { Gemfile: "gem 'rails'\n", "package.json": '{"name":"x"}' }, "rails"],
    ["manage.py", { "manage.py": "#!/usr/bin/env python\n" }, "django"],
    ["Django in requirements.txt", { "requirements.txt": "Django==5.2.1\n" }, "django"],
    ["flask in requirements.txt", { "requirements.txt": "# web\nFlask==3.1.3  # pinned\n" }, "flask"],
    ["flask in pyproject dependencies", { "pyproject.toml": '[project]\nname = "x"\ndependencies = [\n  "flask>=3",\n]\n' }, "flask"],
    ["flask in poetry dependencies", { "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.12"\nflask = "^3.1"\n' }, "flask"],
    ["flask in a Pipfile", { Pipfile: '[packages]\nflask = "*"\n' }, "flask"],
    ["app.py importing flask", { "app.py": "from flask import Flask\napp = Flask(__name__)\n" }, "flask"],
    ["package.json", { "package.json": '{"name":"api","dependencies":{"fastify":"5.0.0"}}' }, "node"],
    ["nothing known", { Dockerfile: "FROM scratch\n" }, "unknown"],
    ["a keyword that is no dependency", { "pyproject.toml": '[project]\nname = "x"\nkeywords = ["flask"]\n' }, "unknown"],
  ] as const)("framework from %s", (_, files, framework) => {
    const detection = detect(files);
    expect(detection.framework).toBe(framework);
    expect(detection.notes.find((n) => n.startsWith("framework:"))).toContain(framework);
  });

  it.each([
    ["database.yml mysql2", { Gemfile: "gem 'rails'\n", "config/database.yml": "default: &default\n  adapter: mysql2\n" }, "mysql"],
    ["database.yml trilogy", { Gemfile: "gem 'rails'\n", "config/database.yml": "default:\n  adapter: trilogy\n" }, "mysql"],
    ["database.yml postgresql", { Gemfile: "gem 'rails'\n", "config/database.yml": "default:\n  adapter: postgresql\n" }, "postgres"],
    [
      "database.yml over the Gemfile",
      { Gemfile: "gem 'rails'\ngem 'pg'\ngem 'mysql2'\n", "config/database.yml": "production:\n  adapter: 'postgresql'\n" },
      "postgres",
    ],
    ["Gemfile pg", { Gemfile: "gem 'rails'\ngem 'pg', '~> 1.5'\n" }, "postgres"],
    ["Gemfile mysql2", { Gemfile: 'gem "rails"\ngem "mysql2"\n' }, "mysql"],
    ["psycopg2-binary", { "requirements.txt": "django\npsycopg2-binary==2.9.10\n" }, "postgres"],
    ["psycopg with extras", { "requirements.txt": "django\npsycopg[binary]>=3.2\n" }, "postgres"],
    ["psycopg in pyproject", { "pyproject.toml": '[project]\ndependencies = ["django", "psycopg>=3"]\n' }, "postgres"],
    ["mysqlclient", { "requirements.txt": "django\nmysqlclient==2.2.7\n" }, "mysql"],
    ["PyMySQL", { "requirements.txt": "flask\nPyMySQL==1.1.1\n" }, "mysql"],
    ["node pg", { "package.json": '{"dependencies":{"pg":"8.23.1"}}' }, "postgres"],
    ["node mysql2", { "package.json": '{"dependencies":{"mysql2":"3.0.0"}}' }, "mysql"],
    ["both node drivers", { "package.json": '{"dependencies":{"pg":"8","mysql2":"3"}}' }, undefined],
    ["both database.yml adapters", { "config/database.yml": "a:\n  adapter: mysql2\nb:\n  adapter: postgresql\n" }, undefined],
    ["no driver", { "requirements.txt": "flask\n" }, undefined],
  ] as const)("engine from %s", (_, files, engine) => {
    const detection = detect(files);
    expect(detection.engine).toBe(engine);
    expect(detection.notes.some((n) => n.startsWith("database:"))).toBe(true);
  });

  it.each([
    ["rails", { Gemfile: "gem 'rails'\n" }, 3000],
    ["django", { "manage.py": "" }, 8000],
    ["flask", { "requirements.txt": "flask\n" }, 5000],
    ["node", { "package.json": "{}" }, 3000],
    ["unknown", {}, 8080],
  ] as const)("default port for %s without EXPOSE", (_, files, port) => {
    expect(detect(files).port).toBe(port);
  });

  it.each([
    ["EXPOSE 8080", "FROM node:24\nEXPOSE 8080\n", [8080]],
    ["several ports and /tcp", "FROM x\nEXPOSE 8000/tcp 9000\nEXPOSE 9100\n", [8000, 9000, 9100]],
    ["a variable from ENV", "FROM x\nENV PORT=4000\nEXPOSE $PORT\n", [4000]],
    ["a legacy ENV", `FROM x\nENV PORT 4100\nEXPOSE \${PORT}\n`, [4100]],
    ["an ARG default", `FROM x\nARG PORT=4200\nEXPOSE \${PORT}\n`, [4200]],
    ["an unresolved variable", `FROM x\nEXPOSE \${PORT}\n`, []],
    ["the last stage only", "FROM a AS build\nEXPOSE 1111\nFROM b\nEXPOSE 2222\n", [2222]],
    ["continuation lines and comments", "FROM x\n# EXPOSE 1\nEXPOSE 3000 \\\n  3001\n", [3000, 3001]],
  ])("EXPOSE: %s", (_, dockerfile, exposes) => {
    expect(dockerfileFacts(dockerfile).exposes).toEqual(exposes);
  });

  it("the Dockerfile's EXPOSE wins over the framework default", () => {
    const detection = detect({ Gemfile: "gem 'rails'\n", Dockerfile: "FROM ruby\nEXPOSE 8080\n" });
    expect(detection.port).toBe(8080);
    expect(detection.notes.some((n) => n.startsWith("port: 8080, from the Dockerfile's EXPOSE"))).toBe(true);
  });

  it.each([
    ["no USER", "FROM x\n", { user: undefined, nonRootUser: false, numericUser: false }, "runs as root"],
    ["USER root", "FROM x\nUSER root\n", { user: "root", nonRootUser: false, numericUser: false }, "is root"],
    ["USER 0:0", "FROM x\nUSER 0:0\n", { user: "0:0", nonRootUser: false, numericUser: false }, "is root"],
    ["a named user", "FROM x\nUSER app\n", { user: "app", nonRootUser: true, numericUser: false }, "is a name"],
    ["a numeric user", "FROM x\nUSER 10001:10001\n", { user: "10001:10001", nonRootUser: true, numericUser: true }, "numeric non-root"],
    [
      "a user from ARG",
      `FROM x\nARG UID=10002\nUSER \${UID}\n`,
      { user: "10002", nonRootUser: true, numericUser: true },
      "numeric non-root",
    ],
    ["a user in the build stage only", "FROM a AS b\nUSER 1000\nFROM c\n", { user: undefined, nonRootUser: false }, "runs as root"],
    ["the last USER", "FROM x\nUSER 10001\nRUN true\nUSER root\n", { user: "root", nonRootUser: false }, "is root"],
  ] as const)("USER: %s", (_, dockerfile, facts, note) => {
    const detection = detect({ Dockerfile: dockerfile });
    expect(detection.dockerfile).toMatchObject({ found: true, ...facts });
    expect(detection.notes.find((n) => n.startsWith("Dockerfile:"))).toContain(note);
  });

  it("no Dockerfile", () => {
    const detection = detect({ "package.json": "{}" });
    expect(detection.dockerfile).toEqual({ found: false, exposes: [], user: undefined, nonRootUser: false, numericUser: false });
    expect(detection.notes.find((n) => n.startsWith("Dockerfile:"))).toContain("none found");
  });

  it.each([
    ["rails routing up", { Gemfile: "gem 'rails'\n", "config/routes.rb": 'get "up" => "rails/health#show"\n' }, "/up"],
    ["rails without routes: / instead", { Gemfile: "gem 'rails'\n" }, "/"],
    ["flask with /healthz in app.py", { "requirements.txt": "flask\n", "app.py": '@app.get("/healthz")\n' }, "/healthz"],
    ["node with /health in server.js", { "package.json": "{}", "server.js": "case '/health':\n" }, "/health"],
    ["node with /healthz in src/server.ts", { "package.json": "{}", "src/server.ts": "app.get(`/healthz`, h)\n" }, "/healthz"],
    ["django without a route: / instead", { "manage.py": "" }, "/"],
    ["no match on a longer path", { "package.json": "{}", "server.js": "if (url === '/healthcheckers') {}\n" }, "/"],
  ] as const)("health: %s", (_, files, health) => {
    expect(detect(files).health).toBe(health);
  });

  it("notes when a Rails app does not route /up yet, with the route to add", () => {
    const detection = detect({ Gemfile: "gem 'rails'\n", "config/routes.rb": "Rails.application.routes.draw do\nend\n" });
    expect(detection).toMatchObject({ health: "/", healthFound: false });
    expect(detection.notes.find((n) => n.startsWith("health:"))).toContain("no health route found");
    expect(detection.notes.join("\n")).toContain('get "up" => "rails/health#show"');
  });

  it.each([
    ["rails", { Gemfile: "gem 'rails'\n" }, ["bin/rails", "db:prepare"], undefined],
    ["django", { "manage.py": "" }, ["python", "manage.py", "migrate", "--noinput"], undefined],
    ["node, a plain script", { "package.json": '{"scripts":{"migrate":"node migrate.js"}}' }, ["node", "migrate.js"], undefined],
    [
      "node, a shell script",
      { "package.json": '{"scripts":{"migrate":"knex migrate:latest && echo ok"}}' },
      ["npm", "run", "migrate"],
      undefined,
    ],
    ["node, db:migrate", { "package.json": '{"scripts":{"db:migrate":"prisma migrate deploy"}}' }, ["npm", "run", "db:migrate"], undefined],
    ["node, env assignment", { "package.json": '{"scripts":{"migrate":"NODE_ENV=x node m.js"}}' }, ["npm", "run", "migrate"], undefined],
    ["node without a script", { "package.json": '{"scripts":{"start":"node s.js"}}' }, undefined, undefined],
    ["flask with Flask-Migrate", { "requirements.txt": "Flask\nFlask-Migrate==4.1.0\n" }, ["flask", "db", "upgrade"], undefined],
    ["flask with alembic", { "requirements.txt": "flask\nalembic\n" }, ["alembic", "upgrade", "head"], undefined],
    ["a Procfile release line", { Procfile: "web: ./serve\nrelease: ./bin/migrate --all\n" }, ["./bin/migrate", "--all"], undefined],
  ] as const)("release commands: %s", (_, files, migrate, setup) => {
    const detection = detect(files);
    expect(detection.migrate).toEqual(migrate);
    expect(detection.setup).toEqual(setup);
    expect(detection.notes.some((n) => n.startsWith("release:"))).toBe(true);
  });

  it.each([
    ["package.json, scope dropped", { "package.json": '{"name":"@acme/Shop_API"}' }, "x", "shop-api"],
    ["pyproject [project]", { "pyproject.toml": '[tool.other]\nname = "no"\n[project]\nname = "billing"\n' }, "x", "billing"],
    ["poetry", { "pyproject.toml": '[tool.poetry]\nname = "poetry-app"\n' }, "x", "poetry-app"],
    ["the Rails module", { "config/application.rb": "module ShopFront\n  class Application < Rails::Application\n" }, "x", "shop-front"],
    ["the folder", {}, "My App!", "my-app"],
    ["nothing usable", {}, "123", "app"],
    ["no folder", {}, undefined, "app"],
  ] as const)("name from %s", (_, files, folder, name) => {
    const detection = detect(files, folder);
    expect(detection.name).toBe(name);
    expect(detection.notes.find((n) => n.startsWith("name:"))).toContain(name);
  });

  it.each([
    ["lowercase and dashes", "Shop_API v2", "shop-api-v2"],
    ["leading digits go", "2fa-service", "fa-service"],
    ["at most 40 characters, no trailing dash", `${"a".repeat(39)}-b`, "a".repeat(39)],
    ["nothing left", "---", undefined],
  ])("dnsLabel: %s", (_, raw, label) => {
    expect(dnsLabel(raw)).toBe(label);
  });

  it("secrets from the framework and .env.example, never the database's", () => {
    const detection = detect({
      Gemfile: "gem 'rails'\n",
      ".env.example": "export STRIPE_API_KEY=\nDB_PASSWORD=\nLOG_LEVEL=info\nSECRET_KEY_BASE=\nGITHUB_TOKEN=x\n",
    });
    expect(detection.secrets).toEqual(["SECRET_KEY_BASE", "STRIPE_API_KEY", "GITHUB_TOKEN"]);
  });

  it("flask's SECRET_KEY only when the code reads it", () => {
    expect(detect({ "requirements.txt": "flask\n", "app.py": "import os\n" }).secrets).toEqual([]);
    expect(detect({ "requirements.txt": "flask\n", "app.py": 'app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]\n' }).secrets).toEqual([
      "SECRET_KEY",
    ]);
  });

  it("an unparsable package.json is noted, not thrown", () => {
    const detection = detect({ "package.json": "{nope" });
    expect(detection.framework).toBe("unknown");
    expect(detection.notes).toContain("package.json is not a JSON object; ignored it");
  });

  it("explains every guess", () => {
    const detection = detect({ "package.json": '{"name":"api"}' });
    for (const topic of ["framework:", "database:", "Dockerfile:", "port:", "health:", "release:", "name:"]) {
      expect(detection.notes.some((n) => n.startsWith(topic))).toBe(true);
    }
  });
});

describe("detectApp: the ci: block's install, lint and test commands", () => {
  it.each([
    [
      "npm with a lockfile, lint and test scripts",
      {
        "package.json": JSON.stringify({ scripts: { lint: "biome check .", test: "node --test" }, dependencies: { express: "5" } }),
        "package-lock.json": "{}",
      },
      { install: ["npm", "ci", "--no-audit", "--no-fund"], lint: ["npm", "run", "lint"], test: ["npm", "test"] },
    ],
    [
      "npm's placeholder test script is no test",
      {
        "package.json": JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' }, dependencies: { express: "5" } }),
      },
      { install: ["npm", "install", "--no-audit", "--no-fund"], lint: undefined, test: undefined },
    ],
    [
      "pnpm",
      { "package.json": JSON.stringify({ scripts: { test: "vitest run" }, dependencies: { express: "5" } }), "pnpm-lock.yaml": "" },
      { install: ["pnpm", "install", "--frozen-lockfile"], lint: undefined, test: ["pnpm", "test"] },
    ],
    [
      "pip with pytest and ruff",
      { "requirements.txt": "flask==3.1\npytest==8\nruff==0.9\n", "app.py": "from flask import Flask\napp = Flask(__name__)\n" },
      { install: ["pip", "install", "-r", "requirements.txt"], lint: ["ruff", "check", "."], test: ["python", "-m", "pytest"] },
    ],
    [
      "uv runs the tools in its environment",
      {
        "pyproject.toml": '[project]\nname = "api"\ndependencies = ["fastapi", "uvicorn"]\n[dependency-groups]\ndev = ["pytest"]\n',
        "uv.lock": "",
        "main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
      },
      { install: ["uv", "sync", "--frozen"], lint: undefined, test: ["uv", "run", "python", "-m", "pytest"] },
    ],
    [
      "Rails with rspec and rubocop",
      {
        Gemfile: 'source "https://rubygems.org"\ngem "rails"\ngem "rspec-rails"\ngem "rubocop-rails-omakase"\n',
        "config/application.rb": "",
      },
      { install: ["bundle", "install"], lint: ["bundle", "exec", "rubocop"], test: ["bundle", "exec", "rspec"] },
    ],
    ["nothing to go on", { "index.html": "<p>hi</p>" }, { install: undefined, lint: undefined, test: undefined }],
  ])("%s", (_, files, want) => {
    const d = detect(files as Record<string, string>);
    expect(d.ci).toEqual(want);
    for (const key of ["install", "lint", "test"] as const)
      if (want[key]) expect(d.notes.some((n) => n.startsWith(`ci.${key}: ${want[key]?.join(" ")}, from `))).toBe(true);
  });
});
