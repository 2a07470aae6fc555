import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../effects/kube/kube-api.js";
import { parseTimeout, timeoutAnnotation, timeoutOf, timeoutProblems } from "./timeouts.js";

describe("parseTimeout", () => {
  it.each([
    ["90s", 90_000],
    ["5m", 300_000],
    ["1h30m", 5_400_000],
    ["2m30s", 150_000],
    ["1h0m5s", 3_605_000],
    ["24h", 86_400_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseTimeout(text)).toBe(ms);
  });

  it.each([
    ["", "not a duration"],
    ["90", "not a duration"],
    ["1.5m", "not a duration"],
    ["90 s", "not a duration"],
    ["30s1m", "not a duration"],
    ["5m5m", "not a duration"],
    ["-5m", "not a duration"],
    ["5M", "not a duration"],
    ["500ms", "not a duration"],
    ["0s", "must be more than 0"],
    ["0h0m0s", "must be more than 0"],
    ["25h", "must be at most 24h"],
    ["1441m", "must be at most 24h"],
  ])("%j is refused: %s", (text, problem) => {
    expect(parseTimeout(text)).toEqual({ problem });
  });
});

const annotated = (kind: string, value: string | undefined): KubeObject => ({
  apiVersion: kind === "Job" ? "batch/v1" : "apps/v1",
  kind,
  metadata: { name: "web", ...(value === undefined ? {} : { annotations: { [timeoutAnnotation]: value } }) },
});

describe("timeoutOf", () => {
  it("the annotation overrides the default; absent or unreadable, the default holds", () => {
    expect(timeoutOf(annotated("Deployment", "90s"), 600_000)).toBe(90_000);
    expect(timeoutOf(annotated("Deployment", undefined), 600_000)).toBe(600_000);
    expect(timeoutOf(annotated("Deployment", "soon"), 600_000)).toBe(600_000);
    expect(timeoutOf(undefined, 600_000)).toBe(600_000);
  });
});

describe("timeoutProblems", () => {
  it("names each Deployment and Job whose annotation does not parse, and how to write it", () => {
    const objects = [
      annotated("Deployment", "soon"),
      annotated("Job", "90s"),
      annotated("Job", "0s"),
      // Only Deployments and Jobs are waited for: the annotation means nothing elsewhere.
      annotated("Service", "soon"),
    ];
    expect(timeoutProblems(objects)).toEqual([
      'deployment/web: annotation slipway.dev/timeout: "soon" not a duration; write a duration like 90s, 5m or 1h30m (at most 24h)',
      'job/web: annotation slipway.dev/timeout: "0s" must be more than 0; write a duration like 90s, 5m or 1h30m (at most 24h)',
    ]);
  });

  it("quotes at most 40 characters of a long value", () => {
    const [problem] = timeoutProblems([annotated("Deployment", "x".repeat(5000))]);
    expect(problem).toContain(`"${"x".repeat(40)}" not a duration`);
    expect(problem?.length).toBeLessThan(200);
  });
});
