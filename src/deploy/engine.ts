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
  /** Aborted when the deploy is interrupted (SIGINT/SIGTERM): long waits and commands should stop early. */
  signal?: AbortSignal | undefined;
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
  /**
   * Drains and stops a release that no longer serves. When `signal` is aborted (the deploy was
   * interrupted after the switch), the drain stops waiting and the release is stopped at once.
   */
  retire(record: ReleaseRecord, reporter: Reporter, signal?: AbortSignal): Promise<void>;
  /** Stops a new release that failed, keeping its logs. */
  abandon(ctx: ReleaseContext, runtime: Record<string, unknown>): Promise<void>;
  /** Deletes the artifacts and logs of pruned releases. */
  prune(revisions: readonly number[]): Promise<void>;
  /**
   * Whether a release still takes traffic (its processes or pods run and the traffic goes to them);
   * after `slipway down` the newest successful release serves nothing. Without it, the newest
   * successful release is taken to serve.
   */
  isServing?(record: ReleaseRecord): Promise<boolean>;
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
  /** Go-live gates a forced production deploy went past: kept in the release record. */
  overriddenGates?: string[] | undefined;
  /**
   * Aborted on SIGINT/SIGTERM, with the signal's name as its reason. Before the switch the deploy rolls
   * back (the previous release keeps serving); after it the new release serves and the drain is cut
   * short. Either way the outcome is recorded and the lock released before deploy() returns.
   */
  signal?: AbortSignal;
}

export interface DeployResult {
  ok: boolean;
  revision: number;
  url: string;
  failure: Failure | undefined;
  /** The revision serving when the deploy ended. */
  serving: number | undefined;
  /** The signal that interrupted the deploy (its name, e.g. SIGINT), when one did. */
  interrupted?: string | undefined;
  /** A rollback: the revision whose release this deploy put back. */
  rollbackOf?: number | undefined;
}

