/*
 * The indexes that keep cross-object Kubernetes rules linear (workloads by namespace and pod
 * label, the workloads a Service or PodDisruptionBudget selects, the NetworkPolicies that select a
 * workload, HPAs by target, objects by name)
 * give exactly what a scan over every object gives: random object sets, compared with the scans
 * the rules used before the indexes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kubeContext, kubeSubjectFromObject } from "../../../src/check/inputs/kubernetes.js";
import {
  hpaFor,
  podTemplateOf,
  policiesSelecting,
  record,
  selectedByAny,
  selectedWorkloads,
  selects,
  workloadKinds,
} from "../../../src/check/rules/k8s/pod.js";
import { selectedByAService } from "../../../src/check/rules/k8s/serving.js";
import type { KubeContext, KubeSubject } from "../../../src/check/types.js";

const namespaces = [undefined, "default", "shop", "web"];
const labelMap = fc.dictionary(fc.constantFrom("app", "tier", "team"), fc.oneof(fc.constantFrom("a", "b", "c"), fc.constant(1)), {
  maxKeys: 3,
});
const expression = fc.record({
  key: fc.constantFrom("app", "tier", "team"),
  operator: fc.constantFrom("In", "NotIn", "Exists", "DoesNotExist", "Bogus"),
  values: fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 2 }),
});
const labelSelector = fc.oneof(
  fc.record({ matchLabels: labelMap }),
  fc.record({ matchLabels: labelMap, matchExpressions: fc.array(expression, { maxLength: 2 }) }),
  fc.record({ matchExpressions: fc.array(expression, { maxLength: 2 }) }),
  fc.constant(undefined),
  fc.constant({}),
);
const name = fc.constantFrom("w1", "w2", "w3", "svc");
const namespace = fc.constantFrom(...namespaces);
const meta = (n: string, ns: string | undefined, labels?: Record<string, unknown>) => ({
  name: n,
  ...(ns ? { namespace: ns } : {}),
  ...(labels ? { labels } : {}),
});

const workload = fc
  .record({ kind: fc.constantFrom(...workloadKinds, "ConfigMap"), name, ns: namespace, labels: fc.option(labelMap, { nil: undefined }) })
  .map(({ kind, name, ns, labels }) => {
    const template = { metadata: labels ? { labels } : {}, spec: { serviceAccountName: "sa" } };
    if (kind === "Pod") return { apiVersion: "v1", kind, metadata: meta(name, ns, labels), spec: template.spec };
    if (kind === "CronJob")
      return { apiVersion: "batch/v1", kind, metadata: meta(name, ns), spec: { jobTemplate: { spec: { template } } } };
    return { apiVersion: "apps/v1", kind, metadata: meta(name, ns), spec: { template } };
  });
const service = fc
  .record({ ns: namespace, selector: fc.oneof(labelMap, fc.constant({ app: null }), fc.constant(undefined)) })
  .map(({ ns, selector }) => ({ apiVersion: "v1", kind: "Service", metadata: meta("svc", ns), spec: { selector } }));
const pdb = fc
  .record({ ns: namespace, selector: labelSelector })
  .map(({ ns, selector }) => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta("pdb", ns), spec: { selector } }));
const hpa = fc.record({ ns: namespace, kind: fc.constantFrom("Deployment", "StatefulSet"), target: name }).map(({ ns, kind, target }) => ({
  apiVersion: "autoscaling/v2",
  kind: "HorizontalPodAutoscaler",
  metadata: meta(`hpa-${target}`, ns),
  spec: { scaleTargetRef: { kind, name: target }, minReplicas: 2 },
}));
const serviceAccount = fc.record({ ns: namespace, n: fc.constantFrom("sa", "other") }).map(({ ns, n }) => ({
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: meta(n, ns),
}));

const networkPolicy = fc
  .record({ ns: namespace, podSelector: fc.oneof(labelSelector, fc.constant({ matchLabels: { app: null } }), labelMap) })
  .map(({ ns, podSelector }) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta("np", ns),
    spec: { podSelector },
  }));

const objects = fc.array(fc.oneof(workload, workload, service, pdb, hpa, serviceAccount, networkPolicy), { maxLength: 30 });

function contextOf(list: Record<string, unknown>[], defaultNamespace: string): { ctx: KubeContext; subjects: KubeSubject[] } {
  const subjects = list.map((o, i) => kubeSubjectFromObject(o, { file: `f${i}.yaml`, label: `f${i}.yaml` }));
  return { ctx: kubeContext(subjects, defaultNamespace), subjects };
}

// The scans the rules ran before the indexes.
const sameNamespace = (ctx: KubeContext, a: KubeSubject, ns: string | undefined) =>
  (a.namespace ?? ctx.defaultNamespace) === (ns ?? ctx.defaultNamespace);
function scanSelected(ctx: KubeContext, ns: string | undefined, selector: unknown): KubeSubject[] {
  const out: KubeSubject[] = [];
  for (const kind of workloadKinds)
    for (const w of ctx.all.filter((x) => x.kind === kind && sameNamespace(ctx, x, ns))) {
      const pod = podTemplateOf(w);
      if (pod && Object.keys(pod.labels).length > 0 && selects(selector, pod.labels)) out.push(w);
    }
  return out;
}

describe("cross-object indexes agree with a scan of every object", () => {
  it("selectedWorkloads, Service and PodDisruptionBudget coverage, NetworkPolicies, HPAs, names", () => {
    fc.assert(
      fc.property(objects, fc.constantFrom("default", "shop"), labelSelector, namespace, (list, defaultNs, selector, ns) => {
        const { ctx, subjects } = contextOf(list, defaultNs);
        expect(selectedWorkloads(ctx, ns, selector)).toEqual(scanSelected(ctx, ns, selector));
        for (const s of subjects) {
          if (!podTemplateOf(s)) continue;
          const pod = podTemplateOf(s) as NonNullable<ReturnType<typeof podTemplateOf>>;
          const services = ctx.all.filter((x) => x.kind === "Service" && sameNamespace(ctx, x, s.namespace));
          const served = services.some((svc) => {
            const sel = record(svc.object.spec).selector;
            return Object.keys(record(sel)).length > 0 && selects(sel, pod.labels);
          });
          expect(selectedByAService(s, ctx)).toBe(served);
          const pdbs = ctx.all.filter((x) => x.kind === "PodDisruptionBudget" && sameNamespace(ctx, x, s.namespace));
          expect(selectedByAny(ctx, "PodDisruptionBudget", s)).toBe(pdbs.some((p) => selects(record(p.object.spec).selector, pod.labels)));
          const hpaScan = ctx.all.find((h) => {
            if (h.kind !== "HorizontalPodAutoscaler" || !sameNamespace(ctx, h, s.namespace)) return false;
            const ref = record(record(h.object.spec).scaleTargetRef);
            return ref.kind === s.kind && ref.name === s.name;
          });
          expect(hpaFor(s, ctx)).toBe(hpaScan);
          const policyScan = ctx.all.filter(
            (x) =>
              x.kind === "NetworkPolicy" &&
              sameNamespace(ctx, x, s.namespace) &&
              selects(record(record(x.object.spec).podSelector), pod.labels),
          );
          const byInput = (a: KubeSubject, b: KubeSubject) => ctx.all.indexOf(a) - ctx.all.indexOf(b);
          expect(policiesSelecting(ctx, s).flat().sort(byInput)).toEqual(policyScan);
          const saScan = ctx.all.find((x) => x.kind === "ServiceAccount" && sameNamespace(ctx, x, s.namespace) && x.name === "sa");
          expect(ctx.named("ServiceAccount", s.namespace, "sa")).toBe(saScan);
        }
      }),
      { numRuns: 300 },
    );
  });
});
