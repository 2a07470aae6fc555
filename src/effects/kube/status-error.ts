import { type FieldConflict, KubeApplyConflictError, KubeError, type KubeErrorCode } from "./kube-error.js";

/** The API server's `Status` object (the body of every error answer), as far as slipway reads it. */
interface Status {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  // A cause's type is serialized as `reason`.
  details?: { causes?: { reason?: string; message?: string; field?: string }[] };
}

/**
 * Turns an error answer of the API server into a KubeError. A 409 whose causes are
 * FieldManagerConflict becomes a KubeApplyConflictError naming each other manager and field.
 * `what` prefixes the message (e.g. `apply configmap/web in namespace prod`).
 */
export function statusError(what: string, httpStatus: number, body: string): KubeError {
  const status = parseStatus(body);
  const detail = status?.message ?? (body.trim().slice(0, 500) || `HTTP ${httpStatus}`);
  const reason = status?.reason;
  const options = reason === undefined ? { status: httpStatus } : { status: httpStatus, reason };
  if (httpStatus === 409) {
    const conflicts = fieldConflicts(status);
    if (conflicts.length > 0) {
      const managers = [...new Set(conflicts.map((c) => c.manager))].join(", ");
      const fields = conflicts.map((c) => c.field).join(", ");
      return new KubeApplyConflictError(`${what}: fields owned by ${managers}: ${fields}`, conflicts, options);
    }
  }
  const code = codeFor(httpStatus);
  return new KubeError(code, `${what}: ${detail}`, options);
}

function codeFor(httpStatus: number): KubeErrorCode {
  switch (httpStatus) {
    case 400:
    case 422:
      return "KUBE_INVALID";
    case 401:
      return "KUBE_UNAUTHORIZED";
    case 403:
      return "KUBE_FORBIDDEN";
    case 404:
      return "KUBE_NOT_FOUND";
    case 409:
      return "KUBE_CONFLICT";
    case 410:
      return "KUBE_WATCH_EXPIRED";
    default:
      return "KUBE_REQUEST_FAILED";
  }
}

export function parseStatus(body: string): Status | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === "object" && v !== null ? (v as Status) : undefined;
  } catch {
    return undefined;
  }
}

// The apiserver words each cause `conflict with "<manager>"[ with subresource "<sub>"][ using <apiVersion>]`.
const managerPattern = /conflict with "((?:[^"\\]|\\.)*)"/;

function fieldConflicts(status: Status | undefined): FieldConflict[] {
  const out: FieldConflict[] = [];
  for (const cause of status?.details?.causes ?? []) {
    if (cause.reason !== "FieldManagerConflict") continue;
    const message = cause.message ?? "";
    const manager = managerPattern.exec(message)?.[1] ?? "unknown manager";
    out.push({ manager, field: cause.field ?? "", message });
  }
  return out;
}
