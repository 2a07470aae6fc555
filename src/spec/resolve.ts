import { SlipwayError, type SpecLocation } from "../errors/slipway-error.js";
import type { SpecProblem } from "./issues.js";
import { locationOf, type SourceDocument } from "./load.js";
import { isPlainObject, mergeOverlay } from "./merge.js";
import { type RuleInput, specRules } from "./rules/index.js";
import type {
  AppSpec,
  DatabaseSpec,
  InfraSpec,
  IngressSpec,
  LogsSpec,
  MergedSpec,
  SecretSourceSpec,
  SloSpec,
  Spec,
  TargetSpec,
} from "./schema.js";

/*
 * What validation does after the schema: every environment's overlay merged and checked, its
 * target resolved, the cross-field rules. Free of zod: validate.ts runs it with the zod schema,
 * validate-fast.ts with the generated fast parser.
 */

/** One environment with its overlays merged and its target resolved. */
export interface ResolvedEnvironment {
  name: string;
  targetName: string;
  target: ResolvedTarget;
  secretSource: SecretSourceSpec | undefined;
  app: AppSpec;
  database: DatabaseSpec | undefined;
  ingress: IngressSpec | undefined;
  /** AWS infrastructure (`infra` with the environment's overlay), when the spec has it. */
  infra: InfraSpec | undefined;
  /** Service level objectives (`slo` with the environment's overlay), when the spec has them. */
  slo: SloSpec | undefined;
  /** Log shipping (`logs` with the environment's overlay), when the spec has it. */
  logs: LogsSpec | undefined;
  /** `production: true`: deploys run the go-live gates first. */
  production: boolean;
}

export type ResolvedTarget =
  | { type: "kubernetes"; context: string | undefined; namespace: string }
  | { type: "local"; port: number; prepare: string[] | undefined; path: string[]; trustedProxies: string[] }
  | HostTargetSpec;

/** A `type: host` target: one server over SSH. Paths as written (the driver resolves them against slipway.yaml). */
export interface HostTargetSpec {
  type: "host";
  ssh: string;
  identity: string | undefined;
  knownHosts: string | undefined;
  runtime: "podman" | "docker";
  /** How a deploy brings a missing image to the server (auto: copy when this machine has it, else pull). */
  imageTransfer: "auto" | "pull" | "copy";
  port: number;
  /** HTTPS for ingress.host: as written (undefined: acme in a production environment, else off). */
  tls: "acme" | "internal" | "off" | undefined;
  httpsPort: number;
  acmeEmail: string | undefined;
  dir: string;
  /** The database accessory: its image (undefined: the official one of the engine's version). */
  database: { image?: string | undefined };
  /** The proxy container: its image (undefined: Caddy's official image). */
  proxy: { image?: string | undefined };
}

export interface ValidatedSpec {
  file: string;
  /** The parsed source, to place later errors (render, check) at file:line:col. */
  source: SourceDocument;
  spec: Spec;
  environments: Record<string, ResolvedEnvironment>;
}

const builtinTargets = ["kubernetes", "local"] as const;

/** The schema's verdict on one merged environment: its value, or its problems (none when the caller only needs to know it failed). */
export type MergedResult = { data: MergedSpec } | { problems: SpecProblem[] };

/** An environment's merged view, as parsed by the schema. */
export interface MergedInput {
  name: string;
  app: unknown;
  database: unknown;
  ingress: unknown;
  infra: unknown;
  slo: unknown;
  logs: unknown;
}

/**
 * Resolves a schema-valid spec: merges, checks and resolves each environment. Returns the
 * validated spec (valid only when `problems` is empty and nothing `failed`), the problems found,
 * and whether a merged view failed the schema.
 */
export function resolveSpec(
  source: SourceDocument,
  spec: Spec,
  parseMerged: (merged: MergedInput) => MergedResult,
): { value: ValidatedSpec; problems: LocatedProblem[]; failed: boolean } {
  const problems: LocatedProblem[] = [];
  let failed = false;
  const raw = source.data as Record<string, unknown>;
  const environments: Record<string, ResolvedEnvironment> = {};
  problems.push(...lossyEnvValues(source, raw));

  for (const [envName, env] of Object.entries(spec.environments)) {
    const envPath = ["environments", envName];
    const target = resolveTarget(env.target, spec.targets, spec.name);
    if (!target) {
      const known = [...new Set([...Object.keys(spec.targets), ...builtinTargets])];
      problems.push(
        place(
          source,
          {
            code: "SPEC_INVALID_VALUE",
            path: [...envPath, "target"],
            message: `unknown target '${env.target}'`,
            hint: `Use one of: ${known.join(", ")}; or define it under targets: with a type.`,
            at: "value",
          },
          [...envPath, "target"],
        ),
      );
      continue;
    }
    const rawEnv = (raw.environments as Record<string, Record<string, unknown>>)[envName] ?? {};
    const merged = {
      name: spec.name,
      app: mergeOverlay(raw.app, rawEnv.app),
      database: mergeOverlay(raw.database, rawEnv.database),
      ingress: mergeOverlay(raw.ingress, rawEnv.ingress),
      infra: mergeOverlay(raw.infra, rawEnv.infra),
      slo: mergeOverlay(raw.slo, rawEnv.slo),
      logs: mergeOverlay(raw.logs, rawEnv.logs),
    };
    const result = parseMerged(merged);
    if (!("data" in result)) {
      failed = true;
      for (const p of result.problems) problems.push(place(source, p, overlayOrBase(source, envPath, p.path)));
      continue;
    }
    const resolved: ResolvedEnvironment = {
      name: envName,
      targetName: env.target,
      target,
      secretSource: env.secretSource,
      app: result.data.app,
      database: result.data.database,
      ingress: result.data.ingress,
      infra: result.data.infra,
      slo: result.data.slo,
      logs: result.data.logs,
      production: env.production === true,
    };
    const input: RuleInput = {
      name: spec.name,
      app: resolved.app,
      database: resolved.database,
      ingress: resolved.ingress,
      targetType: target.type,
      secretSource: env.secretSource,
      infra: resolved.infra,
      slo: resolved.slo,
      logs: resolved.logs,
    };
    for (const rule of specRules) {
      for (const problem of rule(input)) {
        const rel = problem.path;
        const sourcePath = rel[0] === "secretSource" ? [...envPath, ...rel] : overlayOrBase(source, envPath, rel);
        problems.push(
          place(source, { code: "SPEC_RULE", path: rel, message: problem.message, hint: problem.hint, at: "value" }, sourcePath),
        );
      }
    }
    environments[envName] = resolved;
  }
  return { value: { file: source.file, source, spec, environments }, problems, failed };
}

