import { describe, expect, it } from "vitest";
import { SlipwayError } from "../errors/slipway-error.js";
import { colorsFor } from "../output/colors.js";
import { Redactor } from "../secrets/redact.js";
import type { CliContext } from "./context.js";
import { report } from "./report.js";

const secret = 'A"b\nsecond-line-7c1e';

function context(json: boolean) {
  const out = { stdout: "", stderr: "" };
  const ctx: CliContext = {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    stdin: process.stdin,
    env: { SLIPWAY_DEBUG: "1" },
    cwd: "/",
    sources: new Map(),
    colors: colorsFor({ isTTY: false }, {}, false),
    json,
    secrets: new Redactor([secret]),
  };
  return { ctx, out };
}

describe("error output", () => {
  for (const json of [false, true]) {
    it(`redacts the command's secrets from errors (${json ? "--json" : "human"}), message, hint, related and stack`, () => {
      const { ctx, out } = context(json);
      const error = new SlipwayError("DEPLOY_FAILED", `failed: ${secret}`, {
        hint: `try ${encodeURIComponent(secret)}`,
        related: [new SlipwayError("DEPLOY_FAILED", `also ${Buffer.from(secret).toString("base64")}`)],
      });
      expect(report(ctx, error)).toBe(1);
      expect(report(ctx, new TypeError(`bad ${JSON.stringify(secret)}`))).toBe(70);
      const text = out.stdout + out.stderr;
      expect(text).toContain("[redacted]");
      for (const leak of ["second-line-7c1e", encodeURIComponent(secret), Buffer.from(secret).toString("base64")])
        expect(text).not.toContain(leak);
    });
  }
});
