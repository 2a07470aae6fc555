import type { DockerRule } from "../../types.js";
import { runs } from "./helpers.js";

export const slwDf015: DockerRule = {
  id: "SLW-DF-015",
  area: "dockerfile",
  title: "Remote script piped to a shell",
  severity: "medium",
  category: "security",
  rationale:
    "curl … | sh runs whatever the server returns at build time, unverified; a compromised or changed script ends up in the image.",
  remediation: "Download to a file, verify its checksum, then run it (or install from a signed package).",
  snippet:
    'RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\\n && echo "<sha256>  /tmp/install.sh" | sha256sum -c - \\\n && sh /tmp/install.sh',
  // hadolint DL4006 asks for `set -o pipefail` before any pipe, a different property: no peer maps here.
  peers: {},
  *check(df) {
    for (const ins of runs(df)) {
      if (/\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da)?sh\b/.test(ins.rest))
        yield { message: "a downloaded script is piped straight into a shell", line: ins.line };
    }
  },
};
