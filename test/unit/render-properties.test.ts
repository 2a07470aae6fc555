import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type KubeObject, renderKubernetes } from "../../src/render/kubernetes/render-kubernetes.js";
import { toYaml, toYamlStream } from "../../src/render/yaml-stream.js";
import { parseSpecText } from "../../src/spec/load.js";
import { buildModel } from "../../src/spec/normalize.js";
import { validateSpec } from "../../src/spec/validate.js";
import { validateKubeObject } from "../helpers/kube-schema.js";
import { specArbitrary } from "../helpers/spec-arbitrary.js";

const runs = Number(process.env.SLIPWAY_PROPERTY_RUNS ?? 150);

function renderAll(text: string) {
  const validated = validateSpec(parseSpecText(text, "slipway.yaml"));
  return Object.values(validated.environments).map((env) => renderKubernetes(buildModel(validated, env)));
}

function podTemplates(objects: KubeObject[]): { owner: string; spec: Record<string, any> }[] {
  return objects
    .filter((o) => o.kind === "Deployment" || o.kind === "Job")
    .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, spec: (o.spec as any).template.spec }));
}

describe("render kubernetes, random valid specs", () => {
  it("every spec the generator makes is valid and every object passes the Kubernetes schema", async () => {
    await fc.assert(
      fc.asyncProperty(specArbitrary, async (spec) => {
        for (const objects of renderAll(toYaml(spec))) {
          for (const object of objects) await validateKubeObject(object);
        }
      }),
      { numRuns: runs },
    );
  });

  it("is deterministic: the same spec gives the same bytes", () => {
    fc.assert(
      fc.property(specArbitrary, (spec) => {
        const text = toYaml(spec);
        const first = renderAll(text).map(toYamlStream);
        const second = renderAll(text).map(toYamlStream);
        expect(second).toEqual(first);
      }),
      { numRuns: runs },
    );
  });

  it("holds the production invariants for every pod template", () => {
    fc.assert(
      fc.property(specArbitrary, (spec) => {
        for (const objects of renderAll(toYaml(spec))) {
          const templates = podTemplates(objects);
          expect(templates.length).toBeGreaterThan(0);
          for (const { owner, spec: pod } of templates) {
            expect(pod.automountServiceAccountToken, owner).toBe(false);
            expect(pod.securityContext.runAsNonRoot, owner).toBe(true);
            expect(pod.securityContext.seccompProfile.type, owner).toBe("RuntimeDefault");
            expect(pod.securityContext.runAsUser, owner).toBeGreaterThan(0);
            for (const c of pod.containers) {
              const sc = c.securityContext;
              expect(sc.allowPrivilegeEscalation, owner).toBe(false);
              expect(sc.readOnlyRootFilesystem, owner).toBe(true);
              expect(sc.privileged, owner).toBe(false);
              expect(sc.capabilities.drop, owner).toEqual(["ALL"]);
              expect(c.resources.requests.cpu, owner).toBeTruthy();
              expect(c.resources.requests.memory, owner).toBeTruthy();
              expect(c.resources.limits.memory, owner).toBe(c.resources.requests.memory);
              expect(c.resources.limits.cpu, owner).toBeTruthy();
              expect(c.image, owner).not.toMatch(/:latest$/);
              expect(c.volumeMounts, owner).toContainEqual({ mountPath: "/tmp", name: "tmp" });
              // Least privilege: only the setup phase may see the admin credentials.
              const refs = (c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.name).filter(Boolean);
              if (!/-setup-[0-9a-f]{10}$/.test(owner))
                expect(
                  refs.some((n: string) => n.endsWith("-database-admin")),
                  owner,
                ).toBe(false);
              // Secrets only ever arrive by reference.
              for (const e of c.env ?? []) {
                if (e.value !== undefined) expect((spec as any).app.secrets ?? [], owner).not.toContain(e.name);
              }
            }
          }
          const deployment = objects.find((o) => o.kind === "Deployment") as any;
          const web = deployment.spec.template.spec;
          const app = web.containers[0];
          expect(app.startupProbe).toBeDefined();
          expect(app.readinessProbe).toBeDefined();
          expect(app.livenessProbe).toBeDefined();
          expect(app.lifecycle.preStop).toBeDefined();
          // The app contract: the app listens on $PORT and $HOST, which is where the probes knock.
          const plain = Object.fromEntries((app.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
          expect(plain.PORT).toBe(String(app.ports[0].containerPort));
          expect(plain.HOST).toBe("0.0.0.0");
          // DATABASE_URL is never put together by $(VAR) interpolation (an unescaped password).
          for (const t of templates) {
            for (const c of t.spec.containers) expect(JSON.stringify(c.env ?? []), t.owner).not.toContain("$(");
          }
          for (const job of objects.filter((o) => o.kind === "Job")) expect(job.metadata.name.length).toBeLessThanOrEqual(63);
          expect(web.terminationGracePeriodSeconds).toBeGreaterThan(app.lifecycle.preStop.sleep.seconds);
          expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
          expect(web.topologySpreadConstraints.map((t: any) => t.topologyKey).sort()).toEqual([
            "kubernetes.io/hostname",
            "topology.kubernetes.io/zone",
          ]);
          const ns = objects.find((o) => o.kind === "Namespace");
          expect(ns?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
          const policies = objects.filter((o) => o.kind === "NetworkPolicy");
          expect(policies.some((p) => JSON.stringify((p.spec as any).podSelector) === "{}")).toBe(true);
          const replicasMin =
            (deployment.spec.replicas as number | undefined) ??
            (objects.find((o) => o.kind === "HorizontalPodAutoscaler")?.spec as any)?.minReplicas;
          expect(objects.some((o) => o.kind === "PodDisruptionBudget")).toBe(replicasMin >= 2);
          for (const o of objects) {
            expect(o.metadata.labels?.["app.kubernetes.io/name"], `${o.kind}/${o.metadata.name}`).toBeDefined();
            expect(o.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("slipway");
          }
        }
      }),
      { numRuns: runs },
    );
  });
});
