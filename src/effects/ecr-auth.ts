/*
 * Registry auth for Amazon ECR: a token from `GetAuthorizationToken` (AWS SDK v3, credentials from
 * the SDK's default provider chain: environment, profile, SSO, container and instance metadata;
 * never from slipway's flags), handed to the container runtime on stdin (`login --password-stdin`)
 * into a private temporary auth file that only this build's commands use.
 *
 * Why a temporary auth file rather than the user's own: an ECR password is valid for 12 hours and
 * would otherwise stay in ~/.docker/config.json or Podman's auth.json after slipway exits, replacing
 * whatever login the user had there; the temporary folder (0700) is removed when the build ends, so
 * the user's configuration is never written. The SDK is loaded on first use (dynamic import), so the
 * other commands never load it.
 */
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { SlipwayError } from "../errors/slipway-error.js";
import type { ContainerRuntime } from "./image-commands.js";

/** An ECR registry host, as found in an image reference. */
export interface EcrRegistry {
  /** The host: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`. */
  host: string;
  account: string;
  region: string;
  /** aws, aws-cn or aws-us-gov. */
  partition: "aws" | "aws-cn" | "aws-us-gov";
}

const ecrHost = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(\.cn)?$/;

/**
 * The ECR registry of an image reference (`host/repo[:tag|@digest]`), undefined for any other
 * registry. A host that looks like ECR (`.dkr.ecr.` under amazonaws.com) but has no account or
 * region slipway can read is BUILD_REGISTRY_AUTH: guessing a region would ask the wrong one.
 */
export function ecrRegistryOf(image: string): EcrRegistry | undefined {
  const slash = image.indexOf("/");
  if (slash < 0) return undefined;
  const host = image.slice(0, slash).toLowerCase();
  const m = ecrHost.exec(host);
  if (m) {
    const region = m[2] as string;
    const partition = m[3] ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    if (partition === "aws-cn" && !region.startsWith("cn-")) return undefinedRegion(host);
    return { host, account: m[1] as string, region, partition };
  }
  if (/\.dkr\.ecr[.-]/.test(host) && /\.amazonaws\.com(\.cn)?$/.test(host)) return undefinedRegion(host);
  return undefined;
}

function undefinedRegion(host: string): never {
  throw new SlipwayError(
    "BUILD_REGISTRY_AUTH",
    `image registry ${host} looks like Amazon ECR, but its account and region cannot be read from it`,
    {
      hint: "Write app.image as <12-digit account>.dkr.ecr.<region>.amazonaws.com/<repository> (…amazonaws.com.cn in China).",
    },
  );
}

/** Tokens are taken as expired this long before their expiresAt, so a push never starts on one about to lapse. */
export const expiryMarginMs = 5 * 60_000;

/** Whether a token that expires at `expiresAt` (ms since the epoch) still serves at `now`. */
export function tokenFresh(expiresAt: number, now: number): boolean {
  return Number.isFinite(expiresAt) && expiresAt - expiryMarginMs > now;
}

/** The password in an ECR authorization token (base64 of `AWS:<password>`), or undefined when it is not one. */
export function decodeEcrToken(token: string): { username: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const text = Buffer.from(token, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon <= 0 || colon === text.length - 1) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * Whether the user's runtime configuration already has its own way into `host`: a credential helper
 * for it (`credHelpers`, e.g. amazon-ecr-credential-helper), which slipway then leaves alone.
 */
export function hasCredentialHelper(configText: string | undefined, host: string): boolean {
  if (configText === undefined) return false;
  try {
    const parsed = JSON.parse(configText) as { credHelpers?: Record<string, unknown> };
    const helper = parsed.credHelpers?.[host];
    return typeof helper === "string" && helper !== "";
  } catch {
    return false;
  }
}

/**
 * The login command: the password goes on stdin, never in argv. Podman and Buildah write the
 * login to `--authfile`; Docker to the config folder named by `--config`.
 */
export function loginArgv(runtime: Pick<ContainerRuntime, "kind" | "command">, host: string, authDir: string, username: string): string[] {
  if (runtime.kind === "docker") return [runtime.command, "--config", authDir, "login", "--username", username, "--password-stdin", host];
  return [runtime.command, "login", "--authfile", join(authDir, "auth.json"), "--username", username, "--password-stdin", host];
}

/** A token slipway fetched, kept in memory for this process only. */
interface CachedToken {
  username: string;
  password: string;
  expiresAt: number;
}

const tokens = new Map<string, CachedToken>();

type Env = Readonly<Record<string, string | undefined>>;

/** The user's runtime configuration files that may name a credential helper. */
async function userConfigs(env: Env): Promise<(string | undefined)[]> {
  const home = env.HOME ?? homedir();
  const paths = [
    join(env.DOCKER_CONFIG ?? join(home, ".docker"), "config.json"),
    env.REGISTRY_AUTH_FILE,
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, "containers", "auth.json") : undefined,
    join(env.XDG_CONFIG_HOME ?? join(home, ".config"), "containers", "auth.json"),
  ];
  return Promise.all(paths.map((p) => (p === undefined ? undefined : readFile(p, "utf8").catch(() => undefined))));
}

/**
 * An ECR token for `registry`: the one this process already holds while it is fresh, else a new one
 * from GetAuthorizationToken. `learn` receives the secret forms (token and password) before anything
 * can print them. Errors are BUILD_REGISTRY_AUTH with what to do.
 */
