import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import * as z from "zod";
import type { AppModel } from "../../src/model/app-model.js";
import { alertRoute, receivers } from "../../src/render/observability/alertmanager.js";
import { dashboard, datasourceUid } from "../../src/render/observability/dashboard.js";
import { burnRate, burnWindows, ruleGroups } from "../../src/render/observability/prometheus-rules.js";
import { renderObservability } from "../../src/render/observability/render-observability.js";
import { examplesDir, loadExamples, repoRoot } from "../helpers/examples.js";
import { runCli } from "../helpers/run-cli.js";
import { toolPath } from "../helpers/tools.js";

// Golden files: `npx vitest run --project unit -u test/unit/render-observability.test.ts` rewrites them; review the diff.
const examples = loadExamples();
const work = mkdtempSync(join(tmpdir(), "slipway-observability-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const models = examples.flatMap((e) => e.kubeModels.map((model) => ({ example: e.name, model })));
const withSlo = models.filter(({ model }) => model.slo !== undefined);

type Rule = { record?: string; alert?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> };

function promtool(args: readonly string[]): { code: number | null; out: string } {
  const bin = toolPath("promtool");
  expect(bin, "run: bash test/cluster/build.sh prometheus").toBeDefined();
  const r = spawnSync(bin as string, [...args], { encoding: "utf8", cwd: work });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

let fileCount = 0;
function write(name: string, data: unknown): string {
  const path = join(work, `${++fileCount}-${name}`);
  writeFileSync(path, typeof data === "string" ? data : stringify(data));
  return path;
}

/** The rendered rules as `promtool` reads them: the PrometheusRule's spec. */
function rulesFile(model: AppModel): string {
  return write(`${model.name}-${model.environment}-rules.yaml`, { groups: ruleGroups(model) });
}

function alertsNamed(model: AppModel, name: string): Rule[] {
  return ruleGroups(model)
    .flatMap((g) => g.rules as Rule[])
    .filter((r) => r.alert === name);
}

/** One promtool test case: the alert instances expected to fire at `at`. */
interface AlertCase {
  at: string;
  alertname: string;
  fire: { labels: Record<string, string>; annotations: Record<string, string> }[];
}

function promtoolTest(model: AppModel, series: { series: string; values: string }[], cases: AlertCase[], interval = "1m") {
  const test = {
    rule_files: [rulesFile(model)],
    evaluation_interval: "1m",
    tests: [
      {
        interval,
        input_series: series,
        alert_rule_test: cases.map((c) => ({
          eval_time: c.at,
          alertname: c.alertname,
          exp_alerts: c.fire.map((f) => ({ exp_labels: f.labels, exp_annotations: f.annotations })),
        })),
      },
    ],
  };
  return promtool(["test", "rules", write("test.yaml", test)]);
}

describe("render observability", () => {
  it("has an example with an SLO from the app's own metrics, one per environment overlay, and one without an SLO", () => {
    expect(withSlo.map(({ example, model }) => `${example}/${model.environment}`)).toEqual(
      expect.arrayContaining(["node-postgres/production", "rails-mysql/production", "rails-mysql/staging"]),
    );
    expect(models.find(({ example }) => example === "flask-mysql")?.model.slo).toBeUndefined();
    const rails = withSlo.filter(({ example }) => example === "rails-mysql").map(({ model }) => model.slo?.errorBudget);
    expect(rails).toEqual(["0.01", "0.001"]);
  });

  for (const { example, model } of models) {
    it(`golden: ${example} ${model.environment}`, async () => {
      const files = renderObservability(model);
      for (const file of files)
        await expect(file.content).toMatchFileSnapshot(`../golden/${example}/observability-${model.environment}/${file.path}`);
      expect(renderObservability(model)).toEqual(files);
    });

    it(`promtool check rules accepts the rules: ${example} ${model.environment}`, () => {
      const r = promtool(["check", "rules", rulesFile(model)]);
      expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
      expect(r.code, r.out).toBe(0);
    });

    it(`the dashboard is valid Grafana JSON whose queries promtool parses: ${example} ${model.environment}`, () => {
      const [configMap] = renderObservability(model).filter((f) => f.path.startsWith("configmap-"));
      const data = (parse(configMap?.content ?? "") as { data: Record<string, string> }).data;
      const [text] = Object.values(data);
      const board = grafanaDashboard.parse(JSON.parse(text ?? ""));
      expect(board).toEqual(JSON.parse(JSON.stringify(dashboard(model))));
      expect(new Set(board.panels.map((p) => p.id)).size).toBe(board.panels.length);
      const titles = board.panels.map((p) => p.title);
      expect(titles).toEqual(expect.arrayContaining(["Pods available", "Container restarts (1h)"]));
      if (model.slo) expect(titles).toEqual(expect.arrayContaining(["Requests per second", "Error ratio (5xx)"]));
      // A duration panel only where a histogram is known: node-postgres's server counts requests but times none.
      expect(titles.includes("Request duration")).toBe(model.slo?.requests.hasHistogram === true);
      if (model.replicas.autoscale) expect(titles).toContain("Autoscaler replicas");
      if (model.database) expect(titles).toContain("Database connections");
      // Each panel query as a recording rule: promtool parses every expression.
      const exprs = board.panels.flatMap((p) => p.targets.map((t) => t.expr));
      const file = write("dashboard-queries.yaml", {
        groups: [{ name: "dashboard", rules: exprs.map((expr, i) => ({ record: `dashboard:query:${i}`, expr })) }],
      });
      const r = promtool(["check", "rules", file]);
      expect(r.code, r.out).toBe(0);
    });
  }

  it("burn rates are the SRE workbook's for 30 days and scale with the window", () => {
    expect(burnWindows.map((w) => burnRate(30, w))).toEqual([14.4, 6, 3, 1]);
    expect(burnWindows.map((w) => burnRate(28, w))).toEqual([13.44, 5.6, 2.8, 0.9333]);
  });

  for (const { example, model } of withSlo) {
    const slo = model.slo as NonNullable<AppModel["slo"]>;
    const budget = Number(slo.errorBudget);
    const own = { namespace: model.namespace, slipway_app: model.name, slipway_environment: model.environment };
    const burn = alertsNamed(model, "SloErrorBudgetBurn");
    const fired = (longWindows: readonly string[]) =>
      burn
        .filter((r) => longWindows.includes(r.labels?.long_window ?? ""))
        .map((r) => ({ labels: { ...own, ...r.labels }, annotations: r.annotations ?? {} }));
    /** Requests of this environment, 1000 a minute, `errorShare` of them 5xx; `then` for a second phase. */
    const traffic = (errorShare: number, minutes: number, then?: { errorShare: number; minutes: number }) => {
      const labels = Object.fromEntries(slo.requests.selector);
      const series = (status: string, perMinute: (share: number) => number) => {
        const first = perMinute(errorShare);
        let values = `0+${first}x${minutes}`;
        if (then) {
          const next = perMinute(then.errorShare);
          values += ` ${first * minutes + next}+${next}x${then.minutes - 1}`;
        }
        const all = { ...labels, [slo.requests.statusLabel]: status };
        return { series: `${slo.requests.counter}{${Object.entries(all).map(([k, v]) => `${k}="${v}"`)}}`, values };
      };
      return [series("200", (s) => Number((1000 * (1 - s)).toFixed(6))), series("503", (s) => Number((1000 * s).toFixed(6)))];
    };

    it(`promtool test rules: no burn alert at half the budget's pace, page alerts on fast burns: ${example} ${model.environment}`, () => {
      const cases: AlertCase[] = [
        // Half the pace the budget allows: nothing, in any window.
        ...["10m", "1h", "7h"].map((at) => ({ at, alertname: "SloErrorBudgetBurn", fire: [] })),
      ];
      const healthy = promtoolTest(model, traffic(budget / 2, 8 * 60), cases);
      expect(healthy.out).toContain("SUCCESS");
      expect(healthy.code, healthy.out).toBe(0);

      // 20× the pace: every pair, both pages included, within minutes.
      const fast = promtoolTest(model, traffic(Math.min(budget * 20, 1), 120), [
        { at: "10m", alertname: "SloErrorBudgetBurn", fire: fired(["1h", "6h", "1d", "3d"]) },
      ]);
      expect(fast.code, fast.out).toBe(0);

      // 10×: too slow for the 1h page (14.4×), fast enough for the 6h page (6×) and the tickets.
      const medium = promtoolTest(model, traffic(budget * 10, 120), [
        { at: "30m", alertname: "SloErrorBudgetBurn", fire: fired(["6h", "1d", "3d"]) },
      ]);
      expect(medium.code, medium.out).toBe(0);

      // 2×: only the 3-day ticket.
      const slow = promtoolTest(model, traffic(budget * 2, 120), [{ at: "1h", alertname: "SloErrorBudgetBurn", fire: fired(["3d"]) }]);
      expect(slow.code, slow.out).toBe(0);
    });

    it(`promtool test rules: the short window ends the page once errors stop: ${example} ${model.environment}`, () => {
      // 20× for an hour, then no errors: ten minutes later the 1h ratio is still far above 14.4×, but
      // the 5m one is 0, so the 1h page resolves; the 30m window still sees errors (the 6h page holds).
      const r = promtoolTest(model, traffic(Math.min(budget * 20, 1), 60, { errorShare: 0, minutes: 60 }), [
        { at: "55m", alertname: "SloErrorBudgetBurn", fire: fired(["1h", "6h", "1d", "3d"]) },
        { at: "1h10m", alertname: "SloErrorBudgetBurn", fire: fired(["6h", "1d", "3d"]) },
      ]);
      expect(r.code, r.out).toBe(0);
    });

    it(`a failing expectation fails promtool (the tests above can fail): ${example} ${model.environment}`, () => {
      const r = promtoolTest(model, traffic(budget / 2, 120), [{ at: "1h", alertname: "SloErrorBudgetBurn", fire: fired(["1h"]) }]);
      expect(r.code).not.toBe(0);
      expect(r.out).toContain("FAILED");
    });

    if (slo.latencyP99Ms !== undefined) {
      it(`promtool test rules: the p99 latency alert from the histogram: ${example} ${model.environment}`, () => {
        const [rule] = alertsNamed(model, "SloLatencyP99High");
        const labels = Object.fromEntries(slo.requests.selector);
        const target = (slo.latencyP99Ms as number) / 1000;
        // Buckets around the target: `slowShare` of requests take longer than it.
        const buckets = (slowShare: number) =>
          [
            [target / 10, 1 - slowShare],
            [target, 1 - slowShare],
            [target * 4, 1],
            ["+Inf", 1],
          ].map(([le, share]) => ({
            series: `${slo.requests.histogram}_bucket{${Object.entries({ ...labels, le: String(le) })
              .map(([k, v]) => `${k}="${v}"`)
              .join(",")}}`,
            values: `0+${Number((1000 * (share as number)).toFixed(6))}x60`,
          }));
        const expected = { labels: { ...own, ...rule?.labels }, annotations: rule?.annotations ?? {} };
        const slow = promtoolTest(model, buckets(0.05), [
          { at: "10m", alertname: "SloLatencyP99High", fire: [] }, // pending: `for: 15m`
          { at: "30m", alertname: "SloLatencyP99High", fire: [expected] },
        ]);
        expect(slow.code, slow.out).toBe(0);
        const fastEnough = promtoolTest(model, buckets(0.005), [{ at: "30m", alertname: "SloLatencyP99High", fire: [] }]);
        expect(fastEnough.code, fastEnough.out).toBe(0);
      });
    }
  }

  for (const { example, model } of models.filter((m) => m.model.environment === "production")) {
    it(`promtool test rules: deploy failure alerts from slipway's records and release Jobs: ${example}`, () => {
      const ns = model.namespace;
      const own = { namespace: ns, slipway_app: model.name, slipway_environment: model.environment };
      const history = `${model.name}.${model.environment}`;
      const record = (revision: number, outcome: string) =>
        `kube_configmap_labels{namespace="${ns}",configmap="slipway-${model.name}-${model.environment}-r00000${revision}",label_slipway_dev_history="${history}",label_slipway_dev_outcome="${outcome}"}`;
      const job = `${model.name}-migrate-0123456789`;
      const series = [
        // r1 succeeded long ago, r2 failed a minute in; r3 started at 2h and never finished.
        { series: record(1, "succeeded"), values: "1x300" },
        { series: record(2, "failed"), values: "1x300" },
        { series: record(3, "in-progress"), values: "_x120 1x180" },
        {
          series: `kube_configmap_created{namespace="${ns}",configmap="slipway-${model.name}-${model.environment}-r000001"}`,
          values: "0x300",
        },
        {
          series: `kube_configmap_created{namespace="${ns}",configmap="slipway-${model.name}-${model.environment}-r000002"}`,
          values: "60x300",
        },
        {
          series: `kube_configmap_created{namespace="${ns}",configmap="slipway-${model.name}-${model.environment}-r000003"}`,
          values: "_x120 7200x180",
        },
        // A migration Job created at 60 s that failed; one of another app that must not count.
        { series: `kube_job_status_failed{namespace="${ns}",job_name="${job}"}`, values: "0 1x300" },
        { series: `kube_job_created{namespace="${ns}",job_name="${job}"}`, values: "60x300" },
        { series: `kube_job_status_failed{namespace="${ns}",job_name="other-migrate-0123456789"}`, values: "1x300" },
        { series: `kube_job_created{namespace="${ns}",job_name="other-migrate-0123456789"}`, values: "60x300" },
        {
          series: `kube_deployment_status_condition{namespace="${ns}",deployment="${model.name}",condition="Progressing",status="false"}`,
          values: "0x10 1x290",
        },
      ];
      const labelsOf = (name: string) => ({ ...own, ...alertsNamed(model, name)[0]?.labels });
      const annotationsOf = (name: string, vars: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(alertsNamed(model, name)[0]?.annotations ?? {}).map(([k, v]) => [
            k,
            v.replaceAll(/\{\{ \$labels\.(\w+) \}\}/g, (_, key: string) => vars[key] ?? ""),
          ]),
        );
      const r2 = `slipway-${model.name}-${model.environment}-r000002`;
      const r3 = `slipway-${model.name}-${model.environment}-r000003`;
      const failedLabels = { configmap: r2, label_slipway_dev_history: history, label_slipway_dev_outcome: "failed" };
      const r = promtoolTest(model, series, [
        {
          at: "10m",
          alertname: "SlipwayDeployFailed",
          fire: [
            {
              labels: { ...labelsOf("SlipwayDeployFailed"), ...failedLabels },
              annotations: annotationsOf("SlipwayDeployFailed", failedLabels),
            },
          ],
        },
        // An hour after the failed deploy started, it is history.
        { at: "1h30m", alertname: "SlipwayDeployFailed", fire: [] },
        { at: "2h30m", alertname: "SlipwayDeployStuck", fire: [] },
        {
          at: "3h",
          alertname: "SlipwayDeployStuck",
          fire: [
            {
              labels: {
                ...labelsOf("SlipwayDeployStuck"),
                configmap: r3,
                label_slipway_dev_history: history,
                label_slipway_dev_outcome: "in-progress",
              },
              annotations: annotationsOf("SlipwayDeployStuck", { configmap: r3 }),
            },
          ],
        },
        {
          at: "10m",
          alertname: "SlipwayReleaseJobFailed",
          fire: [
            {
              labels: { ...labelsOf("SlipwayReleaseJobFailed"), job_name: job },
              annotations: annotationsOf("SlipwayReleaseJobFailed", { job_name: job }),
            },
          ],
        },
        { at: "2h", alertname: "SlipwayReleaseJobFailed", fire: [] },
        { at: "12m", alertname: "SlipwayRolloutStalled", fire: [] },
        {
          at: "20m",
          alertname: "SlipwayRolloutStalled",
          fire: [
            {
              labels: { ...labelsOf("SlipwayRolloutStalled"), deployment: model.name, condition: "Progressing", status: "false" },
              annotations: annotationsOf("SlipwayRolloutStalled", {}),
            },
          ],
        },
      ]);
      expect(r.out).toContain("SUCCESS");
      expect(r.code, r.out).toBe(0);
    });
  }

  for (const { example, model } of models) {
    it(`the Alertmanager route sends page and ticket alerts to their receivers (amtool): ${example} ${model.environment}`, () => {
      const amtool = toolPath("amtool");
      expect(amtool, "run: bash test/cluster/build.sh prometheus").toBeDefined();
      // What prometheus-operator makes of the AlertmanagerConfig: its route under the root, with a
      // matcher on the object's namespace added.
      const route = alertRoute(model) as { matchers: { name: string; value: string }[]; routes: Record<string, unknown>[] } & Record<
        string,
        unknown
      >;
      const matcher = (m: { name: string; value: string }) => `${m.name}="${m.value}"`;
      const config = {
        route: {
          receiver: "default",
          routes: [
            {
              receiver: route.receiver,
              group_by: route.groupBy,
              group_wait: route.groupWait,
              group_interval: route.groupInterval,
              repeat_interval: route.repeatInterval,
              matchers: [`namespace="${model.namespace}"`, ...route.matchers.map(matcher)],
              routes: (route.routes as { receiver: string; matchers: { name: string; value: string }[]; repeatInterval?: string }[]).map(
                (r) => ({
                  receiver: r.receiver,
                  matchers: r.matchers.map(matcher),
                  ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
                }),
              ),
            },
          ],
        },
        receivers: [{ name: "default" }, ...receivers.map((name) => ({ name }))],
      };
      const file = write("alertmanager.yml", config);
      expect(execFileSync(amtool as string, ["check-config", file], { encoding: "utf8" })).toContain("SUCCESS");
      const own = [`namespace=${model.namespace}`, `slipway_app=${model.name}`, `slipway_environment=${model.environment}`];
      const routeOf = (labels: string[]) =>
        execFileSync(amtool as string, ["config", "routes", "test", `--config.file=${file}`, ...labels], { encoding: "utf8" }).trim();
      expect(routeOf([...own, "severity=page", "alertname=SloErrorBudgetBurn"])).toBe("page");
      expect(routeOf([...own, "severity=ticket", "alertname=SlipwayDeployFailed"])).toBe("ticket");
      expect(routeOf([`namespace=${model.namespace}`, "slipway_app=another", "severity=page"])).toBe("default");
    });
  }
});

/** Fluent Bit's classic configuration as sections of key/value pairs; throws on a line that is neither. */
function classicSections(text: string): { name: string; entries: [string, string][] }[] {
  const sections: { name: string; entries: [string, string][] }[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const header = /^\[([A-Z]+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1] as string, entries: [] });
      continue;
    }
    const entry = /^ {4}([A-Za-z0-9_.-]+) +(\S.*)$/.exec(line);
    const current = sections[sections.length - 1];
    if (!entry || !current) throw new Error(`not a classic-mode line: ${JSON.stringify(line)}`);
    current.entries.push([entry[1] as string, entry[2] as string]);
  }
  return sections;
}

/** The fluent/fluent-bit chart's values slipway sets: classic-mode text per part of the pipeline. */
const fluentBitChartValues = z.strictObject({
  config: z.strictObject({ inputs: z.string().min(1), filters: z.string().min(1), outputs: z.string().min(1) }),
});

/** The amazon-cloudwatch-observability chart's values slipway sets. */
const cloudwatchChartValues = z.strictObject({
  clusterName: z.string().min(1),
  region: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/),
  containerLogs: z.strictObject({ enabled: z.literal(true) }),
});

