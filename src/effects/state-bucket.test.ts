import { describe, expect, it } from "vitest";
import { policyWithTlsOnly, stateBucketError, tlsOnlySid, tlsOnlyStatement } from "./state-bucket.js";

const request = { bucket: "shop-tfstate-123456789012", region: "eu-west-2" };

describe("the TLS-only bucket policy", () => {
  it("a bucket without a policy gets one statement denying aws:SecureTransport false on the bucket and its objects", () => {
    const policy = JSON.parse(policyWithTlsOnly(undefined, request.bucket, request.region) as string);
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: tlsOnlySid,
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::shop-tfstate-123456789012", "arn:aws:s3:::shop-tfstate-123456789012/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("a team's own statements are kept; a policy that already holds the statement (keys in any order) needs no change", () => {
    const theirs = {
      Sid: "ReadForCi",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:role/ci" },
      Action: "s3:GetObject",
      Resource: "*",
    };
    const merged = policyWithTlsOnly(
      JSON.stringify({ Version: "2012-10-17", Statement: [theirs] }),
      request.bucket,
      request.region,
    ) as string;
    expect(JSON.parse(merged).Statement).toEqual([theirs, tlsOnlyStatement(request.bucket, request.region)]);
    const reordered = JSON.stringify({
      Statement: JSON.parse(merged).Statement.map((s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).reverse())),
      Version: "2012-10-17",
    });
    expect(policyWithTlsOnly(reordered, request.bucket, request.region)).toBeUndefined();
  });

  it("China and GovCloud regions use their own ARN partition", () => {
    expect(tlsOnlyStatement("b", "cn-north-1").Resource).toEqual(["arn:aws-cn:s3:::b", "arn:aws-cn:s3:::b/*"]);
    expect(tlsOnlyStatement("b", "us-gov-west-1").Resource).toEqual(["arn:aws-us-gov:s3:::b", "arn:aws-us-gov:s3:::b/*"]);
  });
});

describe("AWS errors as slipway errors", () => {
  const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

  it.each([
    ["no credentials", sdkError("CredentialsProviderError"), "create bucket b", "INFRA_AWS_AUTH", /AWS_PROFILE/],
    ["access denied", sdkError("AccessDenied", 403), "create bucket b", "INFRA_AWS_AUTH", /s3:CreateBucket/],
    [
      "a 403 on the look-up: another account's bucket",
      sdkError("Forbidden", 403),
      "look up bucket b",
      "INFRA_BUCKET_UNAVAILABLE",
      /another account/,
    ],
    [
      "a name another account holds",
      sdkError("BucketAlreadyExists", 409),
      "create bucket b",
      "INFRA_BUCKET_UNAVAILABLE",
      /infra\.state\.bucket/,
    ],
    [
      "a bucket in another region",
      sdkError("PermanentRedirect", 301, { $response: { headers: { "x-amz-bucket-region": "us-east-1" } } }),
      "look up bucket b",
      "INFRA_BUCKET_UNAVAILABLE",
      /infra\.region/,
    ],
    ["S3 not reached", sdkError("TimeoutError"), "create bucket b", "INFRA_AWS_FAILED", /AWS_ENDPOINT_URL_S3/],
  ])("%s", (_, error, doing, code, hint) => {
    const mapped = stateBucketError(error, doing, request);
    expect(mapped.code).toBe(code);
    expect(mapped.hint).toMatch(hint);
  });

  it("the region S3 reports is named in the message", () => {
    const mapped = stateBucketError({ name: "WrongRegion", BucketRegion: "us-east-1" }, "use bucket b", request);
    expect(mapped.message).toBe("bucket shop-tfstate-123456789012 is in us-east-1, not eu-west-2 (infra.region)");
  });
});
