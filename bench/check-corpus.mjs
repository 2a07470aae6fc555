// A corpus of Kubernetes manifests for the check benchmark and the peer cross-check: every example
// rendered for every environment many times with varied settings (names, namespaces, replicas,
// resources, ingress, metrics), and a share of Deployments broken on purpose in known ways (run as
// root, no resources, :latest, privileged, no probes) so that the checkers have something to find.
// Uses the built library (dist/), so run `npm run build` first. Deterministic for a given seed.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";

const root = join(import.meta.dirname, "..");

export const mutations = ["root", "noresources", "latest", "privileged", "noprobes"];

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * Writes YAML files into `dir` until at least `objects` objects exist.
 * Returns { files, objects, broken: Map<"ns/Kind/name", mutation> }.
 */
export async function writeCorpus(dir, { objects = 10_000, seed = 42, brokenShare = 0.3 } = {}) {
  const lib = await import(join(root, "dist", "index.js"));
  const random = rng(seed);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const examples = readdirSync(join(root, "examples"))
    .filter((name) => {
      try {
        readFileSync(join(root, "examples", name, "slipway.yaml"));
        return true;
      } catch {
        return false;
      }
    })
    .sort()
    .map((name) => ({ name, spec: parse(readFileSync(join(root, "examples", name, "slipway.yaml"), "utf8")) }));
  mkdirSync(dir, { recursive: true });
  const files = [];
  const broken = new Map();
  let count = 0;
  for (let i = 0; count < objects; i++) {
    const example = examples[i % examples.length];
    const spec = structuredClone(example.spec);
    const name = `${example.name}-${i}`.slice(0, 40);
    spec.name = name;
    spec.targets = { kubernetes: { namespace: name } };
    spec.app.scale = { min: pick([1, 2, 3]), max: pick([1, 3, 6, 10]) };
    if (spec.app.scale.max < spec.app.scale.min) spec.app.scale.max = spec.app.scale.min;
    spec.app.resources = { cpu: pick(["100m", "250m", "500m", "1"]), memory: pick(["128Mi", "256Mi", "512Mi", "1Gi"]) };
    if (spec.ingress) spec.ingress.host = `${name}.example.com`;
    if (random() < 0.3) delete spec.app.metrics;
    for (const env of Object.values(spec.environments)) {
      if (env.app?.scale) delete env.app.scale;
      if (env.ingress?.host) env.ingress.host = `staging.${name}.example.com`;
    }
    const validated = lib.validateSpec(lib.parseSpecText(stringify(spec), `${name}.yaml`));
    for (const env of Object.values(validated.environments)) {
      if (env.target.type !== "kubernetes") continue;
      const rendered = lib.renderKubernetes(lib.buildModel(validated, env));
      for (const object of rendered) {
        if (object.kind !== "Deployment" || random() >= brokenShare) continue;
        const mutation = pick(mutations);
        breakDeployment(object, mutation);
        broken.set(`${object.metadata.namespace}/Deployment/${object.metadata.name}`, mutation);
      }
      const file = join(dir, `${name}-${env.name}.yaml`);
      writeFileSync(file, lib.toYamlStream(rendered));
      files.push(file);
      count += rendered.length;
    }
  }
  return { files, objects: count, broken };
}

function breakDeployment(object, mutation) {
  const pod = object.spec.template.spec;
  const container = pod.containers[0];
  switch (mutation) {
    case "root":
      delete pod.securityContext;
      delete container.securityContext.runAsNonRoot;
      delete container.securityContext.runAsUser;
      delete container.securityContext.runAsGroup;
      break;
    case "noresources":
      delete container.resources;
      break;
    case "latest":
      container.image = container.image.replace(/[:@][^/]*$/, ":latest");
      break;
    case "privileged":
      container.securityContext.privileged = true;
      container.securityContext.allowPrivilegeEscalation = true;
      break;
    case "noprobes":
      delete container.readinessProbe;
      delete container.livenessProbe;
      delete container.startupProbe;
      break;
  }
}
