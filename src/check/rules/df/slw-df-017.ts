import type { DockerRule } from "../../types.js";

export const slwDf017: DockerRule = {
  id: "SLW-DF-017",
  area: "dockerfile",
  title: "TLS verification turned off",
  severity: "high",
  category: "security",
  rationale:
    "Turning off certificate checks (curl -k, wget --no-check-certificate, pip --trusted-host, NODE_TLS_REJECT_UNAUTHORIZED=0) lets anyone on the network path swap what the build downloads.",
  remediation: "Keep TLS verification on; install the CA certificate you need instead.",
  snippet: "COPY corp-ca.crt /usr/local/share/ca-certificates/\nRUN update-ca-certificates",
  peers: {
    checkov: [
      { id: "CKV2_DOCKER_2", relation: "stricter", note: "one rule for every tool and setting; each Checkov check covers one of them" },
      { id: "CKV2_DOCKER_3", relation: "stricter", note: "one rule for every tool and setting; each Checkov check covers one of them" },
      { id: "CKV2_DOCKER_4", relation: "stricter", note: "one rule for every tool and setting; each Checkov check covers one of them" },
      { id: "CKV2_DOCKER_5", relation: "stricter", note: "one rule for every tool and setting; each Checkov check covers one of them" },
      { id: "CKV2_DOCKER_6", relation: "stricter", note: "one rule for every tool and setting; each Checkov check covers one of them" },
      { id: "CKV2_DOCKER_12", relation: "stricter", note: "one rule for every tool and setting; each Checkov check covers one of them" },
      { id: "CKV2_DOCKER_13", relation: "stricter", note: "one rule for every tool and setting; each Checkov check covers one of them" },
    ],
  },
  *check(df) {
    // Names are matched whole: MY_GIT_SSL_NO_VERIFY_NOTE is not git's variable.
    const patterns = [
      /\bwget\b[^|;&]*--no-check-certificate/,
      /\bpip3?\b[^|;&]*--trusted-host/,
      /(?<![\w])NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*["']?0/,
      /(?<![\w])PYTHONHTTPSVERIFY\s*=\s*["']?0/,
      // git skips verification when the variable is set at all, whatever its value.
      /(?<![\w$])GIT_SSL_NO_VERIFY\s*=/,
      /\b(npm|yarn)\s+config\s+set\s+strict-ssl\s+false/,
      /(?<![\w])NPM_CONFIG_STRICT_SSL\s*=\s*["']?false/i,
      /(?<![\w])sslverify\s*=\s*(0|false)/i,
    ];
    for (const ins of df.instructions) {
      if (!["RUN", "ENV", "ARG"].includes(ins.keyword)) continue;
      const legacyEnv = ins.keyword === "ENV" && /^GIT_SSL_NO_VERIFY\s/.test(ins.rest);
      if (legacyEnv || curlInsecure(ins.args) || patterns.some((p) => p.test(ins.args)))
        yield { message: `${ins.keyword} turns off TLS certificate verification`, line: ins.line };
    }
  },
};

/** curl's short options that take a value: a k after one of them in a cluster (-ok) is that value. */
const curlValueOptions = new Set("AbcCdDeEFHKmoPQrTuUwxXyYz");

/** curl -k, --insecure, or -k inside a cluster of short options such as -Lkv. */
function curlInsecure(args: string): boolean {
  for (const m of args.matchAll(/\bcurl\b([^|;&\n]*)/g)) {
    for (const word of (m[1] ?? "").split(/\s+/)) {
      if (word === "--insecure") return true;
      if (!/^-[a-zA-Z0-9]+$/.test(word)) continue;
      for (const c of word.slice(1)) {
        if (c === "k") return true;
        if (curlValueOptions.has(c)) break;
      }
    }
  }
  return false;
}
