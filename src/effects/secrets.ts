import { stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { SlipwayError } from "../errors/slipway-error.js";
import type { AppModel } from "../model/app-model.js";
import { readUserFile } from "./read-user-file.js";

/** Parses a dotenv file: KEY=value lines, optional quotes, # comments. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2] ?? "";
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
      if (m[2]?.startsWith('"')) value = value.replaceAll("\\n", "\n").replaceAll('\\"', '"');
    }
    out[m[1] as string] = value;
  }
  return out;
}

/**
 * The values of the app's secrets for a local deploy, from the environment or an env file (which
 * must not be readable by others). Every declared name must have a value.
 */
export async function loadLocalSecrets(
  model: AppModel,
  specDir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Record<string, string>> {
  const names = model.secrets.names;
  if (names.length === 0) return {};
  const source = model.secrets.source;
  let values: Record<string, string | undefined> = {};
  let where: string;
  if (source.kind === "env") {
    values = env;
    where = "slipway's environment";
  } else if (source.kind === "env-file") {
    const file = isAbsolute(source.path) ? source.path : join(specDir, source.path);
    where = file;
    try {
      const info = await stat(file);
      if ((info.mode & 0o077) !== 0) {
        throw new SlipwayError("SECRETS_UNSAFE", `${file} is readable by other users (mode ${(info.mode & 0o777).toString(8)})`, {
          hint: `Run: chmod 600 ${file}`,
        });
      }
      values = parseDotenv(await readEnvFile(file));
    } catch (error) {
      if (error instanceof SlipwayError) throw error;
      values = {};
    }
    // Values set in the environment win, so CI can inject them without a file.
    for (const name of names) if (env[name] !== undefined) values[name] = env[name];
  } else {
    throw new SlipwayError(
      "DEPLOY_TARGET_UNSUPPORTED",
      `secret source ${source.kind} is not available here: the local and host targets read secret values on the deploying machine`,
      { hint: "Use secretSource: {env-file: .slipway/secrets.env} or {env: {}} for this environment." },
    );
  }
  const missing = names.filter((n) => values[n] === undefined || values[n] === "");
  if (missing.length > 0) {
    throw new SlipwayError("SECRETS_MISSING", `no value for secret${missing.length > 1 ? "s" : ""} ${missing.join(", ")} in ${where}`, {
      hint:
        source.kind === "env-file"
          ? `Add ${missing.map((n) => `${n}=…`).join(", ")} to ${where} (chmod 600), or export them in the environment.`
          : `Export ${missing.join(", ")} before running slipway.`,
    });
  }
  return Object.fromEntries(names.map((n) => [n, values[n] as string]));
}

/** An env file holds a few secrets; a megabyte is already absurd. */
const maxEnvFileBytes = 1024 * 1024;

async function readEnvFile(file: string): Promise<string> {
  const read = await readUserFile(file, {
    maxBytes: maxEnvFileBytes,
    shown: file,
    cannotOpen: (error) => new SlipwayError("SECRETS_MISSING", `cannot read ${file}`, { cause: error }),
  });
  if (read.kind === "folder")
    throw new SlipwayError("SECRETS_MISSING", `${file} is a folder, not an env file`, { hint: "Point env-file at a KEY=value file." });
  if (read.kind === "too-large")
    throw new SlipwayError("SECRETS_MISSING", `${file} is ${read.size} bytes; an env file may be at most ${maxEnvFileBytes} bytes`, {
      hint: "Point env-file at a KEY=value file of secrets.",
    });
  return read.bytes.toString("utf8");
}