function resolveTarget(name: string, targets: Record<string, TargetSpec>, appName: string): ResolvedTarget | undefined {
  const declared = targets[name];
  const type: string | undefined = declared?.type ?? (builtinTargets as readonly string[]).find((t) => t === name);
  if (declared === undefined && type === undefined) return undefined;
  if (declared?.type === "host") {
    return {
      type: "host",
      ssh: declared.ssh,
      identity: declared.identity,
      knownHosts: declared.knownHosts,
      runtime: declared.runtime,
      imageTransfer: declared.imageTransfer,
      port: declared.port,
      tls: declared.tls,
      httpsPort: declared.httpsPort,
      acmeEmail: declared.acmeEmail,
      dir: declared.dir,
      database: { image: declared.database.image },
      proxy: { image: declared.proxy.image },
    };
  }
  if (type === "local" || (declared && "trustedProxies" in declared)) {
    const local = declared && "trustedProxies" in declared ? declared : undefined;
    return {
      type: "local",
      port: local?.port ?? 4000,
      prepare: local?.prepare ? [...local.prepare] : undefined,
      path: [...(local?.path ?? [])],
      trustedProxies: [...(local?.trustedProxies ?? [])],
    };
  }
  if (type === "kubernetes" || declared) {
    const k = declared && !("trustedProxies" in declared) ? declared : undefined;
    return { type: "kubernetes", context: k?.context, namespace: k?.namespace ?? appName };
  }
  return undefined;
}

/**
 * Env values are strings. An unquoted `1.10`, `02139`, `0x1F` or `12345678901234567890` is a YAML
 * number whose canonical form ("1.1", "2139", "31", "12345678901234567000") is not what was
 * written; slipway refuses those rather than guess, and asks for quotes. `8080` and `true` pass.
 */
function lossyEnvValues(source: SourceDocument, raw: Record<string, unknown>): LocatedProblem[] {
  const maps: (string | number)[][] = [["app", "env"]];
  const envs = raw.environments;
  if (isPlainObject(envs)) for (const name of Object.keys(envs)) maps.push(["environments", name, "app", "env"]);
  const out: LocatedProblem[] = [];
  for (const mapPath of maps) {
    const values = mapPath.reduce<unknown>((node, key) => (isPlainObject(node) && Object.hasOwn(node, key) ? node[key] : undefined), raw);
    if (!isPlainObject(values)) continue;
    for (const [key, value] of Object.entries(values)) {
      if (typeof value !== "number" && typeof value !== "boolean") continue;
      const path = [...mapPath, key];
      const written = source.scalarSource(path);
      if (written === undefined || written === String(value)) continue;
      out.push(
        place(
          source,
          {
            code: "SPEC_INVALID_VALUE",
            path,
            message: `${written} is read as the ${typeof value} ${String(value)}, not the text ${written}`,
            hint: `Quote it: ${key}: "${written}" (env values are strings; YAML reads unquoted 1.10 as 1.1 and 0x1F as 31).`,
            at: "value",
          },
          path,
        ),
      );
    }
  }
  return out;
}

/** Where an error in the merged view comes from: the overlay when it set that key, else the base. */
function overlayOrBase(source: SourceDocument, envPath: readonly string[], path: readonly (string | number)[]): (string | number)[] {
  const inOverlay = [...envPath, ...path];
  if (source.has(inOverlay)) return inOverlay;
  if (source.has(path)) return [...path];
  // Missing key: point into whichever side holds more of the path.
  const depth = (prefix: readonly (string | number)[]) => {
    let n = 0;
    while (n < path.length && source.has([...prefix, ...path.slice(0, n + 1)])) n++;
    return n;
  };
  return depth(envPath) > 0 && depth(envPath) >= depth([]) ? inOverlay : [...path];
}

export interface LocatedProblem {
  problem: SpecProblem;
  location: SpecLocation;
}

export function place(source: SourceDocument, problem: SpecProblem, sourcePath: (string | number)[]): LocatedProblem {
  const location = locationOf(source, sourcePath, problem.at);
  return { problem, location: { ...location, path: sourcePath } };
}

export function combine(problems: LocatedProblem[]): SlipwayError {
  const seen = new Set<string>();
  const errors: SlipwayError[] = [];
  for (const { problem, location } of problems) {
    const key = `${location.path.join("\u0000")}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(new SlipwayError(problem.code, problem.message, { location, hint: problem.hint }));
  }
  errors.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.col ?? 0) - (b.location?.col ?? 0));
  const [first, ...rest] = errors;
  if (!first) return new SlipwayError("INTERNAL", "validation failed without a problem");
  return new SlipwayError(first.code, first.message, {
    ...(first.location ? { location: first.location } : {}),
    ...(first.hint ? { hint: first.hint } : {}),
    related: rest,
  });
}
