import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ReleaseRecord } from "../../deploy/history.js";
import { isSlipwayError } from "../../errors/slipway-error.js";
import { Redactor } from "../../secrets/redact.js";
import { parseSpecText } from "../../spec/load.js";
import { chooseEnvironment } from "../../spec/normalize.js";
import { validateSpec } from "../../spec/validate.js";
import type { DriverContext } from "../driver.js";
import { localDriver } from "./driver.js";

// The local target's one secret collector (history, status, logs, exec and dev read through it),
// over real files: a record that holds a secret value and the database password slipway made.

const spec = `name: shop
app:
  image: registry.example.com/shop:1.0.0
  port: 5000
  health: /up
  secrets: [API_KEY, OTHER_KEY]
database: { engine: postgres }
environments:
  local:
    target: local
    secretSource: { env: {} }
`;

const dir = mkdtempSync(join(tmpdir(), "slipway-local-session-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, "slipway.yaml");
writeFileSync(file, spec);
const validated = validateSpec(parseSpecText(spec, "slipway.yaml"));
const env = chooseEnvironment(validated, "local");
const apiKey = "api-key-5d1c9e0f";
const dbPassword = "db-password-77ab31";

function context(values: Record<string, string>): DriverContext {
  return {
    cwd: dir,
    env: values,
    redactor: new Redactor(),
    loadSpec: async () => validated,
    onInvalidRecord: () => undefined,
  };
}

const record: ReleaseRecord = {
  revision: 1,
  app: "shop",
  environment: "local",
  target: "local",
  specHash: "sha256:0",
  artifact: { kind: "image", ref: "x" },
  git: undefined,
  who: { user: "u", host: "h", pid: 1 },
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:01.000Z",
  phases: [],
  outcome: "failed",
  rollbackOf: undefined,
  failure: { class: "process-exited", message: `crashed with ${apiKey} and ${dbPassword}`, evidence: {} },
  secrets: { names: ["API_KEY", "OTHER_KEY"] },
  runtime: {},
};

describe("the local target's secret collector", () => {
  it("redacts the app's secrets and the database password slipway made from what a read-only command shows", async () => {
    const ctx = context({ API_KEY: apiKey, OTHER_KEY: "other-value-1234" });
    const session = await localDriver.open({ validated, env, file, command: "history" }, ctx);
    // A record written before the secrets were known, as an older slipway could have left it.
    await session.history.put(record);
    mkdirSync(join(dir, ".slipway", "local"), { recursive: true });
    writeFileSync(join(dir, ".slipway", "local", "database.secret"), `${dbPassword}\n`);
    const shown = JSON.stringify(await session.releases());
    expect(shown).not.toContain(apiKey);
    expect(shown).not.toContain(dbPassword);
    expect(shown).toContain("crashed with [redacted] and [redacted]");
    expect(JSON.stringify((await session.status()).result)).not.toContain(apiKey);
  });

  it("refuses (SECRETS_MISSING) when a declared secret has no value, rather than show what it cannot redact", async () => {
    const session = await localDriver.open({ validated, env, file, command: "history" }, context({ API_KEY: apiKey }));
    for (const read of [() => session.releases(), () => session.status()]) {
      const error = await read().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSlipwayError(error) && error.code).toBe("SECRETS_MISSING");
      expect(String((error as Error).message)).toContain("OTHER_KEY");
    }
  });
});
