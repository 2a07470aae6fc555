import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatTs, generatedPath, generateFastParse } from "../../scripts/gen-fast-parse.mjs";
import { readProjectFiles } from "../../src/effects/project-files.js";
import { detectApp } from "../../src/init/detect-app.js";
import { writeSpecText } from "../../src/init/write-spec.js";
import { toYaml } from "../../src/render/yaml-stream.js";
import { parseMerged, parseSpec } from "../../src/spec/fast-parse.generated.js";
import { FAIL } from "../../src/spec/fast-parse-runtime.js";
import { parseSpecText, type SourceDocument } from "../../src/spec/load.js";
import * as refinements from "../../src/spec/refinements.js";
import { mergedSchema, specSchema } from "../../src/spec/schema.js";
import { type ValidatedSpec, validateSpec } from "../../src/spec/validate.js";
import { validateSpecFast } from "../../src/spec/validate-fast.js";
import { repoRoot } from "../helpers/examples.js";
import { specArbitrary } from "../helpers/spec-arbitrary.js";

const runs = Number(process.env.SLIPWAY_PROPERTY_RUNS ?? 150);

/** A value's text with key order and undefined properties kept: equal texts mean equal values, keys in the same order. */
const ordered = (value: unknown) => JSON.stringify(value, (_k, v) => (v === undefined ? "<undefined>" : v));

/** Both paths on one document: zod's result or error, the fast path's result. */
function bothPaths(source: SourceDocument): { zod: ValidatedSpec | Error; fast: ValidatedSpec | undefined } {
  let zod: ValidatedSpec | Error;
  try {
    zod = validateSpec(source);
  } catch (error) {
    zod = error as Error;
  }
  return { zod, fast: validateSpecFast(source) };
}

/** The fast path accepts exactly what zod accepts, with an equal value (key order and defaults included). */
function expectSameResult(source: SourceDocument) {
  const { zod, fast } = bothPaths(source);
  if (zod instanceof Error) {
    expect(fast, `fast path accepted what zod refused: ${zod.message}`).toBeUndefined();
    return;
  }
  expect(fast, "fast path refused a valid spec").toBeDefined();
  if (!fast) return;
  expect(fast.file).toBe(zod.file);
  expect(fast.source).toBe(zod.source);
  expect(ordered(fast.spec)).toBe(ordered(zod.spec));
  expect(ordered(fast.environments)).toBe(ordered(zod.environments));
  expect(fast.spec).toStrictEqual(zod.spec);
  expect(fast.environments).toStrictEqual(zod.environments);
}

describe("the generated fast parser", () => {
  it(`is in step with src/spec/schema.ts (regenerate ${generatedPath} with \`npm run docs\`)`, () => {
    const text = formatTs(generateFastParse({ parseSpec: specSchema, parseMerged: mergedSchema }, refinements));
    expect(readFileSync(join(repoRoot, generatedPath), "utf8")).toBe(text);
  });

  it("refuses to generate code for a construct it does not know, rather than guess", () => {
    // z.string().transform(...) and friends have no straight-line equivalent here.
    const transformed = { _zod: { def: { type: "pipe" }, optin: undefined, optout: undefined } };
    expect(() => generateFastParse({ parseSpec: transformed }, refinements)).toThrow(/unsupported schema type pipe/);
    const unknownRefine = specSchema.shape.name.refine((n: string) => n !== "x");
    expect(() => generateFastParse({ parseSpec: unknownRefine }, refinements)).toThrow(/not exported by src\/spec\/refinements.ts/);
  });
});

