import fc from "fast-check";

const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/).filter((s) => !s.includes("--") || true);
const envName = fc
  .stringMatching(/^[A-Z][A-Z0-9_]{0,15}$/)
  .filter(
    (n) =>
      !/(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIALS)/.test(n) &&
      !/^(DATABASE_URL|DB_(HOST|PORT|NAME|USER|PASSWORD|ENGINE))$/.test(n),
  );
const path = fc.stringMatching(/^\/[a-z0-9/_-]{0,15}$/);
const host = fc.tuple(dnsLabel, fc.constantFrom("example.com", "example.org", "test.io")).map(([a, b]) => `${a}.${b}`);
const cidr = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 }))
  .map(([a, b, m]) => `${a}.${b}.0.0/${m}`);
const cpu = fc.oneof(
  fc.integer({ min: 10, max: 4000 }).map((m) => `${m}m`),
  fc.constantFrom("1", "2", "0.5"),
);
const memory = fc.integer({ min: 32, max: 8192 }).map((m) => `${m}Mi`);
const command = fc.array(fc.stringMatching(/^[a-z][a-z0-9:._/-]{0,10}$/), { minLength: 1, maxLength: 4 });
/** Env values: any printable text, including YAML-significant words and characters. */
const envValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("yes", "no", "on", "off", "true", "1", "0.10", "~", "null", "<&>", "a: b", "#x", "' \"", "\u2028", "08"),
  fc.integer(),
  fc.boolean(),
);

const health = fc.oneof(
  path,
  fc
    .record(
      {
        readiness: path,
        liveness: path,
        startup: fc.oneof(path, fc.record({ path, timeoutSeconds: fc.integer({ min: 1, max: 600 }) })),
        readinessChecksDatabase: fc.boolean(),
      },
      { requiredKeys: ["readiness"] },
    )
    .filter((h) => !(h.liveness !== undefined && h.liveness === h.readiness)),
);

const scale = fc
  .tuple(
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 0, max: 5 }),
    fc.option(fc.integer({ min: 10, max: 95 }), { nil: undefined }),
    fc.option(fc.integer({ min: 10, max: 95 }), { nil: undefined }),
  )
  .map(([min, extra, cpuTarget, mem]) => ({
    min,
    max: min + extra,
    ...(cpuTarget ? { cpu: cpuTarget } : {}),
    ...(mem ? { memory: mem } : {}),
  }));

