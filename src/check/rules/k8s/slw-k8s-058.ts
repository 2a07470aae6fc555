import type { KubeRule } from "../../types.js";
import { list, podTemplateOf, record } from "./pod.js";

/** The sysctls Kubernetes considers safe (namespaced, no effect outside the pod). */
const safe = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);

export const slwK8s058: KubeRule = {
  id: "SLW-K8S-058",
  area: "kubernetes",
  title: "Unsafe sysctl",
  severity: "high",
  category: "security",
  rationale: "Unsafe sysctls change kernel settings that other pods on the node share, and can destabilise the node.",
  remediation: "Remove the sysctl, or run the workload on dedicated nodes where it is allowed.",
  snippet: 'securityContext:\n  sysctls:\n    - { name: net.ipv4.ip_local_port_range, value: "1024 65535" }',
  peers: { kubeLinter: [{ id: "unsafe-sysctls", relation: "same" }], trivy: [{ id: "KSV-0026", relation: "same" }] },
  *check(s) {
    const pod = podTemplateOf(s);
    if (!pod) return;
    const sysctls = list(record(pod.spec.securityContext).sysctls);
    for (let i = 0; i < sysctls.length; i++) {
      const name = String(record(sysctls[i]).name ?? "");
      if (!safe.has(name))
        yield { message: `sysctl ${name} is not in the safe set`, path: [...pod.specPath, "securityContext", "sysctls", i] };
    }
  },
};