describe("fast and zod validation agree on every spec of the repository", () => {
  const examples = readdirSync(join(repoRoot, "examples"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `examples/${d.name}/slipway.yaml`);
  it.each(examples)("%s", (file) => {
    const source = parseSpecText(readFileSync(join(repoRoot, file), "utf8"), file);
    expectSameResult(source);
    expect(validateSpecFast(source)).toBeDefined();
  });

  const apps = readdirSync(join(repoRoot, "test/apps"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  it.each(apps)("the spec `init --yes` writes for test/apps/%s", async (app) => {
    const d = detectApp(await readProjectFiles(join(repoRoot, "test/apps", app)), app, new Set());
    const text = writeSpecText({
      name: d.name,
      image: `registry.example.com/${d.name}:0.1.0`,
      port: d.port,
      health: d.health,
      engine: d.engine,
      migrate: d.migrate,
      setup: d.setup,
      secrets: d.secrets ?? [],
      ingressHost: `${d.name}.example.com`,
      framework: d.framework,
      command: d.command,
      env: d.env,
      local: d.local,
      databaseUrlScheme: d.databaseUrlScheme,
      buildSteps: d.buildSteps,
    });
    const source = parseSpecText(text, `test/apps/${app}/slipway.yaml`);
    expectSameResult(source);
    expect(validateSpecFast(source)).toBeDefined();
  });
});

/*
 * Property tests. `validSpec` makes specs the schema accepts, reaching every section (build, targets
 * of both types, secret sources, overlays, waivers); mutations make each one invalid in one of the
 * classes below. Whenever the fast path accepts, zod accepts with an equal value; it accepts every
 * schema-valid spec (so the property cannot pass by refusing everything) and refuses every mutation.
 */
const dns = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/);
const port = fc.integer({ min: 1, max: 65535 });
const words = fc.array(fc.stringMatching(/^[a-z][a-z0-9:._/-]{0,8}$/), { minLength: 1, maxLength: 3 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const compact = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const extras = fc.record({
  build: optional(
    fc.record(
      {
        context: fc.constantFrom(".", "web"),
        platforms: fc.constantFrom(["linux/amd64"], ["linux/amd64", "linux/arm64"]),
        steps: fc.array(words, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
  ),
  runAs: optional(
    fc.record({ user: fc.integer({ min: 1, max: 2147483647 }), group: fc.integer({ min: 1, max: 65535 }) }, { requiredKeys: [] }),
  ),
  shutdown: optional(
    fc.record({ drainSeconds: fc.integer({ min: 0, max: 300 }), graceSeconds: fc.integer({ min: 1, max: 3600 }) }, { requiredKeys: [] }),
  ),
  cpuLimit: optional(fc.constantFrom("1", "2", "500m")),
  database: optional(
    fc.record(
      {
        engine: fc.constantFrom("mysql", "postgres"),
        version: fc.constantFrom("8.0", "17"),
        backups: fc.record({ retentionDays: fc.integer({ min: 0, max: 35 }) }, { requiredKeys: [] }),
        name: fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/),
        adminUser: fc.constantFrom("admin", "root_admin"),
        cidr: fc.constantFrom("10.1.0.0/16", "172.16.0.0/12"),
      },
      { requiredKeys: ["engine"] },
    ),
  ),
  ingress: optional(
    fc.record(
      {
        host: dns.map((d) => `${d}.example.com`),
        certificate: fc.constantFrom("shop-tls", "arn:aws:acm:eu-west-1:123456789012:certificate/abc"),
        scheme: fc.constantFrom("internet-facing", "internal"),
        sourceCidr: fc.constantFrom("10.0.0.0/8"),
        clusterIssuer: fc.constantFrom("letsencrypt-staging"),
      },
      { requiredKeys: ["host"] },
    ),
  ),
  local: optional(
    fc.record(
      {
        port,
        prepare: words,
        path: fc.array(fc.constantFrom(".venv/bin", "node_modules/.bin", "bin"), { maxLength: 2 }),
        trustedProxies: fc.array(fc.constantFrom("10.0.0.5", "10.0.0.0/8", "fd00::/8", "::1"), { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
  ),
  cluster: optional(fc.record({ context: fc.constantFrom("kind-dev", "prod"), namespace: dns }, { requiredKeys: [] })),
  secretSource: optional(fc.constantFrom<Record<string, unknown>>({ env: {} }, { "env-file": "/etc/shop.env" })),
  overlay: optional(
    fc.record({ database: fc.record({ size: fc.constantFrom("medium", "large") }), ingress: fc.constant(null) }, { requiredKeys: [] }),
  ),
  waivers: optional(
    fc.array(
      fc.record(
        {
          rule: fc.constantFrom("SLW-K8S-031", "SLW-SEC-001"),
          reason: fc.constantFrom("accepted for now"),
          until: fc.constantFrom("2030-01-31", "2028-02-29"),
          path: fc.constantFrom("deployment.yaml"),
        },
        { requiredKeys: ["rule", "reason"] },
      ),
      { maxLength: 2 },
    ),
  ),
});

const validSpec = fc.tuple(specArbitrary, extras).map(([base, x]) => {
  const spec = structuredClone(base) as Record<string, any>;
  const app = spec.app as Record<string, unknown>;
  Object.assign(app, compact({ build: x.build, runAs: x.runAs, shutdown: x.shutdown }));
  if (x.cpuLimit) app.resources = { ...(app.resources as object), cpuLimit: x.cpuLimit };
  if (x.database) spec.database = { ...spec.database, ...x.database };
  if (x.ingress) spec.ingress = { ...spec.ingress, ...x.ingress };
  const targets: Record<string, unknown> = {};
  if (x.local) targets.box = { type: "local", ...x.local };
  if (x.cluster) targets.eks = x.cluster;
  if (Object.keys(targets).length > 0) spec.targets = targets;
  const envs = spec.environments as Record<string, Record<string, unknown>>;
  const first = Object.keys(envs)[0] as string;
  if (x.local) envs.dev = { target: "box", ...(x.secretSource ? { secretSource: x.secretSource } : {}) };
  if (x.cluster) envs[first] = { ...envs[first], target: "eks" };
  if (x.overlay) envs[first] = { ...envs[first], ...x.overlay };
  if (x.waivers) spec.checks = { waivers: x.waivers };
  return spec;
});

type Mutation = (spec: Record<string, any>, pick: number) => void;

function setPath(root: Record<string, any>, path: string[], value: unknown) {
  let node = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null || Array.isArray(node[key])) node[key] = {};
    node = node[key];
  }
  node[path[path.length - 1] as string] = value;
}
const firstEnv = (spec: Record<string, any>) => Object.keys(spec.environments)[0] as string;
const choose = <T>(options: T[], pick: number): T => options[pick % options.length] as T;

const mutations: Record<string, Mutation> = {
  "wrong type": (spec, pick) => {
    const [path, value] = choose<[string[], unknown]>(
      [
        [["name"], 42],
        [["app", "image"], ["nginx"]],
        [["app", "port"], "8080"],
        [["app", "health"], 200],
        [["app", "env"], ["A=1"]],
        [["app", "secrets"], "SECRET"],
        [["app", "scale"], 3],
        [["app", "egress"], { host: "api.example.com" }],
        [["app", "resources", "cpu"], 1],
        [["app", "runAs", "user"], "10001"],
        [["environments"], ["production"]],
        [["environments", firstEnv(spec), "target"], { name: "kubernetes" }],
        [["environments", firstEnv(spec), "app"], "web"],
        [["ingress"], "shop.example.com"],
        [["targets"], ["kubernetes"]],
      ],
      pick,
    );
    setPath(spec, path, value);
  },
  "out-of-range int": (spec, pick) => {
    const [path, value] = choose<[string[], unknown]>(
      [
        [["app", "port"], 0],
        [["app", "port"], 65536],
        [["app", "port"], 80.5],
        [["app", "scale", "min"], 0],
        [["app", "scale", "max"], 1001],
        [["app", "scale", "cpu"], 101],
        [["app", "shutdown", "drainSeconds"], 301],
        [["app", "runAs", "user"], 0],
        [["app", "runAs", "group"], 2147483648],
        [["app", "egress"], [{ host: "api.example.com", port: -1 }]],
        [["database"], { engine: "mysql", backups: { retentionDays: 36 } }],
        [["app", "port"], Number.MAX_SAFE_INTEGER + 2],
      ],
      pick,
    );
    setPath(spec, path, value);
  },
  "unknown key": (spec, pick) => {
    const path = choose<string[]>(
      [
        [],
        ["app"],
        ["app", "resources"],
        ["app", "scale"],
        ["environments", firstEnv(spec)],
        ["app", "shutdown"],
        ["database"],
        ["checks"],
      ],
      pick,
    );
    if (path[0] === "database" && !spec.database) spec.database = { engine: "postgres" };
    setPath(spec, [...path, "replicas"], 3);
  },
  "missing required key": (spec, pick) => {
    const options: [Record<string, any>, string][] = [
      [spec, "name"],
      [spec, "app"],
      [spec.app, "image"],
      [spec.app, "health"],
      [spec, "environments"],
      [spec.environments[firstEnv(spec)], "target"],
    ];
    if (spec.database) options.push([spec.database, "engine"]);
    if (spec.ingress) options.push([spec.ingress, "host"]);
    const [node, key] = choose(options, pick);
    delete node[key];
  },
  "bad enum": (spec, pick) => {
    const [path, value] = choose<[string[], unknown]>(
      [
        [["app", "allowFrom"], "everyone"],
        [["database"], { engine: "oracle" }],
        [["ingress"], { host: "shop.example.com", class: "traefik" }],
        [["ingress"], { host: "shop.example.com", scheme: "public" }],
        [["app", "egress"], [{ host: "api.example.com", port: 443, protocol: "SCTP" }]],
        [["app", "aws"], { identity: "magic" }],
        [["targets"], { box: { type: "ssh" } }],
      ],
      pick,
    );
    setPath(spec, path, value);
  },
};

const mutated = fc.tuple(validSpec, fc.constantFrom(...Object.keys(mutations)), fc.nat()).map(([spec, kind, pick]) => {
  const copy = structuredClone(spec);
  (mutations[kind] as Mutation)(copy, pick);
  return { kind, spec: copy };
});

describe("fast and zod validation, random specs", () => {
  it("the fast parser accepts every schema-valid spec, with zod's value", () => {
    fc.assert(
      fc.property(validSpec, (spec) => {
        const zod = specSchema.safeParse(spec);
        expect(zod.success).toBe(true);
        const fast = parseSpec(spec);
        expect(fast).not.toBe(FAIL);
        expect(ordered(fast)).toBe(ordered(zod.data));
      }),
      { numRuns: runs },
    );
  });

  it("refuses every mutation zod refuses (wrong types, out-of-range ints, unknown keys, missing keys, bad enums)", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(mutated, ({ kind, spec }) => {
        seen.add(kind);
        expect(specSchema.safeParse(spec).success, `zod accepted a '${kind}' mutation`).toBe(false);
        expect(parseSpec(spec), kind).toBe(FAIL);
      }),
      { numRuns: runs * 2 },
    );
    expect([...seen].sort()).toEqual(Object.keys(mutations).sort());
  });

  it("whenever the fast path accepts a spec (valid or mutated, schema and merged views), zod accepts it with an equal value", () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          validSpec,
          mutated.map((m) => m.spec),
        ),
        (spec) => {
          const source = parseSpecText(toYaml(spec), "slipway.yaml");
          expectSameResult(source);
          if (validateSpecFast(source)) accepted++;
        },
      ),
      { numRuns: runs },
    );
    expect(accepted).toBeGreaterThan(runs / 10);
  });

  it("merged views: an overlay that breaks the merged app is refused, and zod reports it", () => {
    fc.assert(
      fc.property(
        validSpec,
        fc.constantFrom<Record<string, unknown>>({ port: 0 }, { scale: { min: "2" } }, { image: "UPPER/case" }, { extra: 1 }),
        (spec, app) => {
          const copy = structuredClone(spec);
          copy.environments[firstEnv(copy)].app = app;
          const source = parseSpecText(toYaml(copy), "slipway.yaml");
          expect(parseSpec(source.data)).not.toBe(FAIL);
          expect(validateSpecFast(source)).toBeUndefined();
          expect(() => validateSpec(source)).toThrow();
        },
      ),
      { numRuns: Math.ceil(runs / 3) },
    );
  });
});

describe("what the fast parser refuses on purpose, and zod then handles", () => {
  const spec = () => ({ name: "shop", app: { image: "nginx", health: "/up" }, environments: { production: { target: "kubernetes" } } });

  it("accepts the minimal spec, with zod's defaults in zod's key order", () => {
    const zod = specSchema.parse(spec());
    expect(ordered(parseSpec(spec()))).toBe(ordered(zod));
  });

  it("a YAML alias (one object in two places), which zod may answer with one shared object", () => {
    const source = parseSpecText(
      "name: shop\napp:\n  image: nginx\n  health: /up\n  scale: &s {min: 2, max: 3}\nenvironments:\n  production: {target: kubernetes, app: {scale: *s}}\n",
      "slipway.yaml",
    );
    expect(validateSpecFast(source)).toBeUndefined();
    expect(validateSpec(source).environments.production?.app.scale).toMatchObject({ min: 2, max: 3 });
  });

  it("a length-checked string with surrogate pairs (zod counts code points)", () => {
    const s = spec();
    Object.assign(s.app, { aws: { roleName: "😀".repeat(40) } });
    expect(parseSpec(s)).toBe(FAIL);
    expect(specSchema.safeParse(s).success).toBe(true);
  });

  it("a merged view with an absent database keeps zod's explicit undefined", () => {
    const merged = { name: "shop", app: { image: "nginx", health: "/up" }, database: undefined, ingress: undefined };
    const zod = mergedSchema.parse(merged);
    expect(Object.keys(zod)).toContain("database");
    expect(ordered(parseMerged(merged))).toBe(ordered(zod));
  });
});
