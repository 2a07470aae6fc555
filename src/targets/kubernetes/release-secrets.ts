/**
 * The Secrets a release reads, before anything reads them: the app's Secret when slipway holds its
 * values, database URLs composed from host and password, and a check that every key the pod
 * templates read exists (waiting a moment for External Secrets to create theirs).
 */
import { DeployFailure, type ReleaseContext } from "../../deploy/engine.js";
import type { PhaseName } from "../../deploy/events.js";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { isKubeError } from "../../effects/kube/kube-error.js";
import type { AppModel } from "../../model/app-model.js";
import { databaseUrl } from "../../render/database-url.js";
import { fingerprintSecrets } from "../../secrets/fingerprint.js";
import { clusterFingerprintKey, secretDataValues } from "./cluster-secrets.js";
import { observe } from "./observe.js";
import { describeMissing, missingSecrets, secretRefs } from "./secret-refs.js";
import type { KubeTargetState } from "./target-state.js";

/** Marks a database Secret whose `url` key slipway composed (and may recompose). */
export const composedUrlAnnotation = "slipway.dev/composed-url";

/** The app's Secret with one key per declared secret name (values base64, never logged). */
export function appSecret(model: AppModel, values: Readonly<Record<string, string>>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: model.secrets.secretName,
      namespace: model.namespace,
      labels: { "app.kubernetes.io/instance": model.name, "app.kubernetes.io/managed-by": "slipway" },
    },
    type: "Opaque",
    data: Object.fromEntries(model.secrets.names.map((name) => [name, Buffer.from(values[name] ?? "", "utf8").toString("base64")])),
  };
}

/** Writes the app's Secret when slipway holds its values (secretSource env or env-file). */
export async function writeAppSecret(state: KubeTargetState, ctx: ReleaseContext, phase: PhaseName): Promise<void> {
  const { api, fieldManager, secretValues } = state.settings;
  const { model, reporter } = ctx;
  if (secretValues === undefined || model.secrets.names.length === 0) return;
  await api.apply(appSecret(model, secretValues), { fieldManager, force: true });
  reporter.emit({
    type: "waiting",
    phase,
    message: `wrote secret/${model.secrets.secretName} (${model.secrets.names.length} keys, values not shown)`,
  });
}

/**
 * DATABASE_URL reaches pods from the database Secret's `url` key. A team's Secret holds `host` and
 * `password`; slipway composes `url` from them (password percent-encoded) and writes that one key,
 * marked as composed, so a later deploy recomposes it after a password change. A `url` the team
 * wrote itself (no mark) is left alone. External Secrets sources compose it in their template.
 */
export async function composeDatabaseUrls(
  state: KubeTargetState,
  ctx: ReleaseContext,
  setupRuns: boolean,
  phase: PhaseName,
): Promise<void> {
  const { api, fieldManager } = state.settings;
  const { model, reporter } = ctx;
  const db = model.database;
  if (db === undefined || model.secrets.source.kind === "aws-secrets-manager") return;
  const read = async (name: string): Promise<KubeObject | undefined> => {
    try {
      return await api.get("v1", "Secret", model.namespace, name);
    } catch (error) {
      // Unreadable Secrets are verifySecrets' to report.
      if (isKubeError(error) && error.code === "KUBE_FORBIDDEN") return undefined;
      throw error;
    }
  };
  const value = (secret: KubeObject | undefined, key: string): string | undefined => {
    const encoded = (secret?.data as Record<string, string> | undefined)?.[key];
    return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8");
  };
  const appSecretObject = await read(db.secretName);
  // The host from the Terraform outputs when the model has it, else the Secret's.
  const host = db.host ?? value(appSecretObject, "host");
  if (host === undefined) return;
  const wanted = [{ name: db.secretName, user: db.user, secret: appSecretObject }];
  if (setupRuns) wanted.push({ name: db.adminSecretName, user: db.adminUser, secret: await read(db.adminSecretName) });
  for (const { name, user, secret } of wanted) {
    const password = value(secret, "password");
    if (secret === undefined || password === undefined) continue;
    const existing = value(secret, "url");
    if (existing !== undefined && secret.metadata.annotations?.[composedUrlAnnotation] === undefined) continue;
    const url = databaseUrl({ scheme: db.urlScheme, user, password, host, port: db.port, name: db.name });
    state.redactor.add([url]);
    if (existing === url) continue;
    try {
      await api.apply(
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name, namespace: model.namespace, annotations: { [composedUrlAnnotation]: "from host and password" } },
          data: { url: Buffer.from(url, "utf8").toString("base64") },
        },
        { fieldManager, force: true },
      );
    } catch (error) {
      if (isKubeError(error) && error.code === "KUBE_FORBIDDEN") continue;
      throw error;
    }
    reporter.emit({
      type: "waiting",
      phase,
      message: `wrote key url of secret/${name} (DATABASE_URL composed from its host and password, values not shown)`,
    });
  }
}

/**
 * Every Secret key the objects' pod templates read must exist: a missing one fails the deploy here,
 * naming it, instead of a pod stuck in CreateContainerConfigError. The values read are added to the
 * redactor and each Secret's keyed fingerprint to the state, for the release record.
 */
