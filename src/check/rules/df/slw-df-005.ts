import type { DockerRule } from "../../types.js";

export const slwDf005: DockerRule = {
  id: "SLW-DF-005",
  area: "dockerfile",
  title: "ADD downloads from a URL",
  severity: "medium",
  category: "security",
  rationale: "ADD <url> fetches at build time without any checksum: a changed or hijacked file goes straight into the image.",
  remediation: "Download with curl in a RUN and verify a checksum (or use ADD --checksum=sha256:…).",
  snippet: 'RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool-1.2.3.tgz \\\n && echo "<sha256>  /tmp/tool.tgz" | sha256sum -c -',
  peers: {
    checkov: [{ id: "CKV_DOCKER_4", relation: "looser", note: "flags only ADD of a URL; ADD of local files is SLW-DF-006" }],
    trivy: [{ id: "DS-0005", relation: "looser", note: "flags only ADD of a URL; ADD of local files is SLW-DF-006" }],
  },
  *check(df) {
    for (const ins of df.instructions) {
      if (ins.keyword !== "ADD" || ins.flags.has("checksum")) continue;
      const sources = ins.json ? ins.json.slice(0, -1) : ins.rest.split(/\s+/).slice(0, -1);
      if (sources.some((s) => /^(https?|ftp):\/\//i.test(s) || /^git@/.test(s)))
        yield { message: "ADD fetches a remote file without a checksum", line: ins.line };
    }
  },
};
