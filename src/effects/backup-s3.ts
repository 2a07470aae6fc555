/*
 * Backups off the machine: a local backup and its manifest copied to S3, and a copy fetched back
 * for a restore or drill. The dump is sent with its SHA-256 (x-amz-checksum-sha256, from the
 * manifest), so S3 itself refuses a body that differs from what was dumped; both objects are
 * server-side encrypted (SSE-S3, or the bucket's KMS default when it has one) and carry no metadata
 * but the checksum. The manifest goes last: a copy without its manifest is not a backup, and
 * `latest` never picks one. Credentials, region and endpoint come from the AWS SDK's default chain
 * (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, instance roles; AWS_REGION; AWS_ENDPOINT_URL_S3). The SDK
 * loads on first use, so commands without an S3 copy never load it.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { SlipwayError } from "../errors/slipway-error.js";
import { latestS3Backup, manifestFileName, type S3BackupTarget, s3BackupKey, sha256Base64 } from "./backup-commands.js";
import { awsErrorFacts } from "./state-bucket.js";
import { writeFileAtomic } from "./state-files.js";

type S3Module = typeof import("@aws-sdk/client-s3");

async function loadS3(): Promise<S3Module> {
  const loaded: S3Module & { default?: S3Module } = await import("@aws-sdk/client-s3");
  return loaded.S3Client === undefined && loaded.default ? loaded.default : loaded;
}

/** An SDK failure as DB_S3_FAILED, with what to do. `doing` names the request. Pure. */
export function backupS3Error(error: unknown, doing: string, kept?: string): SlipwayError {
  const { name, message, status } = awsErrorFacts(error);
  const keptNote = kept ? ` (the backup is kept locally: ${kept})` : "";
  let hint =
    "Check the bucket name and region (database.backups.s3), the network path to S3 (proxy variables, AWS_ENDPOINT_URL_S3), and the AWS identity in use (`aws sts get-caller-identity`).";
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(message))
    hint =
      "slipway reads the AWS SDK's default credentials: set AWS_PROFILE (and run `aws sso login` for SSO profiles), or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.";
  else if (/Region is missing/i.test(message)) hint = "Set database.backups.s3.region in slipway.yaml, or AWS_REGION.";
  else if (name === "NoSuchBucket")
    hint = "Create the bucket first (slipway copies into an existing bucket), or fix database.backups.s3.bucket.";
  else if (/AccessDenied|Forbidden|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken/i.test(name) || status === 403)
    hint = "The AWS identity in use needs s3:PutObject, s3:GetObject and s3:ListBucket on the bucket and prefix.";
  else if (/BadDigest|InvalidDigest|XAmzContentSHA256Mismatch|checksum/i.test(`${name} ${message}`))
    hint = "The file changed while it was sent, or was damaged on the way; run `slipway db backup` again.";
  return new SlipwayError("DB_S3_FAILED", `could not ${doing}${name ? ` (${name})` : ""}: ${message}${keptNote}`, { hint, cause: error });
}

function client(sdk: S3Module, region: string | undefined): InstanceType<S3Module["S3Client"]> {
  return new sdk.S3Client({ ...(region ? { region } : {}), maxAttempts: 3 });
}

export interface S3Copy {
  /** s3://bucket/prefix/<file> */
  uri: string;
  manifestUri: string;
  /** The server-side encryption S3 reports for the dump (AES256 or aws:kms). */
  encryption: string | undefined;
}

/**
 * Copies `file` (a verified local backup; `sha256`/`bytes` from its manifest) and its manifest to
 * the target, then reads the dump's size and checksum back from S3 and compares them.
 */
