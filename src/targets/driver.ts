/**
 * The seam between the CLI and a deploy target. Each folder under src/targets/ exports one
 * {@link TargetDriver}; the registry (./index.ts) loads it by the environment's target type. The CLI
 * parses flags, asks the driver for a session and renders what the session returns: it knows no
 * target by name. A target's spec fragment (zod schema) and its normalisation stay in src/spec,
 * because the spec layer must not import targets (spec/schema.ts, spec/validate.ts, spec/normalize.ts).
 */

import type { DeployResult, DeployTarget } from "../deploy/engine.js";
import type { Reporter } from "../deploy/events.js";
import type { HistoryStore, ReleaseRecord } from "../deploy/history.js";
import type { DeployLock } from "../deploy/lock.js";
import type { AppModel } from "../model/app-model.js";
import type { InfraOutputs } from "../model/infra-outputs.js";
import type { Redactor } from "../secrets/redact.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../spec/validate.js";

export interface TargetCapabilities {
  /**
   * What `slipway check`, the deploy preflight and `render kubernetes` check and render for an
   * environment of this target: "kubernetes" for the objects `render kubernetes` makes. Absent: the
   * target deploys nothing a check rule applies to (the local target runs a copy of the app's folder).
   */
  readonly renders?: "kubernetes";
  /**
   * Without `renders`: what an environment of this target deploys instead, completing "environment
   * 'X' deploys …" (`slipway check -e X` and the skipped preflight say why nothing is checked).
   */
  readonly deploys?: string;
  /** Whether the target runs the app's container image (the local target runs its folder instead). */
  readonly runsImage: boolean;
  /** `slipway diff`: what a deploy would change. */
  readonly diff: boolean;
  /** `slipway down`: stops what the target started, keeps data and history. */
  readonly down: boolean;
  /** `slipway dev`: the app from its own folder, restarted on change. */
  readonly dev: boolean;
  /** `slipway db backup|restore|drill`: the target runs the database itself (absent: no). */
  readonly db?: boolean;
}

/** Commands that open a session; a driver may build its model differently for each. */
export type TargetCommand = "deploy" | "rollback" | "history" | "status" | "logs" | "exec" | "unlock" | "down" | "dev" | "diff" | "db";

/** What a driver needs from the command that opens it (the CLI passes its own; tests their own). */
export interface DriverContext {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The command's redactor: the session adds every secret value it loads or learns. */
  redactor: Redactor;
  /** Reads and validates another slipway.yaml (the one a rollback's release was deployed with). */
  loadSpec(file: string): Promise<ValidatedSpec>;
  /** A release record the history store skipped (torn, edited): the command reports it once. */
  onInvalidRecord(invalid: { file: string; problem: string }): void;
}

export interface OpenRequest {
  validated: ValidatedSpec;
  env: ResolvedEnvironment;
  /** slipway.yaml, absolute. */
  file: string;
  command: TargetCommand;
  tag?: string | undefined;
  digest?: string | undefined;
  /** The Terraform outputs the model takes (image repository, role ARN, database endpoint), when there are any. */
  infra?: InfraOutputs | undefined;
  /** `--accept-host-key`: the SHA256 fingerprint the user accepted for a server with no pinned key yet (host target). */
  acceptHostKey?: string | undefined;
}

export interface TargetDriver {
  /** The spec's `target.type` this driver serves. */
  readonly type: string;
  readonly capabilities: TargetCapabilities;
  /** Loads what the environment's commands need (model, history store, lock, clients). Close the session when done. */
  open(request: OpenRequest, ctx: DriverContext): Promise<TargetSession>;
}

export interface DeployRequest {
  /** A rollback: the release whose artifact is put back. */
  rollbackOf?: ReleaseRecord | undefined;
  /** How long the health gate (or rollout) may take. */
  healthTimeoutMs?: number | undefined;
  /** Kubernetes: take over fields another field manager owns. */
  forceConflicts?: boolean | undefined;
}

