/** Everything the deploy engine reports, as a typed union. The library never prints; reporters do. */

export type { Evidence, Failure, FailureClass, PhaseName } from "../model/release-record.js";

import type { Failure, PhaseName } from "../model/release-record.js";

export type DeployEvent =
  | {
      type: "deploy-started";
      app: string;
      environment: string;
      revision: number;
      target: string;
      /** A rollback: the revision whose release this one puts back. */
      rollbackOf?: number;
    }
  | { type: "phase-started"; phase: PhaseName; detail?: string }
  | { type: "phase-finished"; phase: PhaseName; durationMs: number; detail?: string }
  | { type: "phase-skipped"; phase: PhaseName; reason: string }
  /** A preflight finding that stops the deploy: what `slipway check` reports for it. */
  | { type: "finding"; phase: PhaseName; ruleId: string; severity: string; location: string; message: string }
  | { type: "waiting"; phase: PhaseName; message: string }
  | { type: "log"; phase: PhaseName; stream: "stdout" | "stderr"; line: string }
  | { type: "recovered"; revision: number; action: string }
  | { type: "failed"; phase: PhaseName; failure: Failure }
  | { type: "rolled-back"; to: number | undefined; message: string }
  | { type: "deployed"; revision: number; url: string; durationMs: number; rollbackOf?: number };

export interface Reporter {
  emit(event: DeployEvent): void;
}

/** A reporter that keeps events (tests, and the final JSON result). */
export class CollectingReporter implements Reporter {
  readonly events: DeployEvent[] = [];
  emit(event: DeployEvent): void {
    this.events.push(event);
  }
}