describe("slipway render observability (the CLI)", () => {
  it("writes the four files into the folder, reports them with --json, and slipway check of the folder is clean", async () => {
    const out = join(work, "cli-out");
    const spec = join(examplesDir, "node-postgres/slipway.yaml");
    const env = { SLIPWAY_TODAY: "2026-01-01" };
    const r = await runCli(["render", "observability", "-f", spec, "-e", "production", "-o", out, "--json"], { cwd: repoRoot, env });
    expect(r.code, r.stderr).toBe(0);
    const files = [
      "prometheusrule-node-postgres-alerts.yaml",
      "alertmanagerconfig-node-postgres-alerts.yaml",
      "configmap-node-postgres-dashboard.yaml",
      "fluent-bit-values.yaml",
    ];
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, result: { environment: "production", files: files.map((f) => join(out, f)) } });
    const check = await runCli(["check", out], { cwd: repoRoot, env });
    expect(check.stdout + check.stderr).toContain("3 objects");
    expect(check.code, check.stdout + check.stderr).toBe(0);
    // Even at low, the objects have no finding; the one is the values file, a kind check does not read.
    const low = await runCli(["check", out, "--min-severity", "low", "--format", "json"], { cwd: repoRoot, env });
    const findings = (JSON.parse(low.stdout) as { result: { findings: { ruleId: string; file: string }[] } }).result.findings;
    expect(findings.map((f) => `${f.ruleId} ${f.file}`)).toEqual([`SLW-GEN-005 ${join(out, "fluent-bit-values.yaml")}`]);
  });

  it("an slo the environment cannot measure is a spec error with its location, not a render", async () => {
    const dir = mkdtempSync(join(work, "alb-"));
    writeFileSync(
      join(dir, "slipway.yaml"),
      "name: shop\napp: { image: ghcr.io/a/shop:1.0.0, health: /up }\ningress: { host: shop.example.com }\nslo: { availability: 99.9 }\nenvironments: { production: { target: kubernetes } }\n",
    );
    const r = await runCli(["render", "observability", "-e", "production", "--json"], { cwd: dir });
    expect(r.code).toBe(2);
    const { error } = JSON.parse(r.stdout);
    expect(error, r.stdout).toMatchObject({ code: "SPEC_RULE", location: { line: 4, col: 6 } });
    expect(error.message).toContain("needs request metrics");
  });
});