export async function verifySecrets(
  state: KubeTargetState,
  ctx: ReleaseContext,
  objects: readonly KubeObject[],
  phase: PhaseName,
): Promise<void> {
  const { api, fieldManager } = state.settings;
  const externalSecretsMs = state.settings.externalSecretsMs;
  const { model, reporter } = ctx;
  const refs = secretRefs(objects);
  if (refs.length === 0) return;
  // Secrets an ExternalSecret of this release creates may take a moment to appear.
  const external = new Set(objects.filter((o) => o.kind === "ExternalSecret").map((o) => o.metadata.name));
  const externalInstalled = external.size > 0 && (await api.discover("external-secrets.io/v1", "ExternalSecret")) !== undefined;
  const unreadable = new Set<string>();
  const look = async () => {
    const existing = new Map<string, Set<string> | undefined>();
    for (const ref of refs) {
      if (unreadable.has(ref.name)) continue;
      let secret: KubeObject | undefined;
      try {
        secret = await api.get("v1", "Secret", model.namespace, ref.name);
      } catch (error) {
        // A deployer allowed to run pods but not to read Secrets: deploy anyway, unchecked, and say so.
        if (!isKubeError(error) || error.code !== "KUBE_FORBIDDEN") throw error;
        unreadable.add(ref.name);
        reporter.emit({
          type: "waiting",
          phase,
          message: `cannot read secret/${ref.name} (forbidden): its keys are not checked before rollout, and its values cannot be redacted from logs`,
        });
        continue;
      }
      const data = { ...((secret?.data ?? {}) as Record<string, string>) };
      existing.set(ref.name, secret === undefined ? undefined : new Set(Object.keys(data)));
      state.redactor.add(secretDataValues(data));
      if (secret !== undefined) {
        state.fingerprintKey ??= clusterFingerprintKey(
          api,
          { namespace: model.namespace, app: model.name, environment: model.environment, fieldManager },
          { create: true },
        );
        const key = await state.fingerprintKey;
        if (key !== undefined) state.secretDigests.set(ref.name, fingerprintSecrets(key, data));
      }
    }
    return missingSecrets(
      refs.filter((r) => !unreadable.has(r.name)),
      existing,
    );
  };
  let missing = await look();
  if (missing.length > 0 && externalInstalled && missing.every((m) => external.has(m.name))) {
    const verdict = await observe(
      state,
      phase,
      reporter,
      externalSecretsMs,
      async () => {
        missing = await look();
        return missing.length === 0
          ? { done: true, ok: true, reason: "secrets present", evidence: {} }
          : {
              done: false,
              ok: false,
              reason: `waiting for External Secrets to create ${missing.map((m) => `secret/${m.name}`).join(", ")}`,
              evidence: {},
            };
      },
      [{ apiVersion: "v1", kind: "Secret", namespace: model.namespace, labelSelector: "" }],
    );
    if (verdict?.ok) return;
  }
  if (missing.length === 0) return;
  // slipway composes a database Secret's url itself once host and password are there.
  const databaseSecrets = new Set([model.database?.secretName, model.database?.adminSecretName]);
  const composes = (name: string) => databaseSecrets.has(name) && model.secrets.source.kind !== "aws-secrets-manager";
  const create = missing
    .map(
      (m) =>
        `kubectl -n ${model.namespace} create secret generic ${m.name} ${(m.missingKeys ?? refs.find((r) => r.name === m.name)?.keys ?? [])
          .filter((k) => k !== "url" || !composes(m.name))
          .map((k) => `--from-literal=${k}=…`)
          .join(" ")}`,
    )
    .join("; ");
  const fromExternal = missing.filter((m) => external.has(m.name)).map((m) => `secret/${m.name}`);
  const detail =
    fromExternal.length > 0
      ? externalInstalled
        ? `External Secrets did not create ${fromExternal.join(", ")} within ${externalSecretsMs / 1000} s: see \`kubectl -n ${model.namespace} describe externalsecret\` (store, remote keys, IAM).`
        : `External Secrets is not installed in this cluster (no external-secrets.io/v1 ExternalSecret), so nothing creates ${fromExternal.join(", ")}. Install it, or create ${fromExternal.length > 1 ? "them" : "it"} yourself: ${create}`
      : `Nothing was changed for the workload. Create ${missing.length > 1 ? "them" : "it"} (or fix secretSource), then deploy again: ${create}${
          model.database !== undefined &&
          missing.some((m) => m.name === model.database?.secretName || m.name === model.database?.adminSecretName)
            ? `. A database Secret needs ${model.database.host === undefined ? "host and password" : "password (the host is the Terraform output database_endpoint)"} (the admin one: password); slipway adds url, the composed DATABASE_URL, itself: see docs/app-contract.md`
            : ""
        }`;
  throw new DeployFailure({
    class: "config-error",
    message: `deploy ${model.environment}: ${describeMissing(model.namespace, missing)}`,
    evidence: { detail },
  });
}
