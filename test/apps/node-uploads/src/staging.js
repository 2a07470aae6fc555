// Uploads land in tmp/ (relative to the app) until they are complete, then move to the store.
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";

const stagingDir = new URL("../tmp/", import.meta.url).pathname;
const storeDir = process.env.UPLOAD_DIR || "/tmp/uploads";

export async function receive(name, body) {
  await mkdir(storeDir, { recursive: true });
  const staged = join(stagingDir, `${randomUUID()}.part`);
  await pipeline(body, createWriteStream(staged));
  const size = (await stat(staged)).size;
  const final = join(storeDir, name);
  await rename(staged, final).catch(async () => {
    // tmp/ and the store may be on different filesystems.
    const { copyFile, unlink } = await import("node:fs/promises");
    await copyFile(staged, final);
    await unlink(staged);
  });
  return { name, size };
}

export async function list() {
  await mkdir(storeDir, { recursive: true });
  const names = await readdir(storeDir);
  return Promise.all(names.map(async (name) => ({ name, size: (await stat(join(storeDir, name))).size })));
}
