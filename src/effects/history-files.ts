import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { checkReleaseRecord, type HistoryStore, type ReleaseRecord } from "../model/release-record.js";
import { describeFsError } from "./files.js";
import { writeFileAtomic } from "./state-files.js";

/** A release record file that could not be used: empty, torn, `null`, edited into another shape. */
export interface InvalidRecord {
  file: string;
  problem: string;
}

export interface FileHistoryOptions {
  /** Told about every record file that is skipped (each time it is read). */
  onInvalid?: (invalid: InvalidRecord) => void;
}

const recordName = /^(\d{6})\.json$/;

/**
 * Release records as one JSON file per revision (`000042.json`), written atomically. A file that is
 * not a valid record is skipped and reported (`onInvalid`), never fatal; its revision number stays
 * taken, so a new release never reuses it.
 */
export function fileHistory(dir: string, options: FileHistoryOptions = {}): HistoryStore {
  const file = (revision: number) => join(dir, `${String(revision).padStart(6, "0")}.json`);
  const names = async (): Promise<string[]> => {
    try {
      return (await readdir(dir)).filter((n) => recordName.test(n)).sort();
    } catch {
      return [];
    }
  };
  const read = async (path: string, revision: number): Promise<ReleaseRecord | undefined> => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") return undefined;
      options.onInvalid?.({ file: path, problem: `cannot be read (${describeFsError(error)})` });
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      options.onInvalid?.({ file: path, problem: text.trim() === "" ? "it is empty" : "it is not valid JSON (torn or edited)" });
      return undefined;
    }
    const checked = checkReleaseRecord(value, revision);
    if ("problem" in checked) {
      options.onInvalid?.({ file: path, problem: checked.problem });
      return undefined;
    }
    return checked.record;
  };
  const list = async (): Promise<ReleaseRecord[]> => {
    const records: ReleaseRecord[] = [];
    for (const name of await names()) {
      const record = await read(join(dir, name), Number(recordName.exec(name)?.[1]));
      if (record) records.push(record);
    }
    return records;
  };
  return {
    list,
    get: (revision) => read(file(revision), revision),
    async put(record) {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(file(record.revision), `${JSON.stringify(record, null, 2)}\n`, 0o600);
    },
    async nextRevision() {
      // Every record file counts, valid or not: a skipped record's revision is never reused.
      const taken = (await names()).map((name) => Number(recordName.exec(name)?.[1]));
      return Math.max(0, ...taken) + 1;
    },
    async remove(revision) {
      await rm(file(revision), { force: true });
    },
  };
}
