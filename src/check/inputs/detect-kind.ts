import type { InputKind } from "../types.js";

/** Decides what a file holds from its name, then its content. */
export function detectKind(path: string, text: string): InputKind {
  const name = path.split(/[\\/]/).pop() ?? path;
  const lower = name.toLowerCase();
  if (lower.endsWith(".tf") || lower.endsWith(".tofu")) return "terraform";
  if (lower.endsWith(".tf.json") || lower.endsWith(".tofu.json")) return "terraform";
  if (lower === "dockerfile" || lower.startsWith("dockerfile.") || lower.endsWith(".dockerfile") || lower === "containerfile")
    return "dockerfile";
  if (lower === ".gitlab-ci.yml" || lower === ".gitlab-ci.yaml" || (/\.gitlab-ci\b/.test(lower) && /\.ya?ml$/.test(lower)))
    return "gitlab-ci";
  if (/(^|[\\/])\.github[\\/]workflows[\\/][^\\/]+\.ya?ml$/.test(path)) return "github-actions";
  if (/\.(ya?ml|json)$/.test(lower) || path === "-" || lower === "<stdin>") return sniff(text);
  return "unknown";
}

/** Content-based detection for YAML/JSON text and stdin. */
export function sniff(text: string): InputKind {
  const head = text.slice(0, 64 * 1024);
  if (/^\s*(apiVersion|"apiVersion")\s*:/m.test(head) && /^\s*(kind|"kind")\s*:/m.test(head)) return "kubernetes";
  if (/^\s*"?(resource|module|terraform|provider)"?\s*:\s*\{/m.test(head) && head.trimStart().startsWith("{")) return "terraform";
  if (/^jobs:\s*$/m.test(head) && /^(on|"on"|true):/m.test(head)) return "github-actions";
  if (/^\s*(script|stages):/m.test(head) && !/^\s*apiVersion:/m.test(head)) return "gitlab-ci";
  if (/^FROM\s+\S+/im.test(head)) return "dockerfile";
  if (/^\s*(resource|module|terraform|provider|variable)\s+("[^"]*"\s*)*\{/m.test(head)) return "terraform";
  return "unknown";
}

/** Whether a .json / stdin text is Terraform JSON rather than HCL. */
export function isTerraformJson(path: string, text: string): boolean {
  return /\.(tf|tofu)\.json$/i.test(path) || (!/\.(tf|tofu)$/i.test(path) && text.trimStart().startsWith("{"));
}
