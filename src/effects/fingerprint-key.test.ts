import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fingerprintSecrets } from "../secrets/fingerprint.js";
import { localFingerprintKey } from "./fingerprint-key.js";

describe("localFingerprintKey", () => {
  it("creates 32 random bytes, mode 0600, on first need and returns the same key after", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "slipway-fpk-")), "local");
    const key = await localFingerprintKey(dir);
    expect(key.length).toBe(32);
    expect(statSync(join(dir, "fingerprint.key")).mode & 0o777).toBe(0o600);
    expect(await localFingerprintKey(dir)).toEqual(key);
    expect(readdirSync(dir)).toEqual(["fingerprint.key"]);
  });

  it("concurrent creators agree on one key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-fpk-"));
    const keys = await Promise.all(Array.from({ length: 20 }, () => localFingerprintKey(dir)));
    for (const key of keys) expect(key).toEqual(keys[0]);
  });

  it("an empty key file is a clear error, not a silent new key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-fpk-"));
    writeFileSync(join(dir, "fingerprint.key"), "");
    await expect(localFingerprintKey(dir)).rejects.toMatchObject({ code: "SECRETS_UNSAFE" });
  });
});

describe("fingerprintSecrets", () => {
  it("is keyed (another key, another fingerprint), order-independent, and changes with any value", () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    const values = { B: "hunter2", A: "x" };
    expect(fingerprintSecrets(a, values)).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(fingerprintSecrets(a, values)).toBe(fingerprintSecrets(a, { A: "x", B: "hunter2" }));
    expect(fingerprintSecrets(a, values)).not.toBe(fingerprintSecrets(b, values));
    expect(fingerprintSecrets(a, values)).not.toBe(fingerprintSecrets(a, { ...values, B: "hunter3" }));
  });
});
