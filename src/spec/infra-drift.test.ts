import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AppModel } from "../model/app-model.js";
import { infraDrift } from "./infra-drift.js";
import { parseInfraOutputs } from "./infra-outputs.js";
import { parseSpecText } from "./load.js";
import { buildModel } from "./normalize.js";
import { validateSpec } from "./validate.js";

const fixtures = new URL("../../test/fixtures/infra/", import.meta.url);
const recorded = parseInfraOutputs(readFileSync(new URL("outputs-production.json", fixtures), "utf8"), "outputs-production.json");
/** The recorded outputs with the spec's repository, so only what a test changes differs. */
const agreeing = { ...recorded, ecr_repository_url: "123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop" };

function specModel(edit: (text: string) => string = (t) => t): AppModel {
  const text = edit(readFileSync(new URL("slipway.yaml", fixtures), "utf8").replace("STATE_BUCKET", "shop-tfstate-123456789012"));
  const validated = validateSpec(parseSpecText(text, "slipway.yaml"));
  return buildModel(validated, validated.environments.production as NonNullable<(typeof validated.environments)[string]>);
}

describe("infraDrift", () => {
  it("none when the spec and the outputs agree", () => {
    expect(infraDrift(specModel(), "eu-west-2", agreeing)).toEqual([]);
  });

  it("a changed engine: the spec says mysql, the applied database is postgres (engine and port both differ)", () => {
    const drift = infraDrift(
      specModel((t) => t.replace("engine: postgres", "engine: mysql")),
      "eu-west-2",
      agreeing,
    );
    expect(drift).toEqual([
      { field: "engine", path: "database.engine", output: "database_engine", spec: "mysql", outputs: "postgres" },
      { field: "port", path: "database.engine", output: "database_port", spec: "3306", outputs: "5432" },
    ]);
  });

  it("region, role and repository", () => {
    const drift = infraDrift(specModel(), "eu-west-1", {
      ...agreeing,
      app_role_arn: "arn:aws:iam::123456789012:role/someone-else",
      ecr_repository_url: "123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop-production",
    });
    expect(drift.map((d) => [d.field, d.spec, d.outputs])).toEqual([
      ["region", "eu-west-1", "eu-west-2"],
      ["role", "arn:aws:iam::123456789012:role/shop-production", "arn:aws:iam::123456789012:role/someone-else"],
      ["repository", "123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop", "123456789012.dkr.ecr.eu-west-2.amazonaws.com/shop-production"],
    ]);
  });

  it("a database or role on one side only", () => {
    const noDb = specModel((t) => t.replace("database:\n  engine: postgres\n", "").replace("    setup: [bin/setup-db]\n", ""));
    expect(infraDrift(noDb, undefined, agreeing).map((d) => [d.field, d.spec, d.outputs])).toEqual([
      ["database", "(none)", "shop-production.cluster-c9akciq32example.eu-west-2.rds.amazonaws.com"],
    ]);
    const { app_role_arn: _, ...noRole } = agreeing;
    expect(infraDrift(specModel(), "eu-west-2", noRole).map((d) => [d.field, d.outputs])).toEqual([["role", "(none)"]]);
  });
});