export const specArbitrary = fc
  .record({
    name: dnsLabel,
    image: fc
      .tuple(
        fc.constantFrom("123456789012.dkr.ecr.eu-west-2.amazonaws.com/", "ghcr.io/acme/", "registry.example.com:5000/team/", ""),
        dnsLabel,
        fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/),
      )
      .map(([r, n, t]) => `${r}${n}:${t}`),
    port: fc.integer({ min: 1, max: 65535 }),
    metricsPort: fc.option(fc.integer({ min: 1024, max: 65535 }), { nil: undefined }),
    command: fc.option(command, { nil: undefined }),
    args: fc.option(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), { nil: undefined }),
    health,
    env: fc.dictionary(envName, envValue, { maxKeys: 6 }),
    secrets: fc.uniqueArray(envName, { maxLength: 4 }),
    resources: fc.record({ cpu, memory }, { requiredKeys: [] }),
    scale,
    metrics: fc.boolean(),
    release: fc.record({ setup: command, migrate: command }, { requiredKeys: [] }),
    egress: fc.array(
      fc.oneof(
        fc.record({ host, port: fc.integer({ min: 1, max: 65535 }) }),
        fc.record({ cidr, port: fc.integer({ min: 1, max: 65535 }), protocol: fc.constantFrom("TCP", "UDP") }),
      ),
      { maxLength: 3 },
    ),
    aws: fc.option(
      fc.record({
        s3: fc.dictionary(
          fc.stringMatching(/^[a-z0-9][a-z0-9-]{2,10}[a-z0-9]$/),
          fc.subarray(["read", "write", "delete"], { minLength: 1 }),
          { maxKeys: 2 },
        ),
      }),
      { nil: undefined },
    ),
    allowFrom: fc.option(
      fc.oneof(
        fc.constantFrom("cluster", "namespace", "none"),
        fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/), { minLength: 1, maxLength: 3 }),
      ),
      { nil: undefined },
    ),
    database: fc.option(
      fc.record(
        {
          engine: fc.constantFrom("mysql", "postgres"),
          size: fc.constantFrom("small", "medium", "large", "db.r6g.large"),
          urlScheme: fc.constantFrom("postgres", "mysql2", "mysql+pymysql"),
        },
        { requiredKeys: ["engine", "size"] },
      ),
      { nil: undefined },
    ),
    ingress: fc.option(
      fc.record({
        host,
        tls: fc.boolean(),
        class: fc.constantFrom("alb", "nginx"),
        paths: fc.uniqueArray(path, { minLength: 1, maxLength: 3 }),
      }),
      { nil: undefined },
    ),
    // An infra block in about one spec in four: most properties here are about the app.
    infra: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      {
        weight: 1,
        arbitrary: fc.record({
          region: fc.constantFrom("eu-west-2", "us-east-1", "ap-southeast-2"),
          tier: fc.constantFrom("production", "staging"),
          twoZones: fc.boolean(),
          compute: fc.constantFrom("managed-nodes", "auto-mode", "fargate"),
          service: fc.constantFrom("aurora", "rds"),
          kms: fc.boolean(),
          publicAccessCidrs: fc.uniqueArray(cidr, { maxLength: 2 }),
          dnsZone: fc.boolean(),
        }),
      },
    ),
    // An SLO needs request metrics: only with app.metrics (ingress-nginx may be dropped per environment).
    slo: fc.option(
      fc.record(
        {
          availability: fc.constantFrom(90, 99, 99.5, 99.9, 99.95, 99.999),
          latencyP99Ms: fc.integer({ min: 1, max: 10_000 }),
          window: fc.constantFrom("7d", "28d", "30d"),
        },
        { requiredKeys: ["availability"] },
      ),
      { nil: undefined },
    ),
    logs: fc.constantFrom("none", "fluent-bit", "cloudwatch"),
    envs: fc.uniqueArray(
      fc.record({
        name: dnsLabel,
        scale: fc.option(scale, { nil: undefined }),
        env: fc.option(fc.dictionary(envName, fc.string({ maxLength: 10 }), { maxKeys: 2 }), { nil: undefined }),
        secretSource: fc.constantFrom("none", "aws", "k8s"),
        dropIngress: fc.boolean(),
      }),
      { minLength: 1, maxLength: 3, selector: (e) => e.name },
    ),
  })
  .map((r) => {
    const env = Object.fromEntries(Object.entries(r.env).filter(([k]) => !r.secrets.includes(k)));
    const spec: Record<string, unknown> = {
      name: r.name,
      app: {
        image: r.image.startsWith("123456789012") || !r.aws ? r.image : r.image,
        port: r.port,
        ...(r.command ? { command: r.command } : {}),
        ...(r.args ? { args: r.args } : {}),
        health: r.health,
        env,
        secrets: r.secrets,
        resources: r.resources,
        scale: r.scale,
        ...(r.metrics
          ? { metrics: { path: "/metrics", ...(r.metricsPort && r.metricsPort !== r.port ? { port: r.metricsPort } : {}) } }
          : {}),
        ...(Object.keys(r.release).length > 0 ? { release: r.release } : {}),
        egress: r.egress,
        ...(r.allowFrom ? { allowFrom: r.allowFrom } : {}),
        ...(r.aws ? { aws: { ...r.aws, accountId: "123456789012" } } : {}),
      },
      ...(r.database ? { database: r.database } : {}),
      ...(r.ingress ? { ingress: r.ingress } : {}),
      ...(r.slo && r.metrics ? { slo: { ...r.slo, requests: { source: "app" } } } : {}),
      ...(r.logs === "fluent-bit" ? { logs: { via: "fluent-bit", host: "loki.monitoring" } } : {}),
      ...(r.logs === "cloudwatch" && r.infra ? { logs: { via: "cloudwatch" } } : {}),
      ...(r.infra
        ? {
            infra: {
              region: r.infra.region,
              accountId: "123456789012",
              tier: r.infra.tier,
              network: { zones: r.infra.tier === "staging" && r.infra.twoZones ? 2 : 3 },
              cluster: { compute: r.infra.compute, publicAccessCidrs: r.infra.publicAccessCidrs },
              database: { service: r.infra.service },
              kms: r.infra.kms,
              ...(r.infra.dnsZone ? { dnsZoneId: "Z0123456789ABCDEFGHIJ" } : {}),
            },
          }
        : {}),
      environments: Object.fromEntries(
        r.envs.map((e) => [
          e.name,
          {
            target: "kubernetes",
            ...(e.secretSource === "aws" ? { secretSource: { "aws-secrets-manager": { prefix: `${r.name}/${e.name}/` } } } : {}),
            ...(e.secretSource === "k8s" ? { secretSource: { "kubernetes-secret": `${e.name}-secrets` } } : {}),
            ...(e.scale || e.env
              ? {
                  app: {
                    ...(e.scale ? { scale: e.scale } : {}),
                    ...(e.env ? { env: Object.fromEntries(Object.entries(e.env).filter(([k]) => !r.secrets.includes(k))) } : {}),
                  },
                }
              : {}),
            ...(e.dropIngress && r.ingress ? { ingress: null } : {}),
          },
        ]),
      ),
    };
    return spec;
  });
