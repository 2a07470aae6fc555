import { describe, expect, it } from "vitest";
import { useraddCommand } from "./system-users.js";

describe("useraddCommand", () => {
  it("makes a system account with its own group, no home and no login shell", () => {
    expect(useraddCommand("postgres").join(" ")).toBe(
      "useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres",
    );
  });
});
