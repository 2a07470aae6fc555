import { describe, expect, it } from "vitest";
import { KubeApplyConflictError } from "./kube-error.js";
import { statusError } from "./status-error.js";

const status = (code: number, reason: string, message: string, causes?: unknown[]) =>
  JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message,
    reason,
    code,
    ...(causes ? { details: { causes } } : {}),
  });

describe("statusError", () => {
  it("turns a server-side apply 409 into a conflict naming every manager and field", () => {
    const body = status(
      409,
      "Conflict",
      'Apply failed with 2 conflicts: conflict with "helm": .data.a\nconflict with "kubectl-edit" using v1: .data.b',
      [
        { reason: "FieldManagerConflict", message: 'conflict with "helm"', field: ".data.a" },
        { reason: "FieldManagerConflict", message: 'conflict with "kubectl-edit" using v1', field: ".data.b" },
        { reason: "FieldManagerConflict", message: 'conflict with "helm" with subresource "status" using apps/v1', field: ".status.x" },
      ],
    );
    const error = statusError("apply configmap/web in namespace prod", 409, body);
    expect(error).toBeInstanceOf(KubeApplyConflictError);
    const conflict = error as KubeApplyConflictError;
    expect(conflict.code).toBe("KUBE_APPLY_CONFLICT");
    expect(conflict.managers).toEqual(["helm", "kubectl-edit"]);
    expect(conflict.conflicts.map((c) => `${c.manager} ${c.field}`)).toEqual(["helm .data.a", "kubectl-edit .data.b", "helm .status.x"]);
    expect(conflict.message).toBe("apply configmap/web in namespace prod: fields owned by helm, kubectl-edit: .data.a, .data.b, .status.x");
  });

  it.each([
    [400, "BadRequest", "KUBE_INVALID"],
    [401, "Unauthorized", "KUBE_UNAUTHORIZED"],
    [403, "Forbidden", "KUBE_FORBIDDEN"],
    [404, "NotFound", "KUBE_NOT_FOUND"],
    [409, "AlreadyExists", "KUBE_CONFLICT"],
    [410, "Expired", "KUBE_WATCH_EXPIRED"],
    [422, "Invalid", "KUBE_INVALID"],
    [500, "InternalError", "KUBE_REQUEST_FAILED"],
  ])("maps HTTP %i (%s) to %s with the server's message", (code, reason, expected) => {
    const error = statusError("get x", code, status(code, reason, "the server says no"));
    expect(error.code).toBe(expected);
    expect(error.status).toBe(code);
    expect(error.reason).toBe(reason);
    expect(error.message).toBe("get x: the server says no");
  });

  it("keeps a non-JSON body as the message", () => {
    const error = statusError("get x", 502, "Bad Gateway\n");
    expect(error.code).toBe("KUBE_REQUEST_FAILED");
    expect(error.message).toBe("get x: Bad Gateway");
  });
});
