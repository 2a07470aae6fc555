/*
 * The Terraform state bucket, made safe and kept so: `slipway infra bootstrap` creates it when it
 * does not exist and then brings each setting to what the state of an account deserves —
 * versioning (a bad apply can be undone from an older state version), default encryption, every
 * public access block switch on, and a policy statement denying requests over plain HTTP. Each
 * setting is read first and written only when it differs, so a second run changes nothing and
 * says so. Credentials and the endpoint come from the AWS SDK's default chain
 * (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, instance roles; AWS_ENDPOINT_URL_S3), never from flags.
 * The SDK loads on first use, so no other command pays for it.
 */
import type * as S3 from "@aws-sdk/client-s3";
import { SlipwayError } from "../errors/slipway-error.js";

/** The Sid of the statement slipway adds; found by it, so a team's own statements are kept. */
export const tlsOnlySid = "SlipwayDenyInsecureTransport";

export interface StateBucketRequest {
  bucket: string;
  region: string;
}

/** One setting of the bucket and whether this run changed it. */
export interface StateBucketStep {
  setting: "bucket" | "versioning" | "encryption" | "public-access-block" | "tls-only-policy";
  changed: boolean;
  /** What was done or found, for the human report ("created in eu-west-2", "already enabled"). */
  detail: string;
}

export interface StateBucketResult {
  bucket: string;
  region: string;
  steps: StateBucketStep[];
  /** Whether anything was created or changed. */
  changed: boolean;
}

