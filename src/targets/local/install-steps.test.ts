import { describe, expect, it } from "vitest";
import { installsOnly } from "./install-steps.js";

const sh = (text: string) => ["sh", "-c", text];

describe("installsOnly", () => {
  it.each([
    [["npm", "ci", "--omit=dev"], true],
    [["npm", "install"], true],
    [["pnpm", "install", "--frozen-lockfile"], true],
    [["yarn", "install", "--frozen-lockfile"], true],
    [["yarn", "--production"], true],
    [["bun", "install"], true],
    // What slipway init writes for Python and Ruby.
    [sh("python3 -m venv .venv && .venv/bin/pip install --disable-pip-version-check --no-input -r requirements.txt"), true],
    [sh("python3 -m venv .venv && .venv/bin/pip install --no-input 'django>=5.1,<5.3' 'psycopg[binary]>=3.2'"), true],
    [sh("uv sync --frozen --no-dev"), true],
    [sh("POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --only main --no-root --no-interaction"), true],
    [sh("bundle config set --local path vendor/bundle && bundle config set --local without 'development test' && bundle install"), true],
    // Build steps depend on the code: they run again.
    [["npm", "run", "build"], false],
    [sh("npm ci && npm run build"), false],
    [sh("python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/python manage.py collectstatic --noinput"), false],
    [sh("bundle install && RAILS_ENV=production SECRET_KEY_BASE_DUMMY=1 bin/rails assets:precompile"), false],
    // The app's own code installed into the environment: a code change must reach it.
    [sh("python3 -m venv .venv && .venv/bin/pip install ."), false],
    [sh("python3 -m venv .venv && .venv/bin/pip install -e ."), false],
    [sh(".venv/bin/pip install ./vendor/lib.whl"), false],
    [sh("uv sync --no-editable"), false],
    // Shell beyond `&&`, or unknown programs.
    [sh("npm ci; node scripts/postinstall.js"), false],
    [sh("npm ci $(cat flags)"), false],
    [sh("npm ci > /dev/null"), false],
    [["./prepare.sh"], false],
    [["make", "deps"], false],
  ])("%j → %s", (prepare, expected) => {
    expect(installsOnly(prepare)).toBe(expected);
  });
});