describe("render observability: log agent values", () => {
  for (const { example, model } of models) {
    it(`values for the spec's choice, valid for the chart: ${example} ${model.environment}`, () => {
      const values = renderObservability(model).filter((f) => f.check === "helm-values");
      const logs = model.logs;
      if (logs === undefined || logs.via === "none") {
        expect(values).toEqual([]);
        return;
      }
      expect(values.map((f) => f.path)).toEqual([
        logs.via === "fluent-bit" ? "fluent-bit-values.yaml" : "cloudwatch-observability-values.yaml",
      ]);
      const parsed = parse(values[0]?.content ?? "");
      if (logs.via === "cloudwatch") {
        expect(cloudwatchChartValues.parse(parsed)).toEqual({
          clusterName: model.infra?.cluster.name,
          region: model.infra?.region,
          containerLogs: { enabled: true },
        });
        return;
      }
      const { config } = fluentBitChartValues.parse(parsed);
      const [input, ...moreInputs] = classicSections(config.inputs);
      expect(moreInputs).toEqual([]);
      expect(input?.name).toBe("INPUT");
      const inputs = new Map(input?.entries);
      expect(inputs.get("Name")).toBe("tail");
      // Only this namespace's app containers (the kubelet's <pod>_<namespace>_<container>-<id>.log).
      expect(inputs.get("Path")).toBe(`/var/log/containers/*_${model.namespace}_app-*.log`);
      const filters = classicSections(config.filters);
      expect(filters.map((f) => new Map(f.entries).get("Name"))).toEqual(["kubernetes", "modify"]);
      // Merge_Log lifts a JSON log line into fields: the structured logs the app contract asks for.
      expect(new Map(filters[0]?.entries).get("Merge_Log")).toBe("On");
      const [output, ...moreOutputs] = classicSections(config.outputs);
      expect(moreOutputs).toEqual([]);
      const outputs = new Map(output?.entries);
      expect([outputs.get("Name"), outputs.get("Host"), outputs.get("Port")]).toEqual([logs.output, logs.host, String(logs.port)]);
      // Every section's Match takes what the input tagged.
      for (const section of [...filters, output]) expect(new Map(section?.entries).get("Match")).toBe("kube.*");
    });
  }
});

/** The dashboard fields slipway relies on Grafana reading. */
const grafanaDashboard = z.looseObject({
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.int().min(30),
  templating: z.looseObject({
    list: z
      .array(z.looseObject({ name: z.string(), type: z.string(), query: z.string().optional() }))
      .refine((list) => list.some((v) => v.name === "datasource" && v.type === "datasource" && v.query === "prometheus"), {
        error: "a datasource variable of type prometheus",
      }),
  }),
  panels: z
    .array(
      z.looseObject({
        id: z.int().min(1),
        type: z.enum(["timeseries", "stat"]),
        title: z.string().min(1),
        gridPos: z.strictObject({ h: z.int().min(1), w: z.int().min(1).max(24), x: z.int().min(0).max(23), y: z.int().min(0) }),
        datasource: z.strictObject({ type: z.literal("prometheus"), uid: z.literal(datasourceUid) }),
        targets: z
          .array(z.strictObject({ refId: z.string().regex(/^[A-Z]$/), expr: z.string().min(1), legendFormat: z.string() }))
          .min(1)
          .refine((t) => new Set(t.map((x) => x.refId)).size === t.length, { error: "refIds are unique" }),
      }),
    )
    .min(1),
});