export async function ecrToken(registry: EcrRegistry, learn: (secrets: string[]) => void, now = Date.now()): Promise<CachedToken> {
  const cached = tokens.get(registry.host);
  if (cached && tokenFresh(cached.expiresAt, now)) return cached;
  let data: { authorizationToken?: string | undefined; expiresAt?: Date | undefined } | undefined;
  try {
    // The bundle holds the SDK's CommonJS build: its exports arrive as the namespace's default.
    const loaded: typeof import("@aws-sdk/client-ecr") & { default?: typeof import("@aws-sdk/client-ecr") } = await import(
      "@aws-sdk/client-ecr"
    );
    const { ECRClient, GetAuthorizationTokenCommand } = loaded.ECRClient === undefined && loaded.default ? loaded.default : loaded;
    // The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL, the profile).
    const client = new ECRClient({ region: registry.region, maxAttempts: 2 });
    try {
      const out = await client.send(new GetAuthorizationTokenCommand({}));
      data = out.authorizationData?.[0];
    } finally {
      client.destroy();
    }
  } catch (error) {
    throw awsError(error, registry);
  }
  const decoded = data?.authorizationToken === undefined ? undefined : decodeEcrToken(data.authorizationToken);
  if (data?.authorizationToken !== undefined) learn([data.authorizationToken]);
  if (decoded === undefined) {
    throw new SlipwayError(
      "BUILD_REGISTRY_AUTH",
      `Amazon ECR (${registry.region}) returned no usable authorization token for ${registry.host}`,
      {
        hint: "Check that the AWS endpoint in use is ECR's (AWS_ENDPOINT_URL_ECR, AWS_ENDPOINT_URL).",
      },
    );
  }
  learn([decoded.password]);
  const token = { ...decoded, expiresAt: data?.expiresAt?.getTime() ?? now + 60 * 60_000 };
  tokens.set(registry.host, token);
  return token;
}

/** An SDK failure as BUILD_REGISTRY_AUTH: no credentials, access denied, or the service not reached. */
export function awsError(error: unknown, registry: EcrRegistry): SlipwayError {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message.split("\n")[0]?.slice(0, 300) : String(error);
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message ?? "")) {
    return new SlipwayError("BUILD_REGISTRY_AUTH", `no AWS credentials to log in to Amazon ECR ${registry.host}: ${message}`, {
      hint: "slipway reads the AWS SDK's default credentials: set AWS_PROFILE to a configured profile (and run `aws sso login` for SSO profiles), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where an instance or task role applies.",
    });
  }
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|Forbidden/i.test(`${name} ${message}`)) {
    return new SlipwayError("BUILD_REGISTRY_AUTH", `Amazon ECR refused GetAuthorizationToken for ${registry.host} (${name}): ${message}`, {
      hint: "The AWS identity in use needs ecr:GetAuthorizationToken (and push rights on the repository); `aws sts get-caller-identity` shows which identity that is.",
    });
  }
  return new SlipwayError(
    "BUILD_REGISTRY_AUTH",
    `could not get an Amazon ECR token for ${registry.host} in ${registry.region}${name ? ` (${name})` : ""}: ${message}`,
    {
      hint: "Check the network path to ECR (proxy variables, AWS_ENDPOINT_URL_ECR) and that the region in app.image is right.",
    },
  );
}

/**
 * A private folder (0700) for the temporary login. For Docker, whose build step pushes and so runs
 * with this folder as DOCKER_CONFIG: the user's plugins, contexts and builders are linked in, and
 * their config.json copied (see dockerConfigCopy) so base images still pull with their logins.
 */
export async function temporaryAuthDir(runtime: Pick<ContainerRuntime, "kind">, env: Env, host: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-registry-auth-"));
  await chmod(dir, 0o700);
  if (runtime.kind === "docker") {
    const user = env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), ".docker");
    for (const name of ["cli-plugins", "buildx", "contexts"]) await symlink(join(user, name), join(dir, name)).catch(() => undefined);
    const copy = dockerConfigCopy(await readFile(join(user, "config.json"), "utf8").catch(() => undefined), host);
    await writeFile(join(dir, "config.json"), copy, { mode: 0o600 });
  }
  return dir;
}

/**
 * The user's Docker config.json for the temporary folder: without `credsStore` and without a
 * credential helper for `host`, so `docker login` writes the ECR token into this file (removed
 * afterwards) and never into the user's keychain. Logins kept in the user's own `auths` still work;
 * ones kept only in their credsStore are not seen by this build (the README says so).
 */
export function dockerConfigCopy(text: string | undefined, host: string): string {
  let config: Record<string, unknown> = {};
  try {
    const parsed = text === undefined ? {} : (JSON.parse(text) as unknown);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) config = { ...(parsed as Record<string, unknown>) };
  } catch {
    config = {};
  }
  delete config.credsStore;
  const helpers = config.credHelpers;
  if (helpers !== null && typeof helpers === "object") {
    const rest = { ...(helpers as Record<string, unknown>) };
    delete rest[host];
    config.credHelpers = rest;
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}

export async function removeAuthDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Whether `registry` needs a token from slipway: not when the user's runtime config has a credential helper for it. */
export async function userHasHelper(registry: EcrRegistry, env: Env): Promise<boolean> {
  return (await userConfigs(env)).some((text) => hasCredentialHelper(text, registry.host));
}
