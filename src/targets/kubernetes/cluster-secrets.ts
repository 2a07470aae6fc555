/**
 * Secret values and fingerprints on the Kubernetes target: the one collector of the values a
 * release's pods read (for redaction), and the environment's fingerprint key.
 *
 * The key lives in a Secret beside the app's (`slipway-<app>-<env>-fingerprint-key`), created by the
 * first deploy that needs it, so only who may read the namespace's Secrets (and so the secrets
 * themselves) can compute or check a fingerprint. Deriving the key from something of the cluster
 * instead (its CA, the namespace's UID) would let anyone who can read that test guesses against
 * the fingerprints in history offline.
 */
import { randomBytes } from "node:crypto";
import type { KubeApi, KubeObject } from "../../effects/kube/kube-api.js";
import { isKubeError } from "../../effects/kube/kube-error.js";
import type { Redactor } from "../../secrets/redact.js";
import { secretRefs } from "./secret-refs.js";

/** The values of a Secret's `data` (base64), decoded: every key, read by the app or not, is a secret. */
export function secretDataValues(data: Readonly<Record<string, string>> | undefined): string[] {
  return Object.values(data ?? {}).map((encoded) => Buffer.from(encoded, "base64").toString("utf8"));
}

/**
 * Adds the values of every Secret the objects' pod templates read to `redactor`. Secrets that are
 * missing or that this user may not read are skipped (their names are returned as unreadable).
 */
export async function collectClusterSecrets(
  api: KubeApi,
  namespace: string,
  objects: readonly KubeObject[],
  redactor: Redactor,
): Promise<{ unreadable: string[] }> {
  const unreadable: string[] = [];
  for (const ref of secretRefs(objects)) {
    try {
      const secret = await api.get("v1", "Secret", namespace, ref.name);
      redactor.add(secretDataValues(secret?.data as Record<string, string> | undefined));
    } catch (error) {
      if (!isKubeError(error) || error.code !== "KUBE_FORBIDDEN") throw error;
      unreadable.push(ref.name);
    }
  }
  return { unreadable };
}

/** `slipway-<app>-<env>-fingerprint-key`. */
export function fingerprintKeyName(app: string, environment: string): string {
  return `slipway-${app}-${environment}-fingerprint-key`;
}

const KEY = "key";

/**
 * The environment's fingerprint key. With `create`, a missing key Secret is created (32 random
 * bytes; only a deploy holding the environment's lock creates it, so two never race); without it,
 * undefined when missing or not readable.
 */
export async function clusterFingerprintKey(
  api: KubeApi,
  scope: { namespace: string; app: string; environment: string; fieldManager: string },
  options: { create: boolean },
): Promise<Buffer | undefined> {
  const name = fingerprintKeyName(scope.app, scope.environment);
  let existing: KubeObject | undefined;
  try {
    existing = await api.get("v1", "Secret", scope.namespace, name);
  } catch (error) {
    if (isKubeError(error) && error.code === "KUBE_FORBIDDEN") return undefined;
    throw error;
  }
  const stored = (existing?.data as Record<string, string> | undefined)?.[KEY];
  if (stored) return Buffer.from(stored, "base64");
  if (!options.create) return undefined;
  const key = randomBytes(32);
  try {
    await api.apply(
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name,
          namespace: scope.namespace,
          labels: { "app.kubernetes.io/instance": scope.app, "app.kubernetes.io/managed-by": "slipway" },
          annotations: { "slipway.dev/purpose": `keys the secret fingerprints in ${scope.environment}'s release history` },
        },
        type: "Opaque",
        data: { [KEY]: key.toString("base64") },
      },
      { fieldManager: scope.fieldManager, force: true },
    );
  } catch (error) {
    // A deployer that may read but not create Secrets records no fingerprints (never a bare hash instead).
    if (isKubeError(error) && error.code === "KUBE_FORBIDDEN") return undefined;
    throw error;
  }
  return key;
}
