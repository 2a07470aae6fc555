import { randomBytes } from "node:crypto";
import { chmod, link, mkdir, open, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseDotenv } from "./secrets.js";
import { readTextIfExists, writeFileAtomic } from "./state-files.js";

/** What `writeLocalSecretsFile` did: the file, whether it wrote it, and names an existing file lacks. */
export interface LocalSecretsFile {
  file: string;
  created: boolean;
  /** Secret names the existing file has no value for (empty when the file was created). */
  missing: string[];
}

/**
 * Writes `file` (the local environment's env-file, `.slipway/secrets.env`) with a random value for
 * each name, mode 0600, so a spec fresh from `slipway init` deploys locally without edits. The values
 * are for this machine only and are never returned or printed. An existing file is never replaced:
 * it was written (or edited) by someone, and its values may be in use. The file appears whole or not
 * at all (written to a temporary file, then hard-linked into place, which fails if it exists).
 */
export async function writeLocalSecretsFile(file: string, names: readonly string[]): Promise<LocalSecretsFile> {
  const existing = await readTextIfExists(file);
  if (existing !== undefined) {
    const values = parseDotenv(existing);
    return { file, created: false, missing: names.filter((n) => !values[n]) };
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await ensureIgnored(dirname(file));
  const text = [
    "# Secrets of the local environment, written by `slipway init` with random values for this",
    "# machine only (never use them elsewhere). Replace a value with a real one where the app needs it",
    "# (an API key, a mail password); keep this file private (chmod 600) and out of version control.",
    ...names.map((name) => `${name}=${randomBytes(24).toString("base64url")}`),
    "",
  ].join("\n");
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(tmp, 0o600);
    await link(tmp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Written by someone else meanwhile: theirs stays.
    await rm(tmp, { force: true });
    return writeLocalSecretsFile(file, names);
  } finally {
    await rm(tmp, { force: true });
  }
  return { file, created: true, missing: [] };
}

/**
 * `.slipway/.gitignore` ignoring everything, as every local command leaves it: the secrets file
 * is in version control's blind spot before it exists. A `.gitignore` already there is kept when it
 * ignores everything; otherwise `*` is added to it.
 */
async function ensureIgnored(dir: string): Promise<void> {
  const ignore = join(dir, ".gitignore");
  const text = await readTextIfExists(ignore);
  if (text?.split(/\r?\n/).some((line) => line.trim() === "*")) return;
  await writeFileAtomic(ignore, text === undefined ? "*\n" : `${text.replace(/\n?$/, "\n")}*\n`);
}
