import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { createKubeApi, type HttpKubeApi } from "../../effects/kube/http-kube-api.js";
import { loadKubeconfig } from "../../effects/kube/kubeconfig.js";
import { loadLocalSecrets } from "../../effects/secrets.js";
import type { AppModel } from "../../model/app-model.js";
import { buildModel } from "../../spec/normalize.js";
import { withInfraOutputs } from "../../spec/with-infra-outputs.js";
import type { DriverContext, OpenRequest, TargetCommand, TargetSession } from "../driver.js";
import { kubeHistory } from "./kube-history.js";
import { kubeLock } from "./kube-lock.js";
import { kubernetesTarget } from "./kubernetes-target.js";
import { execKubernetes, logsKubernetes } from "./logs-exec.js";
import { statusKubernetes } from "./status.js";

/** An API client for the model's cluster: `$KUBECONFIG` (first file) or ~/.kube/config, the target's context or the current one. */
export async function kubeApiFor(env: DriverContext["env"], model: AppModel): Promise<HttpKubeApi> {
  // KUBECONFIG may list several files (merged as kubectl does); unset or empty: ~/.kube/config.
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter((p) => p !== "");
  const kubeconfigs = listed.length > 0 ? listed : [join(env.HOME ?? homedir(), ".kube", "config")];
  const context = model.target.type === "kubernetes" ? model.target.context : undefined;
  return createKubeApi(await loadKubeconfig(kubeconfigs, context));
}

/**
 * Commands that render no image reference build the model with a placeholder tag (any will do);
 * deploy and diff use --tag/--digest or the spec's. A rollback renders nothing either: it re-applies
 * the objects the earlier revision applied, with the image reference (tag or digest) it deployed.
 */
const placeholderTags: Partial<Record<TargetCommand, string>> = {
  rollback: "rollback",
  history: "history",
  status: "status",
  unlock: "unlock",
  logs: "inspect",
  exec: "inspect",
};

/** Opens a Kubernetes environment: model, API client, history and lock in the cluster. */
export async function openKubernetesSession(request: OpenRequest, ctx: DriverContext): Promise<TargetSession> {
  const { validated, env, file } = request;
  const placeholder = placeholderTags[request.command];
  const built = buildModel(validated, env, placeholder ? { tag: placeholder } : { tag: request.tag, digest: request.digest });
  const model = request.infra ? withInfraOutputs(built, request.infra) : built;
  const api = await kubeApiFor(ctx.env, model);
  const scope = { api, app: model.name, environment: model.environment, namespace: model.namespace };
  const history = kubeHistory(scope);
  const lock = kubeLock(scope);
  return {
    history,
    lock,
    close: () => api.close(),

    async deploy({ healthTimeoutMs, forceConflicts }) {
      // env / env-file sources: slipway holds the values and writes the app's Secret; other sources keep them in the cluster.
      const source = model.secrets.source.kind;
      const secretValues = source === "env" || source === "env-file" ? await loadLocalSecrets(model, dirname(file), ctx.env) : undefined;
      const redactor = ctx.redactor.add(Object.values(secretValues ?? {}));
      const environment = model.environment;
      return {
        model,
        target: kubernetesTarget({
          api,
          history,
          forceConflicts: forceConflicts === true,
          ...(secretValues ? { secretValues } : {}),
          redactor,
          ...(healthTimeoutMs ? { timeouts: { rolloutMs: healthTimeoutMs } } : {}),
        }),
        // The record keeps the names; the keyed fingerprint of each Secret the pods read (the app's
        // included) is in runtime.secrets, computed once the namespace and its fingerprint key exist.
        secrets: { names: [...model.secrets.names].sort() },
        git: undefined,
        keepReleases: 10,
        failedHint: (result) =>
          result.serving !== undefined
            ? `Revision ${result.serving} was put back. Details: slipway history -e ${environment}.`
            : "Nothing was serving before this deploy, and nothing of the failed release is left running.",
      };
    },

    releases: async () => (await history.list()).sort((a, b) => b.revision - a.revision),
    status: () => statusKubernetes({ api, model, history, lock }),
    logs: (req, emit) => logsKubernetes({ api, model, history }, req, emit, ctx.redactor),
    exec: (command, io) => execKubernetes({ api, model }, command, io),
    // The renderer and the line diff load only for a diff.
    diff: async () => (await import("./diff.js")).diffKubernetes({ api, model }, ctx.redactor),
  };
}
