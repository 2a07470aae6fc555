/*
 * I/O for `slipway check`: reads files, walks folders, reads stdin and renders Helm charts with
 * the `helm` binary. Everything it finds goes back as data (InputText / InputIssue) for the pure
 * parser and rules in src/check. It lives in the CLI, not in effects: it classifies what it walks
 * with check's own kind detection and limits, and effects may not import a stage above them.
 */
import { execFile } from "node:child_process";
import { readdirSync, type Stats, statSync } from "node:fs";
import { access, constants, open, readdir, stat, writeFile } from "node:fs/promises";
import { basename, delimiter, join, relative, resolve } from "node:path";
import { detectKind } from "../check/inputs/detect-kind.js";
import { type InputIssue, type InputText, maxInputBytes } from "../check/parse-inputs.js";
import { describeFsError } from "../effects/files.js";
import { readUserFileSync } from "../effects/read-user-file.js";
import { SlipwayError } from "../errors/slipway-error.js";

export interface GatherOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadableStream;
}

export interface Gathered {
  texts: InputText[];
  issues: InputIssue[];
}

/** Folders never worth walking into. */
const skipDirs = new Set([
  ".git",
  "node_modules",
  ".terraform",
  "dist",
  "vendor",
  "__pycache__",
  ".venv",
  "venv",
  "tmp",
  ".cache",
  "coverage",
]);

/** Reads every path (files, folders recursively, `-` for stdin). Missing paths are a usage error. */
export async function gatherCheckInputs(paths: readonly string[], options: GatherOptions): Promise<Gathered> {
  const out: Gathered = { texts: [], issues: [] };
  // Folders and files already read, by device and inode: a symlink loop or a second link to the
  // same file is visited once, so a walk always ends and never counts a file twice.
  const seen = new Set<string>();
  for (const path of paths) {
    if (path === "-") {
      out.texts.push(await readStdin(options.stdin));
      continue;
    }
    const full = resolve(options.cwd, path);
    let info: Stats;
    try {
      info = await stat(full);
    } catch (error) {
      throw new SlipwayError("CHECK_INPUT_NOT_FOUND", `cannot read ${path}: ${describeFsError(error)}`, {
        hint: "Pass files or folders that exist, `-` for standard input, or no path to check what `render` produces.",
        cause: error,
      });
    }
    if (!firstVisit(seen, info)) continue;
    if (info.isDirectory()) await walk(full, options, out, seen);
    else {
      const input = readInput(full, shown(options.cwd, full), true);
      if (input) out.texts.push(input);
    }
  }
  return out;
}

