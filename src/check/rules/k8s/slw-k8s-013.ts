import type { KubeRule } from "../../types.js";
import { list, podTemplateOf, record } from "./pod.js";

const sockets = /(^|\/)(docker|containerd|crio|cri-dockerd|podman)\.sock$|^\/var\/run\/(docker|containerd)\/?$|^\/run\/containerd\/?$/;

export const slwK8s013: KubeRule = {
  id: "SLW-K8S-013",
  area: "kubernetes",
  title: "Container runtime socket mounted",
  severity: "critical",
  category: "security",
  rationale:
    "Whoever can talk to the container runtime's socket can start a privileged container on the node: mounting it is root on the node.",
  remediation: "Remove the socket mount; build images with a rootless builder (BuildKit rootless, kaniko) instead.",
  snippet: "# remove:\n# volumes:\n#   - name: docker\n#     hostPath: { path: /var/run/docker.sock }",
  peers: {
    kubeLinter: [{ id: "docker-sock", relation: "same" }],
    checkov: [{ id: "CKV_K8S_27", relation: "same" }],
    trivy: [{ id: "KSV-0006", relation: "same" }],
  },
  *check(s) {
    const pod = podTemplateOf(s);
    if (!pod) return;
    const volumes = list(pod.spec.volumes);
    for (let i = 0; i < volumes.length; i++) {
      const path = record(record(volumes[i]).hostPath).path;
      if (typeof path === "string" && sockets.test(path)) {
        yield { message: `the pod mounts the container runtime socket ${path}`, path: [...pod.specPath, "volumes", i, "hostPath", "path"] };
      }
    }
  },
};