/** The ARN partition of a region (China and GovCloud have their own). */
export function partitionOf(region: string): "aws" | "aws-cn" | "aws-us-gov" {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** The statement denying every request to the bucket and its objects that does not use TLS. */
export function tlsOnlyStatement(bucket: string, region: string): Record<string, unknown> {
  const arn = `arn:${partitionOf(region)}:s3:::${bucket}`;
  return {
    Sid: tlsOnlySid,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * The bucket policy with slipway's TLS-only statement: `existing` (a policy document or undefined)
 * with the statement added or replaced, every other statement kept as it was. Undefined when the
 * existing policy already holds exactly that statement. Pure.
 */
export function policyWithTlsOnly(existing: string | undefined, bucket: string, region: string): string | undefined {
  const wanted = tlsOnlyStatement(bucket, region);
  let doc: { Version?: string; Statement?: unknown } = {};
  if (existing !== undefined && existing.trim() !== "") {
    try {
      const parsed = JSON.parse(existing) as unknown;
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) doc = parsed as typeof doc;
    } catch {
      doc = {};
    }
  }
  const statements: unknown[] = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  const ours = statements.find((s) => (s as { Sid?: unknown } | null)?.Sid === tlsOnlySid);
  if (ours !== undefined && sameJson(ours, wanted)) return undefined;
  const others = statements.filter((s) => (s as { Sid?: unknown } | null)?.Sid !== tlsOnlySid);
  return JSON.stringify({ Version: doc.Version ?? "2012-10-17", Statement: [...others, wanted] });
}

/** Compares two JSON values with object keys in any order and strings/one-element arrays as AWS returns them. */
function sameJson(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.length === 1 ? norm(v[0]) : v.map(norm);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

type S3Module = typeof import("@aws-sdk/client-s3");

async function loadS3(): Promise<S3Module> {
  // The bundle holds the SDK's CommonJS build: its exports arrive as the namespace's default.
  const loaded: S3Module & { default?: S3Module } = await import("@aws-sdk/client-s3");
  return loaded.S3Client === undefined && loaded.default ? loaded.default : loaded;
}

/** Fields of an SDK error slipway reads: its name, HTTP status and the region S3 says the bucket is in. */
export interface AwsErrorFacts {
  name: string;
  message: string;
  status: number | undefined;
  bucketRegion: string | undefined;
}

export function awsErrorFacts(error: unknown): AwsErrorFacts {
  const e = error as {
    name?: unknown;
    message?: unknown;
    Code?: unknown;
    $metadata?: { httpStatusCode?: number };
    $response?: { headers?: Record<string, string> };
    BucketRegion?: unknown;
  } | null;
  const name = typeof e?.name === "string" ? e.name : typeof e?.Code === "string" ? e.Code : "";
  const message = typeof e?.message === "string" ? (e.message.split("\n")[0] ?? "").slice(0, 300) : String(error);
  const header = e?.$response?.headers?.["x-amz-bucket-region"];
  const bucketRegion = typeof e?.BucketRegion === "string" ? e.BucketRegion : typeof header === "string" ? header : undefined;
  return { name, message, status: e?.$metadata?.httpStatusCode, bucketRegion };
}

/**
 * An SDK failure as a SlipwayError with what to do: no credentials and access denied
 * (INFRA_AWS_AUTH), a bucket name another account holds or a bucket in another region
 * (INFRA_BUCKET_UNAVAILABLE), anything else (INFRA_AWS_FAILED). `doing` names the request
 * ("create bucket shop-tfstate"). Pure.
 */
export function stateBucketError(error: unknown, doing: string, request: StateBucketRequest): SlipwayError {
  const { name, message, status, bucketRegion } = awsErrorFacts(error);
  const { bucket, region } = request;
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message)) {
    return new SlipwayError("INFRA_AWS_AUTH", `no AWS credentials to ${doing}: ${message}`, {
      hint: "slipway reads the AWS SDK's default credentials: set AWS_PROFILE to a configured profile (and run `aws sso login` for SSO profiles), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where an instance or task role applies.",
      cause: error,
    });
  }
  if (name === "BucketAlreadyExists") {
    return new SlipwayError(
      "INFRA_BUCKET_UNAVAILABLE",
      `bucket name ${bucket} is taken by another AWS account (S3 bucket names are global)`,
      {
        hint: "Choose another name in infra.state.bucket (the default appends the account ID, which keeps it unique).",
        cause: error,
      },
    );
  }
  if (
    status === 301 ||
    name === "PermanentRedirect" ||
    name === "AuthorizationHeaderMalformed" ||
    (bucketRegion && bucketRegion !== region)
  ) {
    return new SlipwayError(
      "INFRA_BUCKET_UNAVAILABLE",
      `bucket ${bucket} is in ${bucketRegion ?? "another region"}, not ${region} (infra.region)`,
      {
        hint: "Set infra.region to the bucket's region, or name a new bucket in infra.state.bucket; slipway does not move state between regions.",
        cause: error,
      },
    );
  }
  if (
    /AccessDenied|UnrecognizedClient|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidToken|ExpiredToken|Forbidden/i.test(name) ||
    status === 403
  ) {
    const head = doing.startsWith("look up");
    return new SlipwayError(
      head ? "INFRA_BUCKET_UNAVAILABLE" : "INFRA_AWS_AUTH",
      head
        ? `bucket ${bucket} exists but this AWS identity may not read it (403): it belongs to another account, or the identity lacks s3:ListBucket`
        : `AWS refused to ${doing} (${name || status}): ${message}`,
      {
        hint: head
          ? "`aws sts get-caller-identity` shows the identity in use; if the bucket is another account's, choose another name in infra.state.bucket."
          : "The AWS identity in use needs s3:CreateBucket, s3:PutBucketVersioning, s3:PutEncryptionConfiguration, s3:PutBucketPublicAccessBlock and s3:PutBucketPolicy (and their Get counterparts); `aws sts get-caller-identity` shows which identity that is.",
        cause: error,
      },
    );
  }
  return new SlipwayError("INFRA_AWS_FAILED", `could not ${doing} in ${region}${name ? ` (${name})` : ""}: ${message}`, {
    hint: "Check the network path to S3 (proxy variables, AWS_ENDPOINT_URL_S3) and that infra.region is right.",
    cause: error,
  });
}

const notFound = (error: unknown, ...names: string[]) => {
  const { name, status } = awsErrorFacts(error);
  return names.includes(name) || (status === 404 && names.length === 0);
};

/**
 * Creates the state bucket when missing and brings its settings to slipway's; returns what it did.
 * Idempotent: every setting is read before it is written.
 */
export async function ensureStateBucket(request: StateBucketRequest): Promise<StateBucketResult> {
  const sdk = await loadS3();
  const { bucket, region } = request;
  const client = new sdk.S3Client({ region, maxAttempts: 2 });
  const send = async <T>(doing: string, run: () => Promise<T>, tolerate?: (error: unknown) => boolean): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      if (tolerate?.(error)) return undefined;
      throw stateBucketError(error, doing, request);
    }
  };
  const steps: StateBucketStep[] = [];
  try {
    // 1. The bucket: ours already, missing (create it), or someone else's / elsewhere (stop).
    const head = await send(
      `look up bucket ${bucket}`,
      () => client.send(new sdk.HeadBucketCommand({ Bucket: bucket })),
      (e) => notFound(e, "NotFound", "NoSuchBucket"),
    );
    if (head === undefined) {
      await send(`create bucket ${bucket}`, () =>
        client.send(
          new sdk.CreateBucketCommand({
            Bucket: bucket,
            ObjectOwnership: "BucketOwnerEnforced",
            ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as S3.BucketLocationConstraint } }),
          }),
        ),
      );
      steps.push({ setting: "bucket", changed: true, detail: `created in ${region}` });
    } else {
      const location = await send(`read the region of bucket ${bucket}`, () =>
        client.send(new sdk.GetBucketLocationCommand({ Bucket: bucket })),
      );
      // S3 reports us-east-1 as no constraint, and eu-west-1 as "EU" for the oldest buckets.
      const raw = location?.LocationConstraint ?? head.BucketRegion ?? "";
      const actual = raw === "" ? "us-east-1" : raw === "EU" ? "eu-west-1" : raw;
      if (actual !== region) throw stateBucketError({ name: "WrongRegion", BucketRegion: actual }, `use bucket ${bucket}`, request);
      steps.push({ setting: "bucket", changed: false, detail: `exists in ${region}` });
    }

    // 2. Versioning.
    const versioning = await send(`read versioning of ${bucket}`, () =>
      client.send(new sdk.GetBucketVersioningCommand({ Bucket: bucket })),
    );
    if (versioning?.Status === "Enabled") steps.push({ setting: "versioning", changed: false, detail: "already enabled" });
    else {
      await send(`enable versioning on ${bucket}`, () =>
        client.send(new sdk.PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } })),
      );
      steps.push({ setting: "versioning", changed: true, detail: "enabled" });
    }

    // 3. Default encryption: any server-side default (SSE-S3 or a KMS key the team chose) is kept.
    const encryption = await send(
      `read default encryption of ${bucket}`,
      () => client.send(new sdk.GetBucketEncryptionCommand({ Bucket: bucket })),
      (e) => notFound(e, "ServerSideEncryptionConfigurationNotFoundError"),
    );
    const algorithm = encryption?.ServerSideEncryptionConfiguration?.Rules?.find((r) => r.ApplyServerSideEncryptionByDefault)
      ?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
    if (algorithm) steps.push({ setting: "encryption", changed: false, detail: `already ${algorithm}` });
    else {
      await send(`set default encryption on ${bucket}`, () =>
        client.send(
          new sdk.PutBucketEncryptionCommand({
            Bucket: bucket,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true }],
            },
          }),
        ),
      );
      steps.push({ setting: "encryption", changed: true, detail: "set to AES256 (SSE-S3)" });
    }

    // 4. Public access block: all four switches.
    const block = await send(
      `read the public access block of ${bucket}`,
      () => client.send(new sdk.GetPublicAccessBlockCommand({ Bucket: bucket })),
      (e) => notFound(e, "NoSuchPublicAccessBlockConfiguration"),
    );
    const c = block?.PublicAccessBlockConfiguration;
    if (c?.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets) {
      steps.push({ setting: "public-access-block", changed: false, detail: "already all four on" });
    } else {
      await send(`block public access to ${bucket}`, () =>
        client.send(
          new sdk.PutPublicAccessBlockCommand({
            Bucket: bucket,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            },
          }),
        ),
      );
      steps.push({ setting: "public-access-block", changed: true, detail: "all four on" });
    }

    // 5. TLS only: slipway's statement added to whatever policy the bucket has.
    const policy = await send(
      `read the policy of ${bucket}`,
      () => client.send(new sdk.GetBucketPolicyCommand({ Bucket: bucket })),
      (e) => notFound(e, "NoSuchBucketPolicy"),
    );
    const next = policyWithTlsOnly(policy?.Policy, bucket, region);
    if (next === undefined) steps.push({ setting: "tls-only-policy", changed: false, detail: "already denies requests without TLS" });
    else {
      await send(`set the policy of ${bucket}`, () => client.send(new sdk.PutBucketPolicyCommand({ Bucket: bucket, Policy: next })));
      steps.push({
        setting: "tls-only-policy",
        changed: true,
        detail: policy?.Policy ? "statement denying requests without TLS added (other statements kept)" : "denies requests without TLS",
      });
    }
  } finally {
    client.destroy();
  }
  return { bucket, region, steps, changed: steps.some((s) => s.changed) };
}