export async function copyBackupToS3(target: S3BackupTarget, file: string, sha256: string, bytes: number): Promise<S3Copy> {
  const sdk = await loadS3();
  const s3 = client(sdk, target.region);
  const name = basename(file);
  const key = s3BackupKey(target, name);
  const manifestKey = s3BackupKey(target, manifestFileName(name));
  const uri = `s3://${target.bucket}/${key}`;
  try {
    try {
      await s3.send(
        new sdk.PutObjectCommand({
          Bucket: target.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: bytes,
          ContentType: "application/sql",
          ChecksumSHA256: sha256Base64(sha256),
          ServerSideEncryption: "AES256",
        }),
      );
    } catch (error) {
      throw backupS3Error(error, `copy ${name} to ${uri}`, file);
    }
    const manifestText = await readFile(manifestFileName(file));
    try {
      await s3.send(
        new sdk.PutObjectCommand({
          Bucket: target.bucket,
          Key: manifestKey,
          Body: manifestText,
          ContentType: "application/json",
          ChecksumSHA256: createHash("sha256").update(manifestText).digest("base64"),
          ServerSideEncryption: "AES256",
        }),
      );
    } catch (error) {
      throw backupS3Error(error, `copy the manifest of ${name} to s3://${target.bucket}/${manifestKey}`, file);
    }
    let got: { ContentLength?: number | undefined; ChecksumSHA256?: string | undefined; ServerSideEncryption?: string | undefined };
    try {
      got = await s3.send(new sdk.HeadObjectCommand({ Bucket: target.bucket, Key: key, ChecksumMode: "ENABLED" }));
    } catch (error) {
      throw backupS3Error(error, `read back ${uri}`, file);
    }
    if (got.ContentLength !== bytes || (got.ChecksumSHA256 !== undefined && !got.ChecksumSHA256.startsWith(sha256Base64(sha256)))) {
      throw new SlipwayError(
        "DB_S3_FAILED",
        `the copy ${uri} does not match ${name}: S3 reports ${got.ContentLength} bytes${got.ChecksumSHA256 ? ` and SHA-256 ${got.ChecksumSHA256}` : ""} where the manifest says ${bytes} bytes and ${sha256Base64(sha256)} (the backup is kept locally: ${file})`,
        { hint: "Run `slipway db backup` again; if it repeats, check what rewrites objects in the bucket." },
      );
    }
    return { uri, manifestUri: `s3://${target.bucket}/${manifestKey}`, encryption: got.ServerSideEncryption };
  } finally {
    s3.destroy();
  }
}

/** The newest backup (with its manifest) under the target's prefix, as an s3:// URI, or undefined. */
export async function latestBackupInS3(target: S3BackupTarget): Promise<string | undefined> {
  const sdk = await loadS3();
  const s3 = client(sdk, target.region);
  const prefix = `${target.prefix.replace(/^\/+|\/+$/g, "")}/`;
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await s3.send(new sdk.ListObjectsV2Command({ Bucket: target.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (error) {
    throw backupS3Error(error, `list the backups in s3://${target.bucket}/${prefix}`);
  } finally {
    s3.destroy();
  }
  const name = latestS3Backup(keys, target.prefix);
  return name === undefined ? undefined : `s3://${target.bucket}/${prefix}${name}`;
}

/**
 * Fetches `s3://bucket/key` and its manifest into `dir` (0600 files, the dump written as `.partial`
 * and renamed when complete). Returns the local path; the caller checks it against the manifest.
 * A missing object is DB_BACKUP_NOT_FOUND.
 */
export async function fetchBackupFromS3(
  location: { bucket: string; key: string },
  region: string | undefined,
  dir: string,
): Promise<string> {
  const sdk = await loadS3();
  const s3 = client(sdk, region);
  const name = basename(location.key);
  const uri = `s3://${location.bucket}/${location.key}`;
  const file = join(dir, name);
  const partial = `${file}.partial`;
  const get = async (key: string) => {
    try {
      return await s3.send(new sdk.GetObjectCommand({ Bucket: location.bucket, Key: key }));
    } catch (error) {
      const { name: code, status } = awsErrorFacts(error);
      if (code === "NoSuchKey" || code === "NotFound" || status === 404)
        throw new SlipwayError("DB_BACKUP_NOT_FOUND", `no backup object s3://${location.bucket}/${key}`, {
          hint: `List the copies: aws s3 ls s3://${location.bucket}/${location.key.slice(0, location.key.lastIndexOf("/") + 1)}; a backup needs its .manifest.json beside it.`,
          cause: error,
        });
      throw backupS3Error(error, `fetch s3://${location.bucket}/${key}`);
    }
  };
  try {
    const manifest = await get(manifestFileName(location.key));
    const manifestText = (await manifest.Body?.transformToString("utf8")) ?? "";
    const dump = await get(location.key);
    if (!dump.Body) throw new SlipwayError("DB_S3_FAILED", `${uri} has no body`, { hint: "Fetch it again, or use another backup." });
    await pipeline(dump.Body as Readable, createWriteStream(partial, { mode: 0o600 }));
    await writeFileAtomic(manifestFileName(file), manifestText, 0o600);
    await rename(partial, file);
    return file;
  } catch (error) {
    if (error instanceof SlipwayError) throw error;
    throw backupS3Error(error, `fetch ${uri}`);
  } finally {
    await rm(partial, { force: true });
    s3.destroy();
  }
}
