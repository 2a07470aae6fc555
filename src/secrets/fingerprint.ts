import { createHmac } from "node:crypto";

/**
 * Secret fingerprints: HMAC-SHA256 keyed by a per-environment key kept with the secrets, so a
 * record or a diff shows that values changed without letting anyone who reads it test guesses
 * offline (an unsalted hash of a weak secret is found by trying candidates). Pure.
 */
export const FINGERPRINT_PREFIX = "hmac-sha256:";

/** The fingerprint of one value (a Secret's base64 data, a password). */
export function fingerprintValue(key: Uint8Array, value: string | Uint8Array): string {
  return `${FINGERPRINT_PREFIX}${createHmac("sha256", key).update(value).digest("hex")}`;
}

/** The fingerprint of named values together, independent of their order: detects any rotation. */
export function fingerprintSecrets(key: Uint8Array, values: Readonly<Record<string, string>>): string {
  const hmac = createHmac("sha256", key);
  for (const name of Object.keys(values).sort()) hmac.update(`${name}\0${values[name]}\0`);
  return `${FINGERPRINT_PREFIX}${hmac.digest("hex")}`;
}
