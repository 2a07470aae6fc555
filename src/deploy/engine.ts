import type { AppModel } from "../model/app-model.js";
import type { Redactor } from "../secrets/redact.js";
import type { DeployEvent, Failure, PhaseName, Reporter } from "./events.js";
import { currentRelease, type HistoryStore, type ReleaseRecord, revisionsToPrune } from "./history.js";
import type { DeployLock } from "./lock.js";

/** A failure the engine knows how to report and roll back from. */
export class DeployFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = "DeployFailure";
  }
}

/** What a target is asked to deploy: the model plus the identity of this release. */
export interface ReleaseContext {
  model: AppModel;
  revision: number;
  /** The release that serves now (undefined on the first deploy). */
  previous: ReleaseRecord | undefined;
  /** When re-deploying an earlier release's artifact (rollback). */
  rollbackOf: ReleaseRecord | undefined;
  reporter: Reporter;
}

/** What the engine needs from a target (local processes, a host over SSH, a cluster). */
export interface DeployTarget {
  readonly name: string;
  /** Where the app answers once deployed. */
  url(model: AppModel): string;
  /**
   * Resolves releases a killed deploy left behind, so the previous release is what serves again
   * (a cluster target puts back the last good release's objects if a killed deploy had started
   * changing them; the local target never touched what served).
   */
  recover(history: HistoryStore, reporter: Reporter, model: AppModel): Promise<void>;
  /** Builds or snapshots the artifact; returns it for the record. */
  prepare(ctx: ReleaseContext): Promise<ReleaseRecord["artifact"]>;
  /** Makes sure the database server, the database and the app user exist. Returns whether the database was new. */
  ensureDatabase(ctx: ReleaseContext): Promise<{ firstTime: boolean }>;
  /** Runs a release command (setup as the admin user, migrate as the app user) to completion. */
  runCommand(ctx: ReleaseContext, phase: "setup" | "migrate", command: readonly string[]): Promise<void>;
  /** Starts the new release beside the old one; returns facts for the record. */
  start(ctx: ReleaseContext): Promise<Record<string, unknown>>;
  /** Waits until every instance of the new release is healthy, failing fast on a conclusive signal. */
  healthGate(ctx: ReleaseContext, runtime: Record<string, unknown>): Promise<void>;
  /** Moves traffic to the new release. */
  switchTo(ctx: ReleaseContext, runtime: Record<string, unknown>): Promise<void>;
  /** Moves traffic back to the previous release (after a failed switch). */
  switchBack(ctx: ReleaseContext): Promise<void>;
  /** Drains and stops a release that no longer serves. */
  retire(record: ReleaseRecord, reporter: Reporter): Promise<void>;
  /** Stops a new release that failed, keeping its logs. */
  abandon(ctx: ReleaseContext, runtime: Record<string, unknown>): Promise<void>;
  /** Deletes the artifacts and logs of pruned releases. */
  prune(revisions: readonly number[]): Promise<void>;
}

export interface DeployOptions {
  model: AppModel;
  target: DeployTarget;
  history: HistoryStore;
  lock: DeployLock;
  reporter: Reporter;
  specHash: string;
  git: ReleaseRecord["git"];
  who: ReleaseRecord["who"];
  secrets: ReleaseRecord["secrets"];
  /** Re-deploy this revision's artifact instead of preparing a new one. */
  rollbackTo?: number | undefined;
  /** Leave a failed release as it is for debugging (no switch back, no abandon). */
  noRollback?: boolean | undefined;
  waitForLock: boolean;
  lockTimeoutMs: number;
  /** Succeeded releases to keep for rollback; the serving one always stays (below 1 counts as 1). */
  keepReleases: number;
  now?: () => Date;
  /**
   * The secrets of this deploy (targets add the ones they learn on the way): every event and every
   * history record passes through it, whatever the target put in them.
   */
  redactor?: Redactor | undefined;
}

export interface DeployResult {
  ok: boolean;
  revision: number;
  url: string;
  failure: Failure | undefined;
  /** The revision serving when the deploy ended. */
  serving: number | undefined;
}