function signalName(signal: AbortSignal | undefined): string {
  return typeof signal?.reason === "string" ? signal.reason : "SIGINT";
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
  const signal = options.signal;
  const interrupted = () => signal?.aborted === true;
  /** The work of a phase that an interruption stopped waiting for: awaited (briefly) before rolling back. */
  let abandonedWork: Promise<unknown> | undefined;
  /**
   * Resolves with `work`, or rejects with an "interrupted" failure as soon as the signal aborts (the
   * work goes on; targets that read ctx.signal stop it themselves).
   */
  const interruptible = <T>(work: Promise<T>): Promise<T> => {
    if (!signal) return work;
    work.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        abandonedWork = work;
        reject(interruption());
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  };
  const interruption = () =>
    new DeployFailure({
      class: "interrupted",
      message: `interrupted by ${signalName(signal)} before traffic moved`,
      evidence: {},
    });

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

  const acquiring = options.lock.acquire(`slipway deploy ${model.name} -e ${model.environment}`, {
    wait: options.waitForLock,
    timeoutMs: options.lockTimeoutMs,
    onWait: (holder) => emit({ type: "waiting", phase: "lock", message: `waiting for pid ${holder.pid} (${holder.command}) to finish` }),
  });
  let lock: Awaited<typeof acquiring>;
  try {
    lock = await timed("lock", () => interruptible(acquiring));
  } catch (error) {
    if (!interrupted()) throw error;
    // Interrupted while waiting: a lock taken after all is given back; nothing had started (revision 0).
    acquiring.then((late) => late.release()).catch(() => undefined);
    const failure = interruption().failure;
    return { ok: false, revision: 0, url: target.url(model), failure, serving: undefined, interrupted: signalName(signal) };
  }
  try {
    if (lock.tookOverFrom) {
      emit({ type: "recovered", revision: 0, action: `took over the lock of pid ${lock.tookOverFrom.pid}, which is gone` });
    }
    await timed("recover", () => target.recover(history, reporter, model));

    const records = await history.list();
    const previous = currentRelease(records);
    const rollbackOf = options.rollbackTo === undefined ? undefined : records.find((r) => r.revision === options.rollbackTo);
    const revision = await history.nextRevision();
    const ctx: ReleaseContext = { model, revision, previous, rollbackOf, reporter, signal };
    const rolledBackFrom = rollbackOf ? { rollbackOf: rollbackOf.revision } : {};
    emit({ type: "deploy-started", app: model.name, environment: model.environment, revision, target: target.name, ...rolledBackFrom });

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
      ...(options.overriddenGates?.length ? { overriddenGates: [...options.overriddenGates] } : {}),
    };
    // Written before anything starts, so a killed deploy is found and resolved by the next one.
    await history.put(record);

    let runtime: Record<string, unknown> | undefined;
    let switched = false;
    try {
      if (interrupted()) throw interruption();
      record.artifact = await timed("prepare", () => interruptible(target.prepare(ctx)));
      await history.put(record);
      const setup = model.release.setup;
      await timed("setup", () =>
        interruptible(
          (async () => {
            const { firstTime } = await target.ensureDatabase(ctx);
            // release.setup (e.g. db:create) runs once per environment: on the first deploy.
            if (setup && (firstTime || previous === undefined) && !rollbackOf) await target.runCommand(ctx, "setup", setup);
          })(),
        ),
      );
      const migrate = model.release.migrate;
      if (migrate && !rollbackOf)
        await timed("migrate", () => interruptible(target.runCommand(ctx, "migrate", migrate)), migrate.join(" "));
      else
        emit({
          type: "phase-skipped",
          phase: "migrate",
          reason: rollbackOf ? "rollback: migrations only move forward" : "no release.migrate",
        });

      if (interrupted()) throw interruption();
      // Not interruptible: starting N processes is quick, and their pids must reach the record.
      runtime = await timed("start", () => target.start(ctx));
      record.runtime = runtime;
      await history.put(record);
      if (interrupted()) throw interruption();
      await timed("health", () => interruptible(target.healthGate(ctx, runtime as Record<string, unknown>)));
      if (interrupted()) throw interruption();
      await timed("switch", () => target.switchTo(ctx, runtime as Record<string, unknown>));
      switched = true;
      record.outcome = "succeeded";
      record.finishedAt = now().toISOString();
      await timed("record", () => history.put(record));
      // From here on the new release serves: an interruption cuts the drain short, never undoes it.
      if (previous) await timed("drain", () => target.retire(previous, reporter, signal));
      const url = target.url(model);
      if (interrupted()) {
        phases.push({ phase: "prune", durationMs: 0, outcome: "skipped" });
        emit({ type: "phase-skipped", phase: "prune", reason: `interrupted by ${signalName(signal)}; the next deploy prunes` });
        emit({ type: "deployed", revision, url, durationMs: Date.now() - started, ...rolledBackFrom });
        return { ok: true, revision, url, failure: undefined, serving: revision, interrupted: signalName(signal), ...rolledBackFrom };
      }
      await timed("prune", async () => {
        // The release just switched to (and the one whose artifact it re-deployed) stay whatever
        // keepReleases says; revisionsToPrune also spares what serves and treats keep < 1 as 1.
        const spared = new Set([revision, ...(rollbackOf ? [rollbackOf.revision] : [])]);
        const prune = revisionsToPrune(await history.list(), options.keepReleases).filter((r) => !spared.has(r));
        await target.prune(prune);
        for (const r of prune) await history.remove(r);
      });
      emit({ type: "deployed", revision, url, durationMs: Date.now() - started, ...rolledBackFrom });
      return { ok: true, revision, url, failure: undefined, serving: revision, ...rolledBackFrom };
    } catch (error) {
      const failure: Failure =
        error instanceof DeployFailure
          ? error.failure
          : { class: "prepare-failed", message: error instanceof Error ? error.message : String(error), evidence: {} };
      const phase = phases[phases.length - 1]?.phase ?? "prepare";
      const wasInterrupted = failure.class === "interrupted";
      emit({ type: "failed", phase, failure });
      // What serves after the rollback: the previous release, unless it was not running (after `down`).
      const servingNow = async () =>
        previous && (await (target.isServing?.(previous) ?? Promise.resolve(true)).catch(() => true)) ? previous.revision : undefined;
      let serving: number | undefined;
      // The phase given up on gets a moment to stop what it started (a migration, say) before the rollback.
      if (abandonedWork) await Promise.race([abandonedWork.catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
      if (options.noRollback && !wasInterrupted) {
        phases.push({ phase: "rollback", durationMs: 0, outcome: "skipped" });
        emit({ type: "phase-skipped", phase: "rollback", reason: "--no-rollback: the failed release is left as it is for debugging" });
        serving = await servingNow();
      } else {
        const rollbackStart = Date.now();
        if (switched) await target.switchBack(ctx).catch(() => undefined);
        if (runtime) await target.abandon(ctx, runtime).catch(() => undefined);
        phases.push({ phase: "rollback", durationMs: Date.now() - rollbackStart, outcome: "ok" });
        serving = await servingNow();
        emit({
          type: "rolled-back",
          to: serving,
          message:
            serving !== undefined
              ? `revision ${serving} still serves`
              : previous
                ? `nothing serves now: revision ${previous.revision}, the last successful release, was not running (stopped by slipway down?)`
                : "nothing was serving before; nothing serves now",
        });
      }
      record.outcome = wasInterrupted ? "interrupted" : "failed";
      record.failure = failure;
      record.finishedAt = now().toISOString();
      await history.put(record);
      // Failed releases are pruned like old ones (a run of failed retries must not fill the disk);
      // not after an interruption or --no-rollback, whose release is left as it is. Never this one,
      // what serves, or what it runs from; best effort: the failure is what this deploy reports.
      if (!wasInterrupted && !options.noRollback) {
        const spared = new Set([revision, ...(previous ? [previous.revision] : [])]);
        const prune = revisionsToPrune(await history.list(), options.keepReleases).filter((r) => !spared.has(r));
        await target
          .prune(prune)
          .then(async () => {
            for (const r of prune) await history.remove(r);
          })
          .catch(() => undefined);
      }
      return {
        ok: false,
        revision,
        url: target.url(model),
        failure: redactor ? redactor.deep(failure) : failure,
        serving,
        ...rolledBackFrom,
        ...(wasInterrupted ? { interrupted: signalName(signal) } : {}),
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
