/*
 * What the local target runs, as data: argv arrays built by pure functions and compared in unit
 * tests (commands.test.ts); the host runs them. Nothing here reads the machine.
 */
import type { AppModel } from "../../model/app-model.js";

/** `node` means the Node that runs slipway (`nodePath`), so versions never drift; other programs are looked up on PATH. */
export function resolveCommand(command: readonly string[], nodePath: string): string[] {
  return command[0] === "node" ? [nodePath, ...command.slice(1)] : [...command];
}

/** The app's own process: `app.command` then `app.args`; undefined when the spec sets no command. */
export function appCommand(model: Pick<AppModel, "command" | "args">): string[] | undefined {
  return model.command ? [...model.command, ...(model.args ?? [])] : undefined;
}

/** The proxy daemon: its entry (the slipway binary's hidden command, or node and its script) and where it serves. */
export function proxyCommand(entry: readonly string[], listen: { stateDir: string; host: string; port: number }): string[] {
  return [...entry, "--state", listen.stateDir, "--host", listen.host, "--port", String(listen.port)];
}

/** `app.build.steps`, in order, as the host runs them. */
export function buildStepCommands(model: Pick<AppModel, "build">, nodePath: string): string[][] {
  return (model.build?.steps ?? []).map((step) => resolveCommand(step, nodePath));
}

/** The variable that names a deploy-started process's release folder (`<stateDir>/releases/<revision>`). */
export const releaseMarker = "SLIPWAY_RELEASE_DIR";
/** What the process is for: `web` (an instance) or the phase (prepare, setup, migrate). */
export const releaseRoleMarker = "SLIPWAY_RELEASE_ROLE";

/**
 * The variables every process a deploy starts (prepare, setup, migrate, instances) carries, so the
 * next deploy finds it even when no record names it (killed between start and record, a record lost).
 */
export function releaseMarkers(releaseDir: string, role: "prepare" | "setup" | "migrate" | "web"): Record<string, string> {
  return { [releaseMarker]: releaseDir, [releaseRoleMarker]: role };
}
