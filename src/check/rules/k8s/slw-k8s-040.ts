import type { KubeRule } from "../../types.js";
import { list, record } from "./pod.js";

export const slwK8s040: KubeRule = {
  id: "SLW-K8S-040",
  area: "kubernetes",
  title: "Ingress without TLS",
  severity: "medium",
  category: "security",
  rationale: "Without TLS, sessions, cookies and passwords cross the internet in clear text.",
  remediation: "Add a tls section for the Ingress hosts (and redirect HTTP to HTTPS).",
  snippet: "spec:\n  tls:\n    - hosts: [shop.example.com]\n      secretName: shop-tls",
  peers: { polaris: [{ id: "tlsSettingsMissing", relation: "same" }] },
  *check(s) {
    if (s.kind !== "Ingress") return;
    const spec = record(s.object.spec);
    const covered = new Set(list(spec.tls).flatMap((t) => list(record(t).hosts).map(String)));
    if (list(spec.tls).length === 0) {
      yield { message: "the Ingress has no tls section", path: ["spec"] };
      return;
    }
    const rules = list(spec.rules);
    for (let i = 0; i < rules.length; i++) {
      const host = record(rules[i]).host;
      if (typeof host === "string" && !covered.has(host) && ![...covered].some((c) => c.startsWith("*.") && host.endsWith(c.slice(1)))) {
        yield { message: `host ${host} is not covered by any tls entry`, path: ["spec", "rules", i, "host"] };
      }
    }
  },
};
