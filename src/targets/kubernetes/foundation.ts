/**
 * What a release needs in place before anything of it runs: its namespace, service account,
 * config and ExternalSecrets, then its Secrets (release-secrets.ts). The namespace itself, the
 * history and the lease exist before that (ensure-namespace.ts, kube-history.ts, kube-lock.ts).
 */
import type { ReleaseContext } from "../../deploy/engine.js";
import type { PhaseName } from "../../deploy/events.js";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { phaseLabel } from "../../render/kubernetes/render-kubernetes.js";
import { applyAll, applyOrder, FOUNDATION_RANK } from "./apply.js";
import { composeDatabaseUrls, verifySecrets, writeAppSecret } from "./release-secrets.js";
import { type KubeTargetState, objectsOf } from "./target-state.js";

/**
 * Before anything reads them: the namespace, service account, config and ExternalSecrets; the
 * app's Secret when slipway holds its values; then every Secret key the pod templates read must
 * exist. Once per revision.
 */
export async function ensureFoundation(state: KubeTargetState, ctx: ReleaseContext, phase: PhaseName): Promise<void> {
  if (state.foundationApplied.has(ctx.revision)) return;
  const { model, reporter } = ctx;
  const objects = objectsOf(state, ctx);
  await applyAll(state, model.environment, applyOrder(objects, FOUNDATION_RANK), phase, reporter, state.settings.forceConflicts);
  await writeAppSecret(state, ctx, phase);
  // The setup Job runs on the first deploy only: later deploys do not need the admin Secret.
  const runs = (o: KubeObject) => o.kind !== "Job" || o.metadata.labels?.[phaseLabel] !== "setup" || ctx.previous === undefined;
  await composeDatabaseUrls(
    state,
    ctx,
    objects.some((o) => o.kind === "Job" && o.metadata.labels?.[phaseLabel] === "setup" && runs(o)),
    phase,
  );
  await verifySecrets(state, ctx, objects.filter(runs), phase);
  state.foundationApplied.add(ctx.revision);
}

/**
 * The engine does not call abandon when a release Job fails (nothing was started), but the Job
 * needed this release's config applied: put the previous release's back.
 */
export async function restoreFoundation(state: KubeTargetState, ctx: ReleaseContext): Promise<void> {
  if (ctx.previous === undefined) return;
  const objects = await state.settings.history.objects(ctx.previous.revision);
  if (objects === undefined) return;
  await applyAll(state, ctx.model.environment, applyOrder(objects, FOUNDATION_RANK), "rollback", ctx.reporter, true);
}
