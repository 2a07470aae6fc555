import type { DockerRule } from "../../types.js";

export const slwDf006: DockerRule = {
  id: "SLW-DF-006",
  area: "dockerfile",
  title: "ADD used for local files",
  severity: "low",
  category: "operability",
  rationale: "ADD silently unpacks archives and fetches URLs; COPY does only what it says, so the build does what a reader expects.",
  remediation: "Use COPY for local files.",
  snippet: "COPY --chown=10001:10001 . /app",
  peers: {
    checkov: [
      {
        id: "CKV_DOCKER_4",
        relation: "looser",
        note: "flags ADD of local files that are not archives; ADD of a URL is SLW-DF-005, and ADD that unpacks a local archive passes",
      },
    ],
    trivy: [{ id: "DS-0005", relation: "same" }],
    hadolint: [{ id: "DL3020", relation: "same" }],
  },
  *check(df) {
    for (const ins of df.instructions) {
      if (ins.keyword !== "ADD") continue;
      const words = ins.json ?? ins.rest.split(/\s+/).map((w) => w.replace(/^(["'])(.*)\1$/, "$2"));
      const sources = words.slice(0, -1);
      if (
        sources.length > 0 &&
        sources.every((s) => !/^(https?|ftp):\/\//i.test(s) && !/^git@/.test(s) && !/\.(tar|tgz|gz|bz2|xz|zst|txz|tbz2?|tzst)$/i.test(s))
      ) {
        yield { message: "ADD of local files; COPY is clearer", line: ins.line };
      }
    }
  },
};
