/**
 * `database.backups.s3` on the local target, for real: the local MariaDB, slipway's own AWS SDK
 * client and moto's S3 server (a real S3 HTTP endpoint on 127.0.0.1, reached through the SDK's
 * AWS_ENDPOINT_URL_S3). A backup is copied with its manifest (checksum sent, SSE, no metadata), a
 * machine that lost its backups restores `latest` from S3, a tampered copy is refused, a missing
 * object and a missing bucket give their codes, and no password reaches S3 or any output.
 */

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findMariadb } from "../../../src/effects/mariadb-server.js";
import { type Moto, motoUnavailable, startMoto } from "../../helpers/moto.js";
import { freePort, slipway } from "./local-harness.js";

function mariadbInstalled(): boolean {
  try {
    findMariadb();
    return true;
  } catch {
    return false;
  }
}

const noMoto = motoUnavailable();
const skip = noMoto !== undefined || !mariadbInstalled();
if (skip) console.warn(`local-db-s3: skipped (${noMoto ?? "MariaDB is not installed"})`);

const bucket = "slipway-backups-test";
const spec = (port: number, bucketName: string) => `name: shop
app:
  image: example.com/shop:1.0.0
  port: 3000
  command: [node, server.js]
  health: { readiness: /ready }
  release:
    migrate: [node, migrate.js]
database:
  engine: mysql
  version: "10.11"
  backups:
    keep: 2
    s3: { bucket: ${bucketName}, region: eu-west-2 }
environments:
  local:
    target: local
targets:
  local:
    type: local
    port: ${port}
`;
const server = `require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.env.PORT), process.env.HOST);\n`;
const migrate = `const { execFileSync } = require("node:child_process");
execFileSync("mariadb", ["--no-defaults", "--protocol=tcp", "--host=" + process.env.DB_HOST, "--port=" + process.env.DB_PORT, "--user=" + process.env.DB_USER, process.env.DB_NAME], {
  input: "CREATE TABLE IF NOT EXISTS items (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL) ENGINE=InnoDB;",
  env: { ...process.env, MYSQL_PWD: process.env.DB_PASSWORD },
  stdio: ["pipe", "inherit", "inherit"],
});
`;

