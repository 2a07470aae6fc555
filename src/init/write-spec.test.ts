import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readProjectFiles } from "../effects/project-files.js";
import { parseSpecText } from "../spec/load.js";
import { validateSpec } from "../spec/validate.js";
import { detectApp } from "./detect-app.js";
import { type InitAnswers, schemaComment, writeSpecText } from "./write-spec.js";

const examplesDir = fileURLToPath(new URL("../../examples/", import.meta.url));

const base: InitAnswers = {
  name: "shop",
  image: "123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop",
  port: 3000,
  health: "/up",
  engine: "mysql",
  migrate: ["bin/rails", "db:migrate"],
  setup: ["bin/rails", "db:create"],
  secrets: ["SECRET_KEY_BASE"],
  ingressHost: "shop.example.com",
  framework: "rails",
};

function validate(text: string) {
  return validateSpec(parseSpecText(text, "slipway.yaml"));
}

describe("writeSpecText", () => {
  it("starts with the schema line and writes staging and production on kubernetes", () => {
    const text = writeSpecText(base);
    expect(text.split("\n")[0]).toBe(schemaComment);
    // The schema file init writes beside the spec: no node_modules needed (a Python app has none).
    expect(schemaComment).toBe("# yaml-language-server: $schema=./slipway.schema.json");
    const { spec, environments } = validate(text);
    expect(Object.keys(spec.environments)).toEqual(["local", "staging", "production"]);
    expect(environments.local?.target).toMatchObject({ type: "local", port: 4000 });
    for (const env of ["staging", "production"]) expect(environments[env]?.target.type).toBe("kubernetes");
    expect(environments.staging?.secretSource).toEqual({ "kubernetes-secret": "shop-secrets" });
    expect(environments.production?.secretSource).toEqual({
      "aws-secrets-manager": { prefix: "shop/production/", refreshInterval: "1h", store: "aws-secrets-manager" },
    });
    expect(environments.staging?.ingress?.host).toBe("staging.shop.example.com");
    expect(environments.production?.ingress).toMatchObject({ host: "shop.example.com", tls: true, class: "alb" });
    expect(environments.staging?.app.scale).toMatchObject({ min: 1, max: 2 });
    expect(environments.production?.app.scale).toMatchObject({ min: 2, max: 4 });
  });

  it("puts build steps in app.build.steps, where the image build and the local prepare both find them; never in the boot", () => {
    const collectstatic = ["python", "manage.py", "collectstatic", "--noinput"];
    const text = writeSpecText({
      ...base,
      framework: "django",
      command: ["gunicorn", "shop.wsgi"],
      buildSteps: [collectstatic],
      local: {
        prepare: ["sh", "-c", "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"],
        path: [".venv/bin"],
      },
    });
    const { spec, environments } = validate(text);
    expect(spec.app.build?.steps).toEqual([collectstatic]);
    expect(spec.app.command).toEqual(["gunicorn", "shop.wsgi"]);
    expect(environments.production?.app.build?.steps).toEqual([collectstatic]);
    // Locally the same step runs with the release's .venv/bin first on PATH (targets.local.path).
    expect(environments.local?.app.build?.steps).toEqual([collectstatic]);
    const prepare = environments.local?.target.type === "local" ? environments.local.target.prepare : undefined;
    expect(prepare?.join(" ")).not.toContain("collectstatic");
    // Without steps, app.build stays a comment: declaring it says the image is built from the Dockerfile.
    expect(validate(writeSpecText(base)).spec.app.build).toBeUndefined();
  });

  it("carries every answer into the spec", () => {
    const { spec } = validate(writeSpecText(base));
    expect(spec.name).toBe("shop");
    expect(spec.app).toMatchObject({
      image: base.image,
      port: 3000,
      health: "/up",
      secrets: ["SECRET_KEY_BASE"],
      release: { migrate: ["bin/rails", "db:migrate"], setup: ["bin/rails", "db:create"] },
      env: { RAILS_ENV: "production", RAILS_LOG_TO_STDOUT: "1" },
    });
    expect(spec.database?.engine).toBe("mysql");
  });

  it("is commented", () => {
    const lines = writeSpecText(base).split("\n");
    const comments = lines.filter((l) => /^\s*#/.test(l) || / # /.test(l));
    expect(comments.length).toBeGreaterThanOrEqual(10);
    expect(lines.some((l) => l.includes("never from this file"))).toBe(true);
  });

  it("leaves out what was not answered, as comments", () => {
    const answers: InitAnswers = {
      name: "api",
      image: "ghcr.io/acme/api",
      port: 8080,
      health: "/health",
      secrets: [],
      framework: "unknown",
    };
    const text = writeSpecText(answers);
    const { spec, environments } = validate(text);
    expect(spec.database).toBeUndefined();
    expect(spec.ingress).toBeUndefined();
    expect(spec.app.release).toBeUndefined();
    expect(spec.app.env).toEqual({});
    expect(environments.staging?.ingress).toBeUndefined();
    expect(text).toMatch(/^# database: /m);
    expect(text).toMatch(/^# ingress: /m);
    expect(text).toMatch(/^ {2}# release: /m);
  });

  it.each([
    ["rails", "mysql"],
    ["rails", "postgres"],
    ["django", "postgres"],
    ["django", undefined],
    ["flask", "mysql"],
    ["node", "postgres"],
    ["node", undefined],
    ["unknown", undefined],
  ] as const)("validates for %s with %s", (framework, engine) => {
    const answers: InitAnswers = { ...base, framework, engine, migrate: engine ? ["./migrate"] : undefined, setup: undefined };
    expect(() => validate(writeSpecText(answers))).not.toThrow();
  });

  it("writes the detected DATABASE_URL scheme as database.urlScheme when it is not the engine's default", () => {
    const pinned = validate(writeSpecText({ ...base, framework: "flask", engine: "postgres", databaseUrlScheme: "postgresql+psycopg2" }));
    expect(pinned.spec.database?.urlScheme).toBe("postgresql+psycopg2");
    const mysql2 = validate(writeSpecText({ ...base, databaseUrlScheme: "mysql2" }));
    expect(mysql2.spec.database?.urlScheme).toBe("mysql2");
    // The default needs no key; the comment still says what was detected.
    const plain = writeSpecText({ ...base, framework: "node", engine: "postgres", databaseUrlScheme: "postgresql" });
    expect(validate(plain).spec.database?.urlScheme).toBeUndefined();
    expect(plain).toContain("# DATABASE_URL scheme this app expects: postgresql://");
  });

  it("quotes values that YAML would read as something else", () => {
    const answers: InitAnswers = {
      ...base,
      image: "localhost:5000/team/shop:1.0",
      health: "/health?probe=1",
      migrate: ["sh", "-c", "echo 'a: b' # not a comment", "true", "123", "[x]", "-"],
      setup: undefined,
    };
    const text = writeSpecText(answers);
    const data = parse(text) as { app: { image: string; health: string; release: { migrate: string[] } } };
    expect(data.app.image).toBe(answers.image);
    expect(data.app.health).toBe(answers.health);
    expect(data.app.release.migrate).toEqual(answers.migrate);
    expect(validate(text).spec.app.image).toBe(answers.image);
  });

  it("keeps the staging secret name a valid DNS label for a 40-character app name", () => {
    const name = `a${"-b".repeat(19)}c`;
    expect(name).toHaveLength(40);
    const { environments } = validate(writeSpecText({ ...base, name }));
    const source = environments.staging?.secretSource;
    expect(source && "kubernetes-secret" in source ? source["kubernetes-secret"] : undefined).toMatch(/^[a-z][-a-z0-9]{0,38}[a-z0-9]$/);
  });

  it("puts the virtualenv's bin/ first on PATH for the local target instead of overriding the local commands", () => {
    const answers: InitAnswers = {
      ...base,
      framework: "flask",
      command: ["sh", "-c", 'exec gunicorn --bind "$HOST:$PORT" app:app'],
      migrate: ["flask", "db", "upgrade"],
      local: { prepare: ["sh", "-c", "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"], path: [".venv/bin"] },
    };
    const text = writeSpecText(answers);
    const { spec, environments } = validate(text);
    expect(environments.local?.target).toMatchObject({ type: "local", path: [".venv/bin"] });
    // One command for every target: the image has its programs on PATH, the local release its .venv/bin.
    expect(spec.environments.local?.app).toBeUndefined();
    expect(environments.local?.app.command).toEqual(answers.command);
    expect(environments.local?.app.release?.migrate).toEqual(["flask", "db", "upgrade"]);
    expect(text).not.toContain(".venv/bin/flask");
  });

  it("is deterministic", () => {
    expect(writeSpecText(base)).toBe(writeSpecText({ ...base }));
  });
});

describe("writeSpecText from each example's detection", () => {
  for (const example of ["flask-mysql", "rails-mysql", "node-postgres"]) {
    it(`${example}: init's spec validates and keeps what was detected`, async () => {
      const detection = detectApp(await readProjectFiles(join(examplesDir, example)), example);
      const answers: InitAnswers = { ...detection, image: `registry.example.com/${example}`, ingressHost: `${example}.example.com` };
      const { spec, environments } = validate(writeSpecText(answers));
      expect(spec.name).toBe(example);
      expect(spec.app.port).toBe(detection.port);
      expect(spec.app.health).toBe(detection.health);
      expect(spec.database?.engine).toBe(detection.engine);
      expect(spec.app.release?.migrate).toEqual(detection.migrate);
      expect(spec.app.secrets).toEqual(detection.secrets);
      expect(Object.keys(environments)).toEqual(["local", "staging", "production"]);
    });
  }
});

describe("writeSpecText: the ci: block", () => {
  it("writes the detected commands, and leaves the ones not found as comments; the spec validates", () => {
    const text = writeSpecText({ ...base, ci: { install: ["npm", "ci"], lint: undefined, test: ["npm", "test"] } });
    expect(text).toContain("\nci:");
    expect(text).toContain("\n  install: [npm, ci]\n  # lint: [...]\n  test: [npm, test]\n");
    expect(validate(text).spec.ci).toMatchObject({ install: ["npm", "ci"], test: ["npm", "test"] });
  });

  it("comments out the whole block when nothing was found (an empty ci: would read as null)", () => {
    const text = writeSpecText({ ...base, ci: { install: undefined, lint: undefined, test: undefined } });
    expect(text).not.toMatch(/^ci:/m);
    expect(text).toMatch(/^# ci: \{ install: \[\.\.\.\], lint: \[\.\.\.\], test: \[\.\.\.\] \}/m);
    expect(validate(text).spec.ci).toBeUndefined();
  });
});
