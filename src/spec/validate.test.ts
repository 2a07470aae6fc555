import { describe, expect, it } from "vitest";
import { SlipwayError } from "../errors/slipway-error.js";
import { parseSpecText } from "./load.js";
import { chooseEnvironment } from "./normalize.js";
import { validateSpec } from "./validate.js";

const base = `name: shop
app:
  image: ghcr.io/acme/shop:1.0.0
  port: 3000
  health: /up
environments:
  production:
    target: kubernetes
`;

function problems(text: string): SlipwayError[] {
  try {
    validateSpec(parseSpecText(text, "slipway.yaml"));
  } catch (error) {
    if (!(error instanceof SlipwayError)) throw error;
    return [error, ...error.related];
  }
  return [];
}

function only(text: string): SlipwayError {
  const all = problems(text);
  expect(all, all.map((e) => e.message).join("; ")).toHaveLength(1);
  return all[0] as SlipwayError;
}

describe("validateSpec", () => {
  it("accepts the minimal spec", () => {
    expect(problems(base)).toEqual([]);
  });

  it("reports an unknown key at its position with a did-you-mean hint", () => {
    const e = only(base.replace("  port: 3000", "  prot: 3000"));
    expect(e.code).toBe("SPEC_UNKNOWN_KEY");
    expect(e.location).toMatchObject({ file: "slipway.yaml", path: ["app", "prot"], line: 4, col: 3 });
    expect(e.hint).toBe("Did you mean 'port'?");
  });

  it("lists the allowed keys when nothing is close", () => {
    const e = only(base.replace("  port: 3000", "  zzzzzzzz: 1"));
    expect(e.hint).toMatch(/^Allowed here: image, build, port/);
  });

  it("reports a missing required key at its parent", () => {
    const e = only(base.replace("  health: /up\n", ""));
    expect(e.code).toBe("SPEC_MISSING_KEY");
    expect(e.message).toContain("missing required key 'health'");
    expect(e.location?.line).toBe(2);
  });

  it("reports a wrong type with what was expected and a fix", () => {
    const e = only(base.replace("port: 3000", 'port: "3000"'));
    expect(e.code).toBe("SPEC_INVALID_TYPE");
    expect(e.message).toBe('expected a number, got "3000"');
    expect(e.hint).toBe("Remove the quotes: 3000.");
    expect(e.location).toMatchObject({ line: 4, col: 9 });
  });

  it("suggests the closest enum value", () => {
    const e = only(`${base}database:\n  engine: postgress\n`);
    expect(e.code).toBe("SPEC_INVALID_VALUE");
    expect(e.hint).toBe("Did you mean 'postgres'?");
    expect(e.location).toMatchObject({ path: ["database", "engine"], line: 10, col: 11 });
  });

  it("reports every problem at once, in file order", () => {
    const all = problems(base.replace("  port: 3000", "  prot: 3000").replace("/up", "up"));
    expect(all.map((e) => e.location?.line)).toEqual([4, 5]);
  });

  it("places an error from an environment overlay in the overlay", () => {
    const e = only(`${base}    app:\n      scale: { min: 0 }\n`);
    expect(e.location?.path).toEqual(["environments", "production", "app", "scale", "min"]);
    expect(e.location?.line).toBe(10);
  });

  it("rejects unknown keys inside an overlay, with a hint", () => {
    const e = only(`${base}    app:\n      scael: { min: 2 }\n`);
    expect(e.code).toBe("SPEC_UNKNOWN_KEY");
    expect(e.location?.path).toEqual(["environments", "production", "app", "scael"]);
    expect(e.hint).toBe("Did you mean 'scale'?");
  });

  it("accepts trusted proxies as IPv4/IPv6 addresses and CIDR ranges, and locates one that is neither", () => {
    const spec = (list: string) => `${base}  dev:\n    target: local\ntargets:\n  local:\n    trustedProxies: ${list}\n`;
    expect(problems(spec('["10.0.0.5", "10.0.0.0/8", "fd00::/8", "::1", "::ffff:192.0.2.1"]'))).toEqual([]);
    for (const bad of ["10.0.0.0/33", "10.0.0.256", "example.com", "1::2::3", "10.0.0.0/8/1"]) {
      const e = only(spec(`["10.0.0.1", "${bad}"]`));
      expect(e.location?.path, `${e.code} ${e.message}`).toEqual(["targets", "local", "trustedProxies", 1]);
      expect(e.message).toContain("must be an IP address or a CIDR range");
    }
  });

  it("resolves a host target with its defaults and locates a malformed ssh destination, a missing one and an unknown runtime", () => {
    const spec = (fields: string) => `${base}  prod:\n    target: server\ntargets:\n  server:\n    type: host\n${fields}`;
    const ok = validateSpec(parseSpecText(spec("    ssh: deploy@203.0.113.7:2222\n"), "slipway.yaml"));
    expect(chooseEnvironment(ok, "prod").target).toEqual({
      type: "host",
      ssh: "deploy@203.0.113.7:2222",
      identity: undefined,
      knownHosts: undefined,
      runtime: "podman",
      imageTransfer: "auto",
      port: 80,
      tls: undefined,
      httpsPort: 443,
      acmeEmail: undefined,
      dir: "/var/lib/slipway",
      database: { image: undefined },
      proxy: { image: undefined },
    });
    const image = validateSpec(parseSpecText(spec("    ssh: deploy@server\n    database: { image: localhost/pg:15 }\n"), "slipway.yaml"));
    expect(chooseEnvironment(image, "prod").target).toMatchObject({ database: { image: "localhost/pg:15" } });
    const proxy = validateSpec(parseSpecText(spec("    ssh: deploy@server\n    proxy: { image: localhost/caddy:2.11 }\n"), "slipway.yaml"));
    expect(chooseEnvironment(proxy, "prod").target).toMatchObject({ proxy: { image: "localhost/caddy:2.11" } });
    expect(only(spec("    ssh: deploy@server\n    proxy: { image: 'not an image' }\n")).location?.path).toEqual([
      "targets",
      "server",
      "proxy",
      "image",
    ]);
    expect(only(spec("    ssh: deploy@server\n    database: { image: 'not an image' }\n")).location?.path).toEqual([
      "targets",
      "server",
      "database",
      "image",
    ]);
    for (const bad of ["deploy@bad host", "deploy@", "@server", "a;b@server", "deploy@server:port"]) {
      const e = only(spec(`    ssh: "${bad}"\n`));
      expect(e.location?.path, `${bad}: ${e.message}`).toEqual(["targets", "server", "ssh"]);
      expect(e.message).toContain("must be user@server or user@server:port");
    }
    expect(only(spec("    runtime: podman\n")).location?.path).toEqual(["targets", "server", "ssh"]);
    const runtime = only(spec("    ssh: deploy@server\n    runtime: containerd\n"));
    expect(runtime.location?.path).toEqual(["targets", "server", "runtime"]);
    expect(only(spec("    ssh: deploy@server\n    dir: var/lib\n")).message).toContain("must be an absolute path on the server");
    const tls = only(spec("    ssh: deploy@server\n    tls: letsencrypt\n"));
    expect(tls.location?.path).toEqual(["targets", "server", "tls"]);
    const email = only(spec("    ssh: deploy@server\n    acmeEmail: ops-at-example\n"));
    expect(email.location?.path).toEqual(["targets", "server", "acmeEmail"]);
    expect(email.message).toContain("must be an email address");
    const pull = validateSpec(parseSpecText(spec("    ssh: deploy@server\n    imageTransfer: pull\n"), "slipway.yaml"));
    expect(chooseEnvironment(pull, "prod").target).toMatchObject({ imageTransfer: "pull" });
    const transfer = only(spec("    ssh: deploy@server\n    imageTransfer: rsync\n"));
    expect(transfer.location?.path).toEqual(["targets", "server", "imageTransfer"]);
  });

  it("accepts PATH folders inside the app and locates one that leaves it", () => {
    const spec = (list: string) => `${base}  dev:\n    target: local\ntargets:\n  local:\n    path: ${list}\n`;
    expect(problems(spec("[.venv/bin, bin, node_modules/.bin]"))).toEqual([]);
    for (const bad of ["/usr/bin", "../other/bin", "bin/../../x", "a:b", '""']) {
      const e = only(spec(`[bin, ${bad}]`));
      expect(e.location?.path, `${e.code} ${e.message}`).toEqual(["targets", "local", "path", 1]);
    }
  });

  it("asks for a local environment with the lines to add, when -e local is not in the spec", () => {
    const validated = validateSpec(parseSpecText(base, "slipway.yaml"));
    const refused = (name: string) => {
      try {
        chooseEnvironment(validated, name);
      } catch (error) {
        if (error instanceof SlipwayError) return error;
      }
      throw new Error(`${name} was accepted`);
    };
    const e = refused("local");
    expect(e.code).toBe("SPEC_UNKNOWN_ENVIRONMENT");
    expect(e.hint).toContain("Known environments: production.");
    const snippet = (e.hint ?? "").split("\n\n")[1] ?? "";
    expect(snippet.split("\n")[0]).toBe("      environments:");
    // The lines under `environments:`, added to the spec, give the environment they name.
    const lines = snippet
      .split("\n")
      .slice(1)
      .map((line) => line.slice(6));
    const added = parseSpecText(`${base}${lines.join("\n")}\n`, "x.yaml");
    expect(chooseEnvironment(validateSpec(added), "local").target.type).toBe("local");
    expect(refused("qa").hint).toBe("Known environments: production.");
  });

  it("rejects an unknown target", () => {
    const e = only(base.replace("target: kubernetes", "target: prod-eks"));
    expect(e.message).toBe("unknown target 'prod-eks'");
    expect(e.hint).toContain("kubernetes, local");
  });

  it("accepts a named kubernetes target and an overlay that removes the ingress", () => {
    const text = `${base.replace("target: kubernetes", "target: prod-eks")}    ingress: null\ningress:\n  host: shop.example.com\ntargets:\n  prod-eks: { type: kubernetes, context: prod, namespace: shop }\n`;
    const v = validateSpec(parseSpecText(text, "slipway.yaml"));
    expect(v.environments.production?.target).toEqual({ type: "kubernetes", context: "prod", namespace: "shop" });
    expect(v.environments.production?.ingress).toBeUndefined();
  });

  // One test per cross-field rule message.
  const ruleCases: [string, string, string, (string | number)[]][] = [
    [
      "min ≤ max",
      base.replace("  health: /up", "  health: /up\n  scale: { min: 5, max: 3 }"),
      "must be ≤ max (3), got 5",
      ["app", "scale", "min"],
    ],
    [
      "liveness not on a database-checking readiness path",
      base.replace("  health: /up", "  health: { readiness: /ready, liveness: /ready, readinessChecksDatabase: true }"),
      "must not be the readiness path when readiness checks the database",
      ["app", "health", "liveness"],
    ],
    [
      "secret and env",
      base.replace("  health: /up", "  health: /up\n  env: { API_URL: x }\n  secrets: [API_URL]"),
      "'API_URL' is both a secret and a plain env var",
      ["app", "secrets", 0],
    ],
    ["secret twice", base.replace("  health: /up", "  health: /up\n  secrets: [A, A]"), "'A' is listed twice", ["app", "secrets", 1]],
    [
      "secret-looking env",
      base.replace("  health: /up", "  health: /up\n  env: { STRIPE_API_KEY: sk_live_x }"),
      "'STRIPE_API_KEY' looks like a secret but is a plain env var",
      ["app", "env", "STRIPE_API_KEY"],
    ],
    [
      "reserved database env",
      `${base.replace("  health: /up", "  health: /up\n  env: { DATABASE_URL: x }")}database: { engine: mysql }\n`,
      "'DATABASE_URL' is set by slipway from the database section",
      ["app", "env", "DATABASE_URL"],
    ],
    [
      "reserved database secret",
      `${base.replace("  health: /up", "  health: /up\n  secrets: [DB_PASSWORD]")}database: { engine: mysql }\n`,
      "'DB_PASSWORD' is set by slipway from the database section",
      ["app", "secrets", 0],
    ],
    [
      "app user is not admin",
      `${base}database: { engine: mysql, user: root, adminUser: root }\n`,
      "must differ from database.adminUser ('root')",
      ["database", "user"],
    ],
    [
      "egress host or cidr",
      base.replace("  health: /up", "  health: /up\n  egress: [{ port: 443 }]"),
      "must have exactly one of host or cidr",
      ["app", "egress", 0],
    ],
    [
      "alb certificate is an ARN",
      `${base}ingress: { host: a.example.com, certificate: my-cert }\n`,
      "must be an ACM certificate ARN for class alb",
      ["ingress", "certificate"],
    ],
    [
      "nginx certificate is a secret name",
      `${base}ingress: { host: a.example.com, class: nginx, certificate: "arn:aws:acm:x" }\n`,
      "must be the name of a TLS Secret for class nginx",
      ["ingress", "certificate"],
    ],
    [
      "certificate needs tls",
      `${base}ingress: { host: a.example.com, class: nginx, tls: false, certificate: a-tls }\n`,
      "is set but tls is false",
      ["ingress", "certificate"],
    ],
    [
      "IRSA needs an account",
      base.replace("  health: /up", "  health: /up\n  aws: { s3: { uploads: [read] } }"),
      "is needed for IRSA when the image is not in ECR",
      ["app", "aws", "accountId"],
    ],
    [
      "metrics port differs",
      base.replace("  health: /up", "  health: /up\n  metrics: { port: 3000 }"),
      "equals app.port",
      ["app", "metrics", "port"],
    ],
    [
      "kubernetes-secret needs kubernetes",
      base.replace("target: kubernetes", "target: local\n    secretSource: { kubernetes-secret: x }"),
      "kubernetes-secret needs a kubernetes target",
      ["environments", "production", "secretSource"],
    ],
    [
      "aws-secrets-manager needs kubernetes",
      `${base.replace("target: kubernetes", "target: server\n    secretSource: { aws-secrets-manager: { prefix: shop/production/ } }")}targets:\n  server: { type: host, ssh: deploy@203.0.113.7 }\n`,
      "aws-secrets-manager needs a kubernetes target (the host target reads secret values on the deploying machine)",
      ["environments", "production", "secretSource"],
    ],
  ];
  for (const [name, text, message, path] of ruleCases) {
    it(`rule: ${name}`, () => {
      const e = only(text);
      expect(e.code).toBe("SPEC_RULE");
      expect(e.message).toBe(message);
      expect(e.location?.path).toEqual(path);
      expect(e.location?.line).toBeGreaterThan(0);
      expect(e.hint).toBeTruthy();
    });
  }
});
