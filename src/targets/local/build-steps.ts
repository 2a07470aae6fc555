import { DeployFailure } from "../../deploy/engine.js";
import type { Host } from "../../effects/host.js";
import { localHost } from "../../effects/local-host.js";
import type { AppModel } from "../../model/app-model.js";

export interface BuildStepsOptions {
  /** The release's copy of the app. */
  cwd: string;
  /** Appended to, after the prepare command's output. */
  logFile: string;
  baseEnv: Readonly<Record<string, string>>;
  /** How the target turns a command into argv (e.g. `node` → this Node). */
  resolveCommand: (command: readonly string[]) => string[];
  redact: (line: string) => string;
  /** Where the steps run. Default: this machine. */
  host?: Host;
}

/**
 * `app.build.steps` in a release's copy, in order, after its dependencies are installed: what the
 * image build runs, run here because the local target has no image. They get what an image build
 * has, the app's plain env, and nothing of the running release: no secrets, no database, no PORT.
 * They run on every release, even when a later version of prepare reuses installed dependencies,
 * because their output follows the code.
 */
export async function runBuildSteps(model: AppModel, options: BuildStepsOptions): Promise<void> {
  const steps = model.build?.steps ?? [];
  if (steps.length === 0) return;
  const env = {
    ...options.baseEnv,
    ...Object.fromEntries(model.env),
    SLIPWAY_APP: model.name,
    SLIPWAY_ENVIRONMENT: model.environment,
  };
  for (const step of steps) {
    const result = await (options.host ?? localHost).run({
      command: options.resolveCommand(step),
      cwd: options.cwd,
      env,
      logFile: options.logFile,
      timeoutMs: 600_000,
    });
    if (result.exitCode !== 0) {
      throw new DeployFailure({
        class: "prepare-failed",
        message: `build step \`${step.join(" ")}\` exited with ${result.exitCode ?? `signal ${result.signal}`}`,
        evidence: { exitCode: result.exitCode, signal: result.signal, logTail: result.lastLines.map(options.redact) },
      });
    }
  }
}