describe.skipIf(skip)("slipway db backup copies to S3 (moto) and restores from it", () => {
  let moto: Moto;
  let s3: S3Client;
  let dir: string;
  let port: number;
  let env: Record<string, string>;
  const outputs: string[] = [];
  const run = async (args: string[]) => {
    const result = await slipway(dir, args, env);
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const secrets = () => [
    readFileSync(join(dir, ".slipway/local/mariadb/admin.secret"), "utf8").trim(),
    readFileSync(join(dir, ".slipway/local/database.secret"), "utf8").trim(),
  ];
  const sql = (query: string): string[] => {
    const option = join(dir, ".slipway/local/test-client.cnf");
    const dbPort = readFileSync(join(dir, ".slipway/local/mariadb/port"), "utf8").trim();
    writeFileSync(option, `[client]\nprotocol=tcp\nhost=127.0.0.1\nport=${dbPort}\nuser=slipway_admin\npassword=${secrets()[0]}\n`, {
      mode: 0o600,
    });
    try {
      const result = spawnSync("mariadb", [`--defaults-file=${option}`, "--batch", "--skip-column-names", "shop"], {
        input: query,
        encoding: "utf8",
      });
      if (result.status !== 0) throw new Error(result.stderr);
      return result.stdout.split("\n").filter(Boolean);
    } finally {
      rmSync(option, { force: true });
    }
  };
  const body = async (key: string) =>
    Buffer.from((await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToByteArray()) ?? []);

  beforeAll(async () => {
    moto = await startMoto();
    env = {
      // Only the SDK's own settings: nothing of the machine's AWS configuration counts.
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_S3: moto.url,
      AWS_ACCESS_KEY_ID: "AKIDSLIPWAYDBTEST",
      AWS_SECRET_ACCESS_KEY: "slipway-db-s3-test-secret-key",
    };
    s3 = new S3Client({
      region: "eu-west-2",
      endpoint: moto.url,
      forcePathStyle: true,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID as string, secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string },
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: "eu-west-2" } }));
    dir = mkdtempSync(join(tmpdir(), "slipway-db-s3-"));
    chmodSync(dir, 0o755);
    port = await freePort();
    writeFileSync(join(dir, "slipway.yaml"), spec(port, bucket));
    writeFileSync(join(dir, "server.js"), server);
    writeFileSync(join(dir, "migrate.js"), migrate);
    const deployed = await run(["deploy", "-e", "local", "--json"]);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => {
    if (dir) {
      await slipway(dir, ["down", "-e", "local", "--json"], env);
      rmSync(dir, { recursive: true, force: true });
    }
    s3?.destroy();
    await moto?.stop();
  }, 120_000);

  it("copies dump and manifest (checksummed, encrypted, no metadata); restores latest from S3 on a machine without backups", async () => {
    sql("INSERT INTO items (name) VALUES ('a'), ('b'), ('it''s (c)');");
    const backup = await run(["db", "backup", "-e", "local", "--json"]);
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    const result = (backup.final?.result ?? {}) as {
      file: string;
      manifest: { file: string; sha256: string; bytes: number; tables: { name: string; rows: number }[] };
      s3?: { uri: string; manifestUri: string; encryption: string };
    };
    const name = result.manifest.file;
    expect(result.manifest.tables).toContainEqual({ name: "items", rows: 3 });
    expect(result.s3).toEqual({
      uri: `s3://${bucket}/shop/local/${name}`,
      manifestUri: `s3://${bucket}/shop/local/${name.replace(/\.sql$/, ".manifest.json")}`,
      encryption: "AES256",
    });
    // What S3 holds is byte for byte the local dump and manifest.
    const dump = await body(`shop/local/${name}`);
    expect(createHash("sha256").update(dump).digest("hex")).toBe(result.manifest.sha256);
    expect(dump.length).toBe(result.manifest.bytes);
    expect((await body(`shop/local/${name.replace(/\.sql$/, ".manifest.json")}`)).toString("utf8")).toBe(
      readFileSync(result.file.replace(/\.sql$/, ".manifest.json"), "utf8"),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `shop/local/${name}` }));
    expect(head.ServerSideEncryption).toBe("AES256");
    expect(head.Metadata ?? {}).toEqual({});
    const human = await run(["db", "backup", "-e", "local"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`copied to s3://${bucket}/shop/local/\\d{8}T\\d{9}Z-r1\\.sql \\(AES256`));

    // A machine that lost its backups: `latest` comes from S3 (the newest copy), is verified, and restores.
    rmSync(join(dir, ".slipway/local/backups"), { recursive: true });
    sql("DROP TABLE items;");
    const restored = await run(["db", "restore", "-e", "local", "--from", "latest", "--yes", "--json"]);
    expect(restored.code, restored.stdout + restored.stderr).toBe(0);
    expect(sql("SELECT COUNT(*) FROM items")).toEqual(["3"]);
    const fetched = readdirSync(join(dir, ".slipway/local/backups")).filter((n) => /^\d{8}T\d{9}Z-r1\.(sql|manifest\.json)$/.test(n));
    expect(fetched).toHaveLength(2);

    // --from s3://… drills a named copy.
    const drill = await run(["db", "drill", "-e", "local", "--from", result.s3?.uri ?? "", "--json"]);
    expect(drill.code, drill.stdout + drill.stderr).toBe(0);
  }, 240_000);

  it("refuses a tampered copy, names a missing object, and keeps the local backup when the bucket is missing", async () => {
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "shop/local/" }))).Contents ?? []).map((o) => o.Key);
    const original = keys.find((k) => k?.endsWith(".sql")) as string;
    const dump = await body(original);
    dump[Math.floor(dump.length / 2)] = (dump[Math.floor(dump.length / 2)] ?? 0) ^ 0x01;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "shop/local/20000101T000000000Z-r1.sql", Body: dump }));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "shop/local/20000101T000000000Z-r1.manifest.json",
        Body: await body(original.replace(/\.sql$/, ".manifest.json")),
      }),
    );
    const tampered = await run(["db", "drill", "-e", "local", "--from", `s3://${bucket}/shop/local/20000101T000000000Z-r1.sql`, "--json"]);
    expect(tampered.code).toBe(1);
    expect(tampered.final?.error?.code).toBe("DB_BACKUP_CORRUPT");
    expect(String(tampered.final?.error?.message)).toMatch(/SHA-256/);

    const missing = await run(["db", "drill", "-e", "local", "--from", `s3://${bucket}/shop/local/20000101T000000009Z-r1.sql`, "--json"]);
    expect(missing.code).toBe(2);
    expect(missing.final?.error?.code).toBe("DB_BACKUP_NOT_FOUND");

    writeFileSync(join(dir, "slipway.yaml"), spec(port, "no-such-bucket-here"));
    const noBucket = await run(["db", "backup", "-e", "local", "--json"]);
    expect(noBucket.code).toBe(1);
    expect(noBucket.final?.error?.code).toBe("DB_S3_FAILED");
    expect(String(noBucket.final?.error?.message)).toMatch(/NoSuchBucket/);
    const kept = /kept locally: (\S+\.sql)\)/.exec(String(noBucket.final?.error?.message))?.[1];
    expect(kept && existsSync(kept), String(noBucket.final?.error?.message)).toBe(true);
    writeFileSync(join(dir, "slipway.yaml"), spec(port, bucket));

    // No password in any output, object key, metadata or object.
    const all = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key as string);
    for (const secret of secrets()) {
      expect(secret.length).toBeGreaterThan(8);
      for (const text of outputs) expect(text.includes(secret)).toBe(false);
      for (const key of all) {
        expect(key.includes(secret)).toBe(false);
        expect((await body(key)).toString("utf8").includes(secret), key).toBe(false);
        expect(JSON.stringify((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata ?? {})).not.toContain(secret);
      }
    }
  }, 240_000);
});
