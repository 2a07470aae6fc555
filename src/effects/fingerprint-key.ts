import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SlipwayError } from "../errors/slipway-error.js";

/** Bytes of a fingerprint key (the HMAC-SHA256 block is 64; 32 random bytes are plenty). */
const KEY_BYTES = 32;

/**
 * The environment's fingerprint key, `.slipway/<env>/fingerprint.key` beside the secrets (mode
 * 0600), created with random bytes on first need. Created whole before it appears (written to a
 * temp file, then hard-linked into place, which fails if another process got there first), so a
 * concurrent reader never sees a partial key and two creators agree on one.
 */
export async function localFingerprintKey(stateDir: string): Promise<Buffer> {
  const file = join(stateDir, "fingerprint.key");
  const existing = await readKey(file);
  if (existing) return existing;
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, randomBytes(KEY_BYTES), { mode: 0o600, flag: "wx" });
  try {
    await link(tmp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await rm(tmp, { force: true });
  }
  const key = await readKey(file);
  if (!key)
    throw new SlipwayError("SECRETS_UNSAFE", `${file} is empty: it should hold the environment's secret fingerprint key`, {
      hint: `Delete it (rm ${file}); the next command creates a new key, and fingerprints recorded before then no longer compare.`,
    });
  return key;
}

async function readKey(file: string): Promise<Buffer | undefined> {
  try {
    const key = await readFile(file);
    return key.length > 0 ? key : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
