import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { AppModel } from "../../../src/model/app-model.js";
import { renderHelm } from "../../../src/render/helm/render-helm.js";
import { type KubeObject, renderKubernetes } from "../../../src/render/kubernetes/render-kubernetes.js";
import { toYamlStream } from "../../../src/render/yaml-stream.js";
import { getJson, kubectl, kubectlOk, waitFor } from "../../cluster/kube.js";
import { loadExamples, repoRoot } from "../../helpers/examples.js";
import { requireTool } from "../../helpers/tools.js";

// Issue 4, "use it at once": every example's render for every environment is admitted by a real
// apiserver (server-side dry-run, strict field validation, Pod Security restricted), then applied
// with server-side apply until the Deployment is Available; the exported chart, installed with the
// real `helm install --wait`, reaches the same state.
const kubeconfig = inject("kubeconfig");
const run = promisify(execFile);
const examples = loadExamples();

function uniqueNamespace(prefix: string): string {
  return `${prefix.slice(0, 40)}-${randomBytes(3).toString("hex")}`;
}

/** The model with its namespace moved, so tests never collide. */
function inNamespace(model: AppModel, namespace: string): AppModel {
  return { ...model, namespace };
}

async function deploymentState(namespace: string, name: string) {
  const d = await getJson<{
    spec: { replicas: number };
    status: { availableReplicas?: number; conditions?: { type: string; status: string }[] };
  }>(kubeconfig, ["-n", namespace, "deployment", name]);
  return {
    replicas: d.spec.replicas,
    available: d.status.availableReplicas ?? 0,
    condition: d.status.conditions?.find((c) => c.type === "Available")?.status,
  };
}

async function waitAvailable(namespace: string, name: string, minReplicas: number) {
  return waitFor(
    `deployment/${name} in ${namespace} Available with ${minReplicas} replicas`,
    async () => {
      const state = await deploymentState(namespace, name);
      return state.condition === "True" && state.available >= minReplicas ? state : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
}

beforeAll(async () => {
  await kubectlOk(kubeconfig, ["apply", "--server-side", "-f", join(repoRoot, "test/fixtures/crds/stand-in-crds.yaml")]);
  await kubectlOk(kubeconfig, [
    "wait",
    "--for=condition=Established",
    "crd/externalsecrets.external-secrets.io",
    "crd/servicemonitors.monitoring.coreos.com",
    "--timeout=60s",
  ]);
});

describe("renders on the real apiserver", () => {
  for (const example of examples) {
    for (const original of example.kubeModels) {
      it(`${example.name} ${original.environment}: admitted by a dry run, then applied and Available`, async () => {
        const model = inNamespace(original, uniqueNamespace(`${example.name}-${original.environment}`));
        const objects = renderKubernetes(model);
        const [namespace, ...rest] = objects as [KubeObject, ...KubeObject[]];
        expect(namespace.kind).toBe("Namespace");
        await kubectlOk(kubeconfig, ["apply", "--server-side", "--field-manager=slipway", "-f", "-"], { input: toYamlStream([namespace]) });
        const ns = await getJson<KubeObject>(kubeconfig, ["namespace", model.namespace]);
        expect(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");

        const stream = toYamlStream(rest);
        const dry = await kubectl(
          kubeconfig,
          ["apply", "--server-side", "--field-manager=slipway", "--dry-run=server", "--validate=strict", "-f", "-"],
          {
            input: stream,
          },
        );
        expect(dry.code, dry.stderr).toBe(0);
        expect(dry.stderr).not.toMatch(/Warning/i);

        const applied = await kubectl(kubeconfig, ["apply", "--server-side", "--field-manager=slipway", "--validate=strict", "-f", "-"], {
          input: stream,
        });
        expect(applied.code, applied.stderr).toBe(0);
        const state = await waitAvailable(model.namespace, model.name, model.replicas.min);
        expect(state.available).toBeGreaterThanOrEqual(model.replicas.min);
        // Every pod landed on a fake node with the restricted security context intact.
        const pods = await getJson<{ items: KubeObject[] }>(kubeconfig, [
          "-n",
          model.namespace,
          "pods",
          "-l",
          "app.kubernetes.io/component=web",
        ]);
        expect(pods.items.length).toBeGreaterThanOrEqual(model.replicas.min);
        // The app contract: the pod is told to listen where the probes and containerPort point.
        const container = (pods.items[0]?.spec as { containers: { env?: { name: string; value?: string }[] }[] } | undefined)
          ?.containers[0];
        expect(container?.env?.find((e) => e.name === "PORT")?.value).toBe(String(model.port));
        expect(container?.env?.find((e) => e.name === "HOST")?.value).toBe("0.0.0.0");
        // A new tag applied the same way: release Jobs are named per image, so no immutable-template error.
        const next = { ...model, image: { ...model.image, tag: "next", digest: undefined, ref: `${model.image.repository}:next` } };
        const again = await kubectl(kubeconfig, ["apply", "--server-side", "--field-manager=slipway", "--validate=strict", "-f", "-"], {
          input: toYamlStream(renderKubernetes(next).slice(1)),
        });
        expect(again.code, again.stderr).toBe(0);
        await kubectl(kubeconfig, ["delete", "namespace", model.namespace, "--wait=false"]);
      });
    }
  }
});

describe("the exported chart with the real helm install --wait", () => {
  const helm = requireTool("helm");
  for (const example of examples) {
    it(`${example.name}: every environment reaches the same state as the direct apply`, async () => {
      const chart = mkdtempSync(join(tmpdir(), "slipway-chart-"));
      for (const file of renderHelm(example.kubeModels)) {
        mkdirSync(dirname(join(chart, file.path)), { recursive: true });
        writeFileSync(join(chart, file.path), file.content);
      }
      for (const model of example.kubeModels) {
        const namespace = uniqueNamespace(`helm-${example.name}-${model.environment}`);
        await kubectlOk(kubeconfig, ["create", "namespace", namespace]);
        await kubectlOk(kubeconfig, ["label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted"]);
        const { stdout } = await run(
          helm,
          [
            "install",
            model.name,
            chart,
            "-n",
            namespace,
            "-f",
            join(chart, `values-${model.environment}.yaml`),
            "--wait",
            "--timeout",
            "3m",
            "--kubeconfig",
            kubeconfig,
          ],
          {
            env: {
              ...process.env,
              HELM_CACHE_HOME: join(tmpdir(), "helm-cache"),
              HELM_CONFIG_HOME: join(tmpdir(), "helm-config"),
              HELM_DATA_HOME: join(tmpdir(), "helm-data"),
            },
          },
        );
        expect(stdout).toMatch(/STATUS: deployed/);
        const state = await waitAvailable(namespace, model.name, model.replicas.min);
        expect(state.condition).toBe("True");
        const inCluster = await getJson<{ items: KubeObject[] }>(kubeconfig, [
          "-n",
          namespace,
          "deployment,service,configmap,serviceaccount,networkpolicy",
        ]);
        const names = inCluster.items.map((o) => `${o.kind}/${o.metadata.name}`).sort();
        const expected = renderKubernetes(inNamespace(model, namespace))
          .filter((o) => ["Deployment", "Service", "ConfigMap", "ServiceAccount", "NetworkPolicy"].includes(o.kind))
          .map((o) => `${o.kind}/${o.metadata.name}`);
        for (const name of expected) expect(names).toContain(name);
        await kubectl(kubeconfig, ["delete", "namespace", namespace, "--wait=false"]);
      }
    });
  }
});
