import { SlipwayError } from "../../errors/slipway-error.js";
/**
 * Errors of the Kubernetes client effect. Each carries a stable code (proposed for
 * src/errors/codes.ts; until they are added there this is a separate class with the same shape as
 * SlipwayError: code, message, hint, cause).
 */
export const kubeErrorCodes = {
  KUBECONFIG_NOT_FOUND: "The kubeconfig file does not exist or cannot be read.",
  KUBECONFIG_INVALID: "The kubeconfig is not valid YAML or lacks a cluster, user or context it refers to.",
  KUBECONFIG_CONTEXT_NOT_FOUND: "The kubeconfig has no context of the requested name (or no current-context).",
  KUBECONFIG_AUTH_UNSUPPORTED:
    "The kubeconfig user authenticates with an auth-provider plugin (removed from kubectl) or an exec plugin that needs a terminal.",
  KUBECONFIG_EXEC_FAILED: "The kubeconfig's exec credential plugin is missing, failed, or printed no usable ExecCredential.",
  KUBE_UNREACHABLE: "The Kubernetes API server could not be reached (connection, TLS or timeout).",
  KUBE_UNAUTHORIZED: "The API server rejected the credentials (401).",
  KUBE_FORBIDDEN: "The API server denied the request (403, RBAC or admission).",
  KUBE_NOT_FOUND: "The object or API path does not exist (404).",
  KUBE_APPLY_CONFLICT: "Server-side apply conflicts with fields owned by another field manager.",
  KUBE_CONFLICT: "The request conflicts with the object's current state (409).",
  KUBE_INVALID: "The API server rejected the object as invalid (400/422).",
  KUBE_KIND_NOT_INSTALLED: "The API server does not serve this apiVersion and kind (e.g. a CRD that is not installed).",
  KUBE_WATCH_EXPIRED: "The watch's resourceVersion is too old (410 Gone); list again and watch from the new version.",
  KUBE_LOGS_UNAVAILABLE: "The API server could not fetch the container's logs from its node.",
  KUBE_EXEC_FAILED: "A command could not be run in a container (refused, not startable, or the exec stream broke).",
  KUBE_REQUEST_FAILED: "Any other failed request to the API server.",
} as const satisfies Record<string, string>;

export type KubeErrorCode = keyof typeof kubeErrorCodes;

export interface KubeErrorOptions {
  hint?: string;
  cause?: unknown;
  /** HTTP status of the API server's answer, when there was one. */
  status?: number;
  /** `reason` of the API server's Status object (e.g. `Conflict`, `NotFound`, `Invalid`). */
  reason?: string;
}

/** A SlipwayError from the Kubernetes client, with the API server's HTTP status and reason. */
export class KubeError extends SlipwayError {
  declare readonly code: KubeErrorCode;
  readonly status: number | undefined;
  readonly reason: string | undefined;

  constructor(code: KubeErrorCode, message: string, options: KubeErrorOptions = {}) {
    super(code, message, {
      ...(options.hint ? { hint: options.hint } : {}),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = "KubeError";
    this.status = options.status;
    this.reason = options.reason;
  }
}

/** One field another manager owns, as reported in a 409 of server-side apply. */
export interface FieldConflict {
  /** The other field manager, e.g. `kubectl-edit` or `helm`. */
  manager: string;
  /** The field path in the API server's notation, e.g. `.data.key` or `.spec.replicas`. */
  field: string;
  /** The API server's message for this field. */
  message: string;
}

/** Server-side apply was refused because other managers own fields slipway sets (retry with force to take them over). */
export class KubeApplyConflictError extends KubeError {
  readonly conflicts: readonly FieldConflict[];

  constructor(message: string, conflicts: readonly FieldConflict[], options: KubeErrorOptions = {}) {
    super("KUBE_APPLY_CONFLICT", message, {
      hint: "Another tool manages these fields; pass --force-conflicts to take them over.",
      ...options,
    });
    this.name = "KubeApplyConflictError";
    this.conflicts = conflicts;
  }

  /** The distinct other field managers, in the order the API server named them. */
  get managers(): readonly string[] {
    return [...new Set(this.conflicts.map((c) => c.manager))];
  }
}

export function isKubeError(value: unknown): value is KubeError {
  return value instanceof KubeError;
}
