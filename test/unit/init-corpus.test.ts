import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readProjectFiles } from "../../src/effects/project-files.js";
import { type AppDetection, detectApp } from "../../src/init/detect-app.js";
import { repoRoot } from "../helpers/examples.js";

/*
 * What `slipway init` detects in each app of the corpus (test/apps), read as the CLI reads it.
 * `tools` is what is on PATH: none of the optional ones (uv, poetry, bundle, …), unless a test says.
 */
const appsDir = join(repoRoot, "test/apps");
const detect = async (app: string, tools: ReadonlySet<string> = new Set()): Promise<AppDetection> =>
  detectApp(await readProjectFiles(join(appsDir, app)), app, tools);

const venvPip = "python3 -m venv .venv && .venv/bin/pip install --disable-pip-version-check --no-input";

describe("init detection on the app corpus", () => {
  it("flask-journal: boot.sh's gunicorn on $HOST:$PORT, its boot-time migration as release, no health route", async () => {
    const d = await detect("flask-journal");
    const gunicorn = 'gunicorn --bind "$HOST:$PORT" --workers 2 --access-logfile - --error-logfile - journal_app:app';
    expect(d).toMatchObject({
      name: "flask-journal",
      framework: "flask",
      ecosystem: "python",
      engine: "postgres",
      // psycopg2 named: SQLAlchemy 2.1 (the app pins 2.1.9) maps a bare postgresql:// to psycopg 3.
      databaseUrlScheme: "postgresql+psycopg2",
      port: 5000,
      health: "/",
      healthFound: false,
      command: ["sh", "-c", `exec ${gunicorn}`],
      migrate: ["flask", "db", "upgrade"],
      setup: undefined,
      buildSteps: [],
      env: { FLASK_APP: "journal_app.py" },
      secrets: ["MAIL_PASSWORD", "SECRET_KEY"],
      local: {
        prepare: ["sh", "-c", `${venvPip} -r requirements.txt`],
        path: [".venv/bin"],
      },
    });
    // No guessed names: the mail user and server are plain settings, reported but not secrets.
    expect(d.envRead).toEqual(expect.arrayContaining(["MAIL_SERVER", "MAIL_USERNAME", "DATABASE_URL"]));
    expect(d.healthRoute).toEqual(['@app.get("/healthz")', "def healthz():", '    return {"status": "ok"}']);
    const notes = d.notes.join("\n");
    expect(notes).toContain("-b :5000 replaced by $HOST:$PORT");
    expect(notes).toContain("boot.sh runs `flask db upgrade` at every boot");
    expect(notes).toContain("no health route found");
  });

  it("django-library: gunicorn.conf.py's bind overridden, collectstatic moved to the build, DJANGO_SECRET_KEY (never SECRET_KEY)", async () => {
    const d = await detect("django-library");
    const gunicorn = 'gunicorn --bind "$HOST:$PORT" library.wsgi --log-file -';
    expect(d).toMatchObject({
      name: "library",
      framework: "django",
      engine: "postgres",
      databaseUrlScheme: "postgresql",
      port: 8000,
      health: "/healthz",
      healthFound: true,
      command: ["sh", "-c", `exec ${gunicorn}`],
      migrate: ["python", "manage.py", "migrate", "--noinput"],
      // In app.build.steps: the image build runs it; the local target after prepare, from .venv.
      buildSteps: [["python", "manage.py", "collectstatic", "--noinput"]],
      env: { DJANGO_ALLOWED_HOSTS: "localhost,127.0.0.1" },
      hosts: { setting: "ALLOWED_HOSTS", variable: "DJANGO_ALLOWED_HOSTS", separator: "," },
      secrets: ["DJANGO_SECRET_KEY", "EMAIL_HOST_PASSWORD"],
      local: {
        // uv is not on PATH: pip installs pyproject.toml's ranges (extras and all).
        prepare: [
          "sh",
          "-c",
          `${venvPip} 'django>=5.1,<5.3' 'dj-database-url>=2.3' 'gunicorn>=23' 'psycopg[binary]>=3.2' 'whitenoise>=6.8'`,
        ],
        path: [".venv/bin"],
      },
    });
    expect(d.secrets).not.toContain("SECRET_KEY");
    expect(d.notes.join("\n")).toContain("gunicorn.conf.py's bind 0.0.0.0:8000 replaced by $HOST:$PORT");
  });

  it("django-library with uv on PATH: uv sync installs the locked versions", async () => {
    const d = await detect("django-library", new Set(["uv"]));
    expect(d.local.prepare).toEqual(["sh", "-c", "uv sync --frozen --no-dev"]);
  });

  it("fastapi-inventory: entrypoint.sh's uvicorn, alembic, pydantic-settings' prefixed token, postgresql+psycopg", async () => {
    const d = await detect("fastapi-inventory", new Set(["poetry"]));
    const uvicorn = `uvicorn --host "$HOST" --port "$PORT" inventory.main:app --proxy-headers '--forwarded-allow-ips=*'`;
    expect(d).toMatchObject({
      name: "inventory",
      framework: "fastapi",
      engine: "postgres",
      databaseUrlScheme: "postgresql+psycopg",
      port: 8080,
      health: "/healthz",
      command: ["sh", "-c", `exec ${uvicorn}`],
      migrate: ["alembic", "upgrade", "head"],
      env: {},
      secrets: ["INVENTORY_API_TOKEN"],
      local: {
        prepare: ["sh", "-c", "POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --only main --no-root --no-interaction"],
        path: [".venv/bin"],
      },
    });
    expect(d.envRead).toEqual(expect.arrayContaining(["INVENTORY_LOW_STOCK_THRESHOLD", "DATABASE_URL"]));
  });

  it("express-pg-tasks: npm start's command run directly, the migrate script through npm (node-pg-migrate is in node_modules/.bin)", async () => {
    const d = await detect("express-pg-tasks");
    expect(d).toMatchObject({
      name: "tasks-api",
      framework: "node",
      engine: "postgres",
      databaseUrlScheme: "postgres",
      health: "/healthz",
      command: ["node", "src/server.js"],
      migrate: ["npm", "run", "migrate"],
      buildSteps: [],
      secrets: ["SESSION_SECRET", "WEBHOOK_SIGNING_KEY"],
      local: { prepare: ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund"], path: [] },
    });
  });

  it("express-knex-mysql: bin/www, knex migrations through npx, JWT_SECRET, dev dependencies left out", async () => {
    const d = await detect("express-knex-mysql");
    expect(d).toMatchObject({
      name: "bookings",
      engine: "mysql",
      databaseUrlScheme: "mysql",
      health: "/health",
      command: ["node", "./bin/www"],
      migrate: ["npx", "--no", "knex", "migrate:latest"],
      secrets: ["JWT_SECRET"],
      local: { prepare: ["npm", "ci", "--omit=dev", "--no-audit", "--no-fund"] },
    });
    // DB_PASSWORD is read too, but slipway sets it: never an app secret.
    expect(d.envRead).toContain("DB_PASSWORD");
    expect(d.notes.join("\n")).toContain("reads PORT but not HOST");
  });

  it("node-uploads: src/log/ and tmp/ are source, not noise; no database, no migration", async () => {
    const d = await detect("node-uploads");
    expect(d).toMatchObject({
      name: "uploads",
      framework: "node",
      engine: undefined,
      health: "/health",
      command: ["node", "src/main.js"],
      migrate: undefined,
      secrets: ["UPLOAD_TOKEN"],
    });
    expect(d.envRead).toEqual(["HOST", "LOG_DIR", "PORT", "UPLOAD_DIR", "UPLOAD_TOKEN"]);
  });

  it("next-storefront: next start via npx on $HOST:$PORT, the build a build step (dev dependencies kept for it), Prisma migrations", async () => {
    const d = await detect("next-storefront");
    expect(d).toMatchObject({
      name: "storefront",
      framework: "next",
      engine: "postgres",
      databaseUrlScheme: "postgresql",
      health: "/api/health",
      command: ["sh", "-c", 'exec npx --no next start -H "$HOST" -p "$PORT"'],
      migrate: ["npx", "--no", "prisma", "migrate", "deploy"],
      buildSteps: [["npm", "run", "build"]],
      secrets: ["STRIPE_SECRET_KEY"],
      local: { prepare: ["npm", "ci", "--no-audit", "--no-fund"], path: [] },
    });
  });

  it("rails-repairs: bin/rails server on $HOST:$PORT, db:prepare, mysql2://, config.hosts from RAILS_ALLOWED_HOSTS", async () => {
    const d = await detect("rails-repairs");
    expect(d).toMatchObject({
      name: "repair-desk",
      framework: "rails",
      ecosystem: "ruby",
      engine: "mysql",
      databaseUrlScheme: "mysql2",
      health: "/up",
      command: ["sh", "-c", 'exec bin/rails server -b "$HOST" -p "$PORT"'],
      migrate: ["bin/rails", "db:prepare"],
      setup: undefined,
      // A dummy secret_key_base is enough to compile assets; RAILS_ENV comes from app.env.
      buildSteps: [["env", "SECRET_KEY_BASE_DUMMY=1", "bin/rails", "assets:precompile"]],
      env: { RAILS_ALLOWED_HOSTS: "localhost,127.0.0.1" },
      secrets: ["SECRET_KEY_BASE", "NOTIFY_WEBHOOK_TOKEN", "SMTP_PASSWORD"],
      local: {
        prepare: [
          "sh",
          "-c",
          "bundle config set --local path vendor/bundle && bundle config set --local without 'development test' && bundle install",
        ],
        path: [],
      },
    });
    expect(d.notes.join("\n")).toContain("bundle is not on PATH here");
  });
});
