import { describe, expect, it } from "vitest";
import { SlipwayError } from "../../errors/slipway-error.js";
import { parseSpecText } from "../load.js";
import { buildModel } from "../normalize.js";
import { validateSpec } from "../validate.js";
import { validateSpecFast } from "../validate-fast.js";

const base = `name: shop
app:
  image: ghcr.io/acme/shop:1.0.0
  port: 3000
  health: /up
  metrics: { path: /metrics }
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

function model(text: string, env = "production") {
  const validated = validateSpec(parseSpecText(text, "slipway.yaml"));
  // The generated fast validator agrees (the CLI tries it first).
  const fast = validateSpecFast(parseSpecText(text, "slipway.yaml"));
  expect([fast?.spec, fast?.environments]).toEqual([validated.spec, validated.environments]);
  const resolved = validated.environments[env];
  if (!resolved) throw new Error(`no ${env}`);
  return buildModel(validated, resolved);
}

describe("slo and logs in the spec", () => {
  it("an slo block with defaults: 30 days, the app's http_requests_total{status}, budget as an exact decimal", () => {
    const m = model(`${base}slo: { availability: 99.95 }\n`);
    expect(m.slo).toEqual({
      availabilityPercent: 99.95,
      errorBudget: "0.0005",
      latencyP99Ms: undefined,
      windowDays: 30,
      requests: {
        source: "app",
        counter: "http_requests_total",
        statusLabel: "status",
        histogram: "http_request_duration_seconds",
        hasHistogram: false,
        selector: [
          ["namespace", "shop"],
          ["service", "shop"],
        ],
      },
    });
    expect(m.logs).toBeUndefined();
  });

  it("ingress-nginx is the source when the ingress is nginx, selected by Ingress name and namespace", () => {
    const text =
      base.replace("  metrics: { path: /metrics }\n", "") +
      "ingress: { host: shop.example.com, class: nginx }\nslo: { availability: 99.9, latencyP99Ms: 300 }\n";
    expect(model(text).slo?.requests).toEqual({
      source: "ingress-nginx",
      counter: "nginx_ingress_controller_requests",
      statusLabel: "status",
      histogram: "nginx_ingress_controller_request_duration_seconds",
      hasHistogram: true,
      selector: [
        ["ingress", "shop"],
        ["namespace", "shop"],
      ],
    });
  });

  it("an environment overlays the slo, or removes it with null", () => {
    const text = `${base}  staging: { target: kubernetes, slo: { availability: 99, window: 7d } }\n  dev: { target: kubernetes, slo: null }\nslo: { availability: 99.9, latencyP99Ms: 250 }\n`;
    expect(model(text).slo).toMatchObject({ availabilityPercent: 99.9, windowDays: 30, latencyP99Ms: 250 });
    expect(model(text, "staging").slo).toMatchObject({ availabilityPercent: 99, errorBudget: "0.01", windowDays: 7, latencyP99Ms: 250 });
    expect(model(text, "dev").slo).toBeUndefined();
  });

  it("logs via fluent-bit takes the output's usual port; cloudwatch the infra's region and cluster", () => {
    expect(model(`${base}logs: { via: fluent-bit, host: loki-gateway.monitoring }\n`).logs).toEqual({
      via: "fluent-bit",
      output: "loki",
      host: "loki-gateway.monitoring",
      port: 3100,
      tls: false,
    });
    const aws = `${base}infra: { region: eu-west-2, accountId: "123456789012" }\nlogs: { via: cloudwatch }\n`;
    expect(model(aws).logs).toEqual({ via: "cloudwatch", region: "eu-west-2", clusterName: "shop-production" });
    expect(model(`${base}logs: { via: none }\n`).logs).toBeUndefined();
  });

  it("an slo without request metrics: located at slo, says why, hints both fixes", () => {
    const e = only(
      `${base.replace("  metrics: { path: /metrics }\n", "")}ingress: { host: shop.example.com }\nslo: { availability: 99.9 }\n`,
    );
    expect(e.code).toBe("SPEC_RULE");
    expect(e.message).toBe("needs request metrics: app.metrics is not set and the ingress is class alb, not ingress-nginx");
    expect(e.location).toMatchObject({ path: ["slo"], line: 10 });
    expect(e.hint).toContain("app.metrics: { path: /metrics }");
    expect(e.hint).toContain("ingress.class: nginx");
  });

  it("source ingress-nginx without an nginx ingress, and app-only settings with ingress-nginx", () => {
    expect(only(`${base}slo: { availability: 99.9, requests: { source: ingress-nginx } }\n`).message).toBe(
      "is ingress-nginx, but the environment has no ingress",
    );
    const e = only(
      `${base}ingress: { host: shop.example.com, class: nginx }\nslo: { availability: 99.9, requests: { counter: my_requests_total } }\n`,
    );
    expect(e.location?.path).toEqual(["slo", "requests", "counter"]);
    expect(e.message).toBe("applies to source app only: ingress-nginx's metric names are fixed");
  });

  it("availability: a percentage with at most three decimals, at least 50", () => {
    const e = only(`${base}slo: { availability: 99.1234 }\n`);
    expect(e.code).toBe("SPEC_INVALID_VALUE");
    expect(e.message).toContain("at most three decimals");
    expect(only(`${base}slo: { availability: 100 }\n`).location?.path).toEqual(["slo", "availability"]);
    expect(only(`${base}slo: { availability: 30 }\n`).location?.path).toEqual(["slo", "availability"]);
  });

  it("window in days, 1d to 90d; metric names checked", () => {
    expect(only(`${base}slo: { availability: 99.9, window: 4w }\n`).message).toContain("a number of days from 1d to 90d");
    expect(only(`${base}slo: { availability: 99.9, requests: { counter: "http-requests" } }\n`).message).toContain(
      "Prometheus metric name",
    );
  });

  it("logs via fluent-bit needs a host; via cloudwatch an infra block", () => {
    const host = only(`${base}logs: { via: fluent-bit }\n`);
    expect([host.code, host.message, host.location?.path]).toEqual(["SPEC_RULE", "is required with via: fluent-bit", ["logs", "host"]]);
    const cw = only(`${base}logs: { via: cloudwatch }\n`);
    expect(cw.message).toContain("no infra block");
    expect(only(`${base}logs: { via: papertrail }\n`).location?.path).toEqual(["logs", "via"]);
  });
});