/** The target-specific half of the engine's options; the CLI adds the rest (lock, reporter, spec hash, who). */
export interface DeployPlan {
  model: AppModel;
  target: DeployTarget;
  secrets: ReleaseRecord["secrets"];
  git: ReleaseRecord["git"];
  /** Successful releases kept for rollback when --keep is not given. */
  keepReleases: number;
  /** The hint of a failed deploy's error: what serves now and where to look. */
  failedHint(result: DeployResult): string;
}

/** A colour the CLI may give a piece of text (only when colours are on). */
export type Tone = "bold" | "dim" | "green" | "red" | "yellow";
export type Styled = string | { readonly tone: Tone; readonly text: string };
/** One line of human output, without its newline. */
export type StyledLine = readonly Styled[];

export interface StatusView {
  /** The `result` of `status --json`. */
  result: Record<string, unknown>;
  /** The human view of the same facts. */
  lines: StyledLine[];
}

export interface LogsRequest {
  follow: boolean;
  revision?: number | undefined;
  /** Lines per source at the start. */
  lines: number;
}

export interface LogLine {
  /** Where the line comes from, as the human output prefixes it (`instance-1`, `web-7d9/web`). */
  label: string;
  /** The same, as fields of the line's JSON object (`{source}`, `{pod, container}`). */
  fields: Record<string, string>;
  /** The line, redacted. */
  line: string;
}

export interface LogsSummary {
  /** Fields of the `--json` result before `lines` (environment, revision…). */
  about: Record<string, unknown>;
  /** Fields of the `--json` result after `lines`. */
  extra?: Record<string, unknown>;
  /** Said on stderr without --json (a source without logs, no pods). */
  notes: { label?: string; message: string }[];
}

export interface ExecIO {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  tty: boolean;
}

export interface DiffChange {
  object: string;
  action: "create" | "update" | "unchanged" | "skipped";
  /** Redacted line diff (`+`/`-`/` ` prefixed). */
  diff: string[];
  note?: string;
}

/** What `slipway dev` reports as it goes; the CLI decides how it looks. */
export interface DevIO {
  reporter: Reporter;
  migrateLine(line: string): void;
  started(command: string, url: string): void;
  restarting(file: string): void;
}

/** What `slipway db backup|restore|drill` returns: the `--json` result and its human view. */
export interface DbView {
  result: Record<string, unknown>;
  lines: StyledLine[];
}

/** `slipway db`: logical backups of the environment's database, restores and restore drills. */
export interface DbOperations {
  /** `keep`: the --keep flag; without it, the spec's `database.backups.keep`. */
  backup(request: { keep: number | undefined }): Promise<DbView>;
  /** `from`: a backup file or `latest`; without `yes` the live database is not touched. */
  restore(request: { from: string; yes: boolean; keep: number | undefined }): Promise<DbView>;
  drill(request: { from: string }): Promise<DbView>;
  /** The recorded backups, restores and drills, oldest first (secret-free); `slipway golive` and `runbook` read it. */
  history?(): Promise<{ action: string; ok: boolean; at: string; [key: string]: unknown }[]>;
}

/** An environment opened by its driver. */
export interface TargetSession {
  readonly history: HistoryStore;
  readonly lock: DeployLock;
  /** The engine target and its options for a deploy or rollback (loads the secrets the release gets). */
  deploy(request: DeployRequest): Promise<DeployPlan>;
  /** The release records, newest first, redacted with every secret the target knows. */
  releases(): Promise<ReleaseRecord[]>;
  status(): Promise<StatusView>;
  /** Calls `emit` for each line (redacted); with `follow`, until interrupted. */
  logs(request: LogsRequest, emit: (line: LogLine) => void): Promise<LogsSummary>;
  /** Runs a command where the serving release runs; resolves with its exit code. */
  exec(command: readonly string[], io: ExecIO): Promise<number>;
  diff?(): Promise<{ environment: string; changes: DiffChange[] }>;
  down?(): Promise<{ stopped: string[] }>;
  dev?(request: { port?: number | undefined }, io: DevIO): Promise<number>;
  /** Backups, restores and drills of the environment's database (targets that run it themselves). */
  db?: DbOperations;
  /** Frees clients and connections; safe to call more than once. */
  close(): void;
}