function firstVisit(seen: Set<string>, info: Stats): boolean {
  const key = `${info.dev}:${info.ino}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}

function shown(cwd: string, full: string): string {
  const rel = relative(cwd, full);
  return rel === "" || rel.startsWith("..") ? full : rel;
}

async function walk(dir: string, options: GatherOptions, out: Gathered, seen: Set<string>): Promise<void> {
  // Synchronous reads: `check DIR` reads its files one after the other and nothing else runs
  // meanwhile; a thread-pool round trip per stat/open/read/close cost more than the reading.
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (error) {
    out.issues.push({
      ruleId: "SLW-GEN-001",
      origin: origin(shown(options.cwd, dir)),
      line: undefined,
      message: `cannot read the folder: ${describeFsError(error)}`,
    });
    return;
  }
  if (entries.includes("Chart.yaml")) {
    await renderChart(dir, options, out);
    return;
  }
  for (const name of entries) {
    const full = join(dir, name);
    let info: Stats;
    try {
      info = statSync(full);
    } catch {
      continue; // dangling links, loops of links
    }
    if (info.isDirectory()) {
      if (skipDirs.has(name) || (name.startsWith(".") && name !== ".github" && name !== ".gitlab")) continue;
      if (firstVisit(seen, info)) await walk(full, options, out, seen);
      continue;
    }
    // Devices, FIFOs and sockets inside a folder are not deployment files; skip them unopened.
    if (!info.isFile()) continue;
    const display = shown(options.cwd, full);
    // Only files that look like deployment files; a folder of app code holds many others.
    if (!/\.(ya?ml|json|tf|tofu)$/i.test(name) && detectKind(display, "") === "unknown") continue;
    if (!firstVisit(seen, info)) continue;
    const input = readInput(full, display, false);
    if (input) out.texts.push(input);
  }
}

/** One file through the guarded reader; a file too large to check comes back without bytes. */
function readInput(full: string, display: string, explicit: boolean): InputText | undefined {
  const read = readUserFileSync(full, {
    maxBytes: maxInputBytes,
    shown: display,
    cannotOpen: (error) =>
      new SlipwayError("CHECK_INPUT_NOT_FOUND", `cannot read ${display}: ${describeFsError(error)}`, {
        hint: "Check the file's permissions.",
        cause: error,
      }),
  });
  switch (read.kind) {
    case "file":
      return { origin: origin(display), bytes: read.bytes, size: read.bytes.byteLength, explicit };
    case "too-large":
      return { origin: origin(display), bytes: undefined, size: read.size, explicit };
    case "folder":
      return undefined; // replaced by a folder since stat: nothing to check
  }
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<InputText> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.byteLength;
    // Stop at the cap: `check - < /dev/zero` must end, not read forever.
    if (size > maxInputBytes) break;
    chunks.push(buf);
  }
  const o = origin("<stdin>");
  return size > maxInputBytes
    ? { origin: o, bytes: undefined, size, explicit: true }
    : { origin: o, bytes: Buffer.concat(chunks), size, explicit: true };
}

function origin(file: string): InputText["origin"] {
  return { file, label: file };
}

/** Renders a chart with its default values and once per values-*.yaml beside it. */
async function renderChart(dir: string, options: GatherOptions, out: Gathered): Promise<void> {
  const display = shown(options.cwd, dir);
  const helm = await findOnPath("helm", options.env);
  if (!helm) {
    out.issues.push({
      ruleId: "SLW-GEN-004",
      origin: origin(display),
      line: undefined,
      message: "a Helm chart, but no `helm` binary on PATH to render it; install helm or pipe `helm template … | slipway check -`",
    });
    return;
  }
  const valueFiles = (await readdir(dir)).filter((f) => /^values-[\w.-]+\.ya?ml$/.test(f)).sort();
  const variants: (string | undefined)[] = [undefined, ...valueFiles];
  const release =
    basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-")
      .replace(/^-+|-+$/g, "") || "release";
  for (const values of variants) {
    const args = ["template", release, dir, ...(values ? ["-f", join(dir, values)] : [])];
    const label = `helm template ${display}${values ? ` -f ${values}` : ""}`;
    try {
      const stdout = await run(helm, args, options.env);
      out.texts.push({
        origin: { file: label, label },
        bytes: stdout,
        size: Buffer.byteLength(stdout),
        explicit: true,
        kind: "kubernetes",
        group: label,
      });
    } catch (error) {
      out.issues.push({
        ruleId: "SLW-GEN-001",
        origin: origin(display),
        line: undefined,
        message: `helm template failed: ${String((error as Error).message)
          .trim()
          .split("\n")
          .slice(-3)
          .join(" ")}`,
      });
    }
  }
}

function run(command: string, args: string[], env: Readonly<Record<string, string | undefined>>): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { env: env as NodeJS.ProcessEnv, maxBuffer: maxInputBytes * 2, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${stderr || error.message}`));
      else resolvePromise(stdout);
    });
  });
}

/** The first executable `name` on PATH, or undefined. */
export async function findOnPath(name: string, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Whether a spec file exists (check uses it for waivers and intent when present). */
export async function fileExists(path: string): Promise<boolean> {
  try {
    // Non-blocking: a FIFO named slipway.yaml must not stall `check`.
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    await handle.close();
    return true;
  } catch {
    return false;
  }
}

/** Writes a report file (SARIF, JUnit, JSON) for CI to upload. */
export async function writeReportFile(path: string, content: string): Promise<void> {
  try {
    await writeFile(path, content);
  } catch (error) {
    throw new SlipwayError("OUTPUT_WRITE_FAILED", `cannot write ${path}: ${describeFsError(error)}`, {
      hint: "Check that the folder exists and is writable.",
      cause: error,
    });
  }
}
