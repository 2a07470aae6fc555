import { describe, expect, it } from "vitest";
import { colorsFor } from "./colors.js";

const plainColors = colorsFor({ isTTY: false }, {});

import { humanReporter } from "./deploy-reporters.js";

function printed(events: Parameters<ReturnType<typeof humanReporter>["emit"]>[0][]): string {
  let out = "";
  const reporter = humanReporter({ write: (chunk: string) => (out += chunk) }, plainColors, Date.now());
  for (const event of events) reporter.emit(event);
  return out;
}

describe("humanReporter", () => {
  it("prints a rollback as a rollback", () => {
    const text = printed([
      { type: "deploy-started", app: "shop", environment: "local", revision: 9, target: "local", rollbackOf: 7 },
      { type: "deployed", revision: 9, url: "http://127.0.0.1:4000/", durationMs: 10, rollbackOf: 7 },
    ]);
    expect(text).toContain("rollback shop → local to revision 7 (as revision 9, target local)");
    expect(text).toContain("✓ rolled back to revision 7's release, live as revision 9");
    expect(text).not.toMatch(/^deploy /m);
  });

  it("prints a deploy as a deploy", () => {
    const text = printed([{ type: "deploy-started", app: "shop", environment: "local", revision: 9, target: "local" }]);
    expect(text).toBe("deploy shop → local (revision 9, target local)\n");
  });

  it("shows a crash's first error above the tail when the tail cut it off", () => {
    const firstError = ["Error: Cannot find module './log'", "    at Object.<anonymous> (/app/main.cjs:1:13)"];
    const tail = Array.from({ length: 14 }, (_, i) => `    at frame${i}`);
    const text = printed([
      { type: "failed", phase: "health", failure: { class: "process-exited", message: "exited", evidence: { firstError, logTail: tail } } },
    ]);
    expect(text).toContain("first error:\n       │ Error: Cannot find module './log'");
    expect(text.indexOf("first error:")).toBeLessThan(text.indexOf("last log lines:"));
    // Already in the tail: printed once.
    const once = printed([
      {
        type: "failed",
        phase: "health",
        failure: { class: "process-exited", message: "exited", evidence: { firstError, logTail: ["boot", ...firstError] } },
      },
    ]);
    expect(once).not.toContain("first error:");
    expect(once.split("Cannot find module").length).toBe(2);
  });
});
