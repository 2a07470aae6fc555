import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HistoryStore, ReleaseRecord } from "../deploy/history.js";

/** Release records as one JSON file per revision, written atomically (tmp + rename). */
export function fileHistory(dir: string): HistoryStore {
  const file = (revision: number) => join(dir, `${String(revision).padStart(6, "0")}.json`);
  const list = async (): Promise<ReleaseRecord[]> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const records: ReleaseRecord[] = [];
    for (const name of names.filter((n) => /^\d{6}\.json$/.test(n)).sort()) {
      try {
        records.push(JSON.parse(await readFile(join(dir, name), "utf8")) as ReleaseRecord);
      } catch {
        // A torn write cannot happen (rename is atomic); an edited file is skipped, not fatal.
      }
    }
    return records;
  };
  return {
    list,
    async get(revision) {
      try {
        return JSON.parse(await readFile(file(revision), "utf8")) as ReleaseRecord;
      } catch {
        return undefined;
      }
    },
    async put(record) {
      await mkdir(dir, { recursive: true });
      const tmp = `${file(record.revision)}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, file(record.revision));
    },
    async nextRevision() {
      const records = await list();
      return records.reduce((max, r) => Math.max(max, r.revision), 0) + 1;
    },
    async remove(revision) {
      await rm(file(revision), { force: true });
    },
  };
}
