import { describe, expect, it } from "vitest";
import { type ReleaseEnvInput, releaseEnv } from "./release-env.js";

describe("a host release's container environment", () => {
  const input: ReleaseEnvInput = {
    app: "notes",
    environment: "production",
    revision: 7,
    port: 8000,
    phase: "web",
    plain: [
      ["LOG_LEVEL", "info"],
      ["PORT", "5000"],
      ["HOST", "127.0.0.1"],
    ],
    secrets: { SECRET_KEY: "s3cret" },
    database: { DATABASE_URL: "postgresql://notes_app:pw@slipway-notes-production-db:5432/notes", DB_HOST: "slipway-notes-production-db" },
  };

  it("gives web containers PORT and HOST 0.0.0.0 (the contract's values in containers), over app.env's own", () => {
    expect(releaseEnv(input)).toEqual({
      LOG_LEVEL: "info",
      SECRET_KEY: "s3cret",
      DATABASE_URL: "postgresql://notes_app:pw@slipway-notes-production-db:5432/notes",
      DB_HOST: "slipway-notes-production-db",
      PORT: "8000",
      HOST: "0.0.0.0",
      SLIPWAY_APP: "notes",
      SLIPWAY_ENVIRONMENT: "production",
      SLIPWAY_REVISION: "7",
    });
  });

  it.each(["setup", "migrate"] as const)("gives the %s command neither PORT nor HOST from slipway", (phase) => {
    const env = releaseEnv({ ...input, phase, plain: [["LOG_LEVEL", "info"]] });
    expect(env).not.toHaveProperty("PORT");
    expect(env).not.toHaveProperty("HOST");
    expect(env).toMatchObject({ DB_HOST: "slipway-notes-production-db", SECRET_KEY: "s3cret", SLIPWAY_REVISION: "7" });
  });
});
