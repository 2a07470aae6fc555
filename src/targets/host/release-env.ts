/**
 * What a release's containers get as their environment on the host target (docs/app-contract.md):
 * the app's plain env, its secrets, the database's DB_* and DATABASE_URL, then slipway's own names,
 * which win. `PORT` and `HOST` (`0.0.0.0`: Caddy reaches the container through its published
 * loopback port) are for web containers only, as release Jobs on Kubernetes and the local target's
 * release commands get neither. Pure: the caller writes it to the 0600 env file.
 */
export type ReleasePhase = "setup" | "migrate" | "web";

export interface ReleaseEnvInput {
  app: string;
  environment: string;
  revision: number;
  /** app.port: what the app listens on inside its container. */
  port: number;
  phase: ReleasePhase;
  plain: readonly (readonly [string, string])[];
  secrets: Readonly<Record<string, string>>;
  database: Readonly<Record<string, string>>;
}

export function releaseEnv(input: ReleaseEnvInput): Record<string, string> {
  return {
    ...Object.fromEntries(input.plain),
    ...input.secrets,
    ...input.database,
    ...(input.phase === "web" ? { PORT: String(input.port), HOST: "0.0.0.0" } : {}),
    SLIPWAY_APP: input.app,
    SLIPWAY_ENVIRONMENT: input.environment,
    SLIPWAY_REVISION: String(input.revision),
  };
}
