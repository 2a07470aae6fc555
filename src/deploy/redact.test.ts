import { describe, expect, it } from "vitest";
import { redactor } from "./redact.js";

describe("redactor", () => {
  it("removes every occurrence of every secret, longest first", () => {
    const redact = redactor(["hunter2-secret", "hunter2-secret-longer"]);
    expect(redact("a hunter2-secret-longer b hunter2-secret c")).toBe("a [redacted] b [redacted] c");
  });
  it("leaves text alone without secrets, and ignores values too short to matter", () => {
    expect(redactor([])("x")).toBe("x");
    expect(redactor(["ab"])("abc")).toBe("abc");
  });
});