/**
 * Runs one deploy: lock → recover → prepare → setup (first time) → migrate → start → health →
 * switch → drain the old → record → prune. Any failure stops the new release, leaves (or puts)
 * the previous one serving, records the failure with its evidence, and returns ok: false.
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const { model, target } = options;
  const redactor = options.redactor;
  const reporter: Reporter = redactor ? { emit: (event) => options.reporter.emit(redactor.deep(event)) } : options.reporter;
  const history: HistoryStore = redactor ? redactingHistory(options.history, redactor) : options.history;
  const now = options.now ?? (() => new Date());
  const started = Date.now();
  const phases: ReleaseRecord["phases"] = [];
  const emit = (event: DeployEvent) => reporter.emit(event);

  const timed = async <T>(phase: PhaseName, work: () => Promise<T>, detail?: string): Promise<T> => {
    emit({ type: "phase-started", phase, ...(detail ? { detail } : {}) });
    const t0 = Date.now();
    try {
      const result = await work();
      const durationMs = Date.now() - t0;
      phases.push({ phase, durationMs, outcome: "ok" });
      emit({ type: "phase-finished", phase, durationMs });
      return result;
    } catch (error) {
      phases.push({ phase, durationMs: Date.now() - t0, outcome: "failed" });
      throw error;
    }
  };

  const lock = await timed("lock", () =>
    options.lock.acquire(`slipway deploy ${model.name} -e ${model.environment}`, {
      wait: options.waitForLock,
      timeoutMs: options.lockTimeoutMs,
      onWait: (holder) => emit({ type: "waiting", phase: "lock", message: `waiting for pid ${holder.pid} (${holder.command}) to finish` }),
    }),
  );
  try {
    if (lock.tookOverFrom) {
      emit({ type: "recovered", revision: 0, action: `took over the lock of pid ${lock.tookOverFrom.pid}, which is gone` });
    }
    await timed("recover", () => target.recover(history, reporter, model));

    const records = await history.list();
    const previous = currentRelease(records);
    const rollbackOf = options.rollbackTo === undefined ? undefined : records.find((r) => r.revision === options.rollbackTo);
    const revision = await history.nextRevision();
    const ctx: ReleaseContext = { model, revision, previous, rollbackOf, reporter };
    emit({ type: "deploy-started", app: model.name, environment: model.environment, revision, target: target.name });

    const record: ReleaseRecord = {
      revision,
      app: model.name,
      environment: model.environment,
      target: target.name,
      specHash: options.specHash,
      artifact: rollbackOf?.artifact ?? { kind: "image", ref: model.image.ref },
      git: options.git,
      who: options.who,
      startedAt: now().toISOString(),
      finishedAt: undefined,
      phases,
      outcome: "in-progress",
      rollbackOf: rollbackOf?.revision,
      failure: undefined,
      secrets: options.secrets,
      runtime: {},
    };
    // Written before anything starts, so a killed deploy is found and resolved by the next one.
    await history.put(record);

    let runtime: Record<string, unknown> | undefined;
    let switched = false;
    try {
      record.artifact = await timed("prepare", () => target.prepare(ctx));
      await history.put(record);
      const setup = model.release.setup;
      await timed("setup", async () => {
        const { firstTime } = await target.ensureDatabase(ctx);
        // release.setup (e.g. db:create) runs once per environment: on the first deploy.
        if (setup && (firstTime || previous === undefined) && !rollbackOf) await target.runCommand(ctx, "setup", setup);
      });
      const migrate = model.release.migrate;
      if (migrate && !rollbackOf) await timed("migrate", () => target.runCommand(ctx, "migrate", migrate), migrate.join(" "));
      else
        emit({
          type: "phase-skipped",
          phase: "migrate",
          reason: rollbackOf ? "rollback: migrations only move forward" : "no release.migrate",
        });

      runtime = await timed("start", () => target.start(ctx));
      record.runtime = runtime;
      await history.put(record);
      await timed("health", () => target.healthGate(ctx, runtime as Record<string, unknown>));
      await timed("switch", () => target.switchTo(ctx, runtime as Record<string, unknown>));
      switched = true;
      record.outcome = "succeeded";
      record.finishedAt = now().toISOString();
      await timed("record", () => history.put(record));
      if (previous) await timed("drain", () => target.retire(previous, reporter));
      await timed("prune", async () => {
        // The release just switched to (and the one whose artifact it re-deployed) stay whatever
        // keepReleases says; revisionsToPrune also spares what serves and treats keep < 1 as 1.
        const spared = new Set([revision, ...(rollbackOf ? [rollbackOf.revision] : [])]);
        const prune = revisionsToPrune(await history.list(), options.keepReleases).filter((r) => !spared.has(r));
        await target.prune(prune);
        for (const r of prune) await history.remove(r);
      });
      const url = target.url(model);
      emit({ type: "deployed", revision, url, durationMs: Date.now() - started });
      return { ok: true, revision, url, failure: undefined, serving: revision };
    } catch (error) {
      const failure: Failure =
        error instanceof DeployFailure
          ? error.failure
          : { class: "prepare-failed", message: error instanceof Error ? error.message : String(error), evidence: {} };
      const phase = phases[phases.length - 1]?.phase ?? "prepare";
      emit({ type: "failed", phase, failure });
      if (options.noRollback) {
        phases.push({ phase: "rollback", durationMs: 0, outcome: "skipped" });
        emit({ type: "phase-skipped", phase: "rollback", reason: "--no-rollback: the failed release is left as it is for debugging" });
      } else {
        const rollbackStart = Date.now();
        if (switched) await target.switchBack(ctx).catch(() => undefined);
        if (runtime) await target.abandon(ctx, runtime).catch(() => undefined);
        phases.push({ phase: "rollback", durationMs: Date.now() - rollbackStart, outcome: "ok" });
        emit({
          type: "rolled-back",
          to: previous?.revision,
          message: previous ? `revision ${previous.revision} still serves` : "nothing was serving before; nothing serves now",
        });
      }
      record.outcome = "failed";
      record.failure = failure;
      record.finishedAt = now().toISOString();
      await history.put(record);
      return {
        ok: false,
        revision,
        url: target.url(model),
        failure: redactor ? redactor.deep(failure) : failure,
        serving: previous?.revision,
      };
    }
  } finally {
    await lock.release();
  }
}

/** A history store that writes records with every secret value redacted. */
function redactingHistory(inner: HistoryStore, redactor: Redactor): HistoryStore {
  return { ...inner, put: (record) => inner.put(redactor.deep(record)) };
}
