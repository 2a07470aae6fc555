import { describe, expect, it } from "vitest";
import { backupS3Error } from "./backup-s3.js";

describe("S3 failures of a backup copy as DB_S3_FAILED", () => {
  const sdkError = (name: string, message: string, status?: number) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

  it("says the local backup is kept and names what to fix", () => {
    const missing = backupS3Error(
      sdkError("NoSuchBucket", "The specified bucket does not exist", 404),
      "copy x.sql to s3://b/x.sql",
      "/w/x.sql",
    );
    expect(missing.code).toBe("DB_S3_FAILED");
    expect(missing.message).toBe(
      "could not copy x.sql to s3://b/x.sql (NoSuchBucket): The specified bucket does not exist (the backup is kept locally: /w/x.sql)",
    );
    expect(missing.hint).toMatch(/Create the bucket first/);
    expect(backupS3Error(sdkError("AccessDenied", "Access Denied", 403), "list").hint).toMatch(
      /s3:PutObject, s3:GetObject and s3:ListBucket/,
    );
    expect(backupS3Error(sdkError("CredentialsProviderError", "Could not load credentials from any providers"), "list").hint).toMatch(
      /AWS_PROFILE/,
    );
    expect(backupS3Error(new Error("Region is missing"), "list").hint).toMatch(/database\.backups\.s3\.region/);
    expect(
      backupS3Error(sdkError("BadDigest", "The SHA256 you specified did not match the calculated checksum.", 400), "copy").hint,
    ).toMatch(/run `slipway db backup` again/);
    expect(backupS3Error(sdkError("InternalError", "boom", 500), "list").hint).toMatch(/AWS_ENDPOINT_URL_S3/);
  });
});
