import type { DeployEvent, Reporter } from "../deploy/events.js";
import type { Colors } from "./colors.js";

type Write = { write(chunk: string): unknown };

/** NDJSON: one event per line on stdout; the command prints the final {ok, …} line itself. */
export function jsonReporter(out: Write): Reporter {
  return { emit: (event) => out.write(`${JSON.stringify(event)}\n`) };
}

/** Sectioned progress on stderr with elapsed time; a failure gets one screen of explanation. */
export function humanReporter(err: Write, c: Colors, startedAt = Date.now()): Reporter {
  const elapsed = () => c.dim(`${((Date.now() - startedAt) / 1000).toFixed(1)}s`.padStart(6));
  return {
    emit(event: DeployEvent) {
      switch (event.type) {
        case "deploy-started":
          err.write(
            event.rollbackOf === undefined
              ? `${c.bold(`deploy ${event.app} → ${event.environment}`)} ${c.dim(`(revision ${event.revision}, target ${event.target})`)}\n`
              : `${c.bold(`rollback ${event.app} → ${event.environment} to revision ${event.rollbackOf}`)} ${c.dim(`(as revision ${event.revision}, target ${event.target})`)}\n`,
          );
          break;
        case "phase-started":
          err.write(`${elapsed()} ${c.cyan("▸")} ${event.phase}${event.detail ? c.dim(`: ${event.detail}`) : ""}\n`);
          break;
        case "phase-finished":
          err.write(`${elapsed()} ${c.green("✓")} ${event.phase} ${c.dim(`${event.durationMs} ms`)}\n`);
          break;
        case "phase-skipped":
          err.write(`${elapsed()} ${c.dim(`- ${event.phase}: ${event.reason}`)}\n`);
          break;
        case "waiting":
          err.write(`${elapsed()} ${c.yellow("…")} ${event.message}\n`);
          break;
        case "log":
          err.write(`${c.dim(`       │ ${event.line}`)}\n`);
          break;
        case "recovered":
          err.write(`${elapsed()} ${c.yellow("↺")} recovered: ${event.action}\n`);
          break;
        case "failed": {
          const f = event.failure;
          err.write(`${elapsed()} ${c.red("✗")} ${c.bold(f.message)} ${c.dim(`[${f.class}]`)}\n`);
          const ev = f.evidence;
          if (ev.exitCode !== undefined && ev.exitCode !== null) err.write(`       exit code: ${ev.exitCode}\n`);
          if (ev.signal) err.write(`       signal: ${ev.signal}\n`);
          if (ev.httpStatus !== undefined)
            err.write(`       HTTP status: ${ev.httpStatus}${ev.httpBody ? ` — ${ev.httpBody.slice(0, 200)}` : ""}\n`);
          if (ev.detail) err.write(`       ${ev.detail}\n`);
          if (ev.events && ev.events.length > 0) {
            err.write("       events:\n");
            for (const line of ev.events.slice(-6)) err.write(`${c.dim(`       │ ${line}`)}\n`);
          }
          const tail = ev.logTail?.slice(-12) ?? [];
          // The first error, unless the tail shown below already holds all of it.
          if (ev.firstError && ev.firstError.length > 0 && !containsRun(tail, ev.firstError)) {
            err.write("       first error:\n");
            for (const line of ev.firstError) err.write(`${c.dim(`       │ ${line}`)}\n`);
          }
          if (tail.length > 0) {
            err.write("       last log lines:\n");
            for (const line of tail) err.write(`${c.dim(`       │ ${line}`)}\n`);
          }
          break;
        }
        case "rolled-back":
          err.write(`${elapsed()} ${c.yellow("↩")} rolled back: ${event.message}\n`);
          break;
        case "deployed":
          err.write(
            `${elapsed()} ${c.green(c.bold(event.rollbackOf === undefined ? `✓ revision ${event.revision} is live` : `✓ rolled back to revision ${event.rollbackOf}'s release, live as revision ${event.revision}`))} at ${c.bold(event.url)}\n`,
          );
          break;
        default: {
          const unreachable: never = event;
          return unreachable;
        }
      }
    },
  };
}

/** Whether `run` appears in `lines` as consecutive lines. */
function containsRun(lines: readonly string[], run: readonly string[]): boolean {
  for (let i = 0; i + run.length <= lines.length; i++) if (run.every((line, j) => lines[i + j] === line)) return true;
  return false;
}
