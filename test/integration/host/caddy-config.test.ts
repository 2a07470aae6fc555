/**
 * The Caddy configs the host target loads, validated by the Caddy the tests run (2.11.9, built by
 * `bash test/cluster/build.sh caddy`, the version of the default image): plain HTTP, TLS from
 * Caddy's local CA, and ACME with and without an email (Let's Encrypt, then ZeroSSL's ACME), also
 * on ports other than 80/443. `caddy validate` provisions every module, so an issuer or a field
 * this Caddy does not know fails here.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CaddyTls, caddyConfig } from "../../../src/effects/caddy-commands.js";
import { toolPath } from "../../helpers/tools.js";

const caddy = toolPath("caddy");
if (caddy === undefined) console.warn("caddy config tests skipped: caddy is not built (bash test/cluster/build.sh caddy)");
const root = mkdtempSync(join(tmpdir(), "slipway-caddy-validate-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const settings = { adminSocket: join(root, "admin.sock"), listen: ":18080", gracePeriodSeconds: 20 };
const tls = (issuer: CaddyTls["issuer"], extra: Partial<CaddyTls> = {}): CaddyTls => ({
  host: "shop.example.com",
  issuer,
  httpPort: 80,
  httpsPort: 443,
  ...extra,
});

describe.skipIf(caddy === undefined)("Caddy accepts every config the host target writes", () => {
  const cases: [string, CaddyTls | undefined, number][] = [
    ["plain HTTP, 12 slots", undefined, 12],
    ["plain HTTP, the 503 route", undefined, 0],
    ["TLS from Caddy's local CA", tls("internal", { httpPort: 8080, httpsPort: 8443 }), 12],
    ["ACME with an email", tls("acme", { email: "ops@example.com" }), 12],
    ["ACME with an email behind a port forward", tls("acme", { email: "ops@example.com", httpPort: 8080, httpsPort: 8443 }), 12],
    ["ACME without an email", tls("acme"), 12],
  ];
  for (const [name, t, slots] of cases)
    it(name, () => {
      const file = join(root, `${name.replace(/\W+/g, "-")}.json`);
      writeFileSync(file, JSON.stringify(caddyConfig({ ...settings, tls: t }, { dir: root, slots })));
      const run = spawnSync(caddy as string, ["validate", "--config", file], {
        encoding: "utf8",
        env: { HOME: root, PATH: "/usr/bin:/bin" },
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout + run.stderr).toContain("Valid configuration");
    });
});
