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
    const patterns = [
      /\bcurl\b[^|;&]*\s(-k|--insecure)\b/,
      /\bwget\b[^|;&]*--no-check-certificate/,
      /\bpip3?\b[^|;&]*--trusted-host/,
      /NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*["']?0/,
      /PYTHONHTTPSVERIFY\s*=\s*["']?0/,
      /GIT_SSL_NO_VERIFY/,
      /\b(npm|yarn)\s+config\s+set\s+strict-ssl\s+false/,
      /NPM_CONFIG_STRICT_SSL\s*=\s*["']?false/i,
      /sslverify\s*=\s*(0|false)/i,
    ];
    for (const ins of df.instructions) {
      if (!["RUN", "ENV", "ARG"].includes(ins.keyword)) continue;
      if (patterns.some((p) => p.test(ins.args)))
        yield { message: `${ins.keyword} turns off TLS certificate verification`, line: ins.line };
    }
  },
};
