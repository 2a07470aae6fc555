import { access, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { describeFsError } from "../../effects/files.js";
import { readUserFile } from "../../effects/read-user-file.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { type AppDetection, detectApp, detectionFiles } from "../../init/detect-app.js";
import { type InitAnswers, writeSpecText } from "../../init/write-spec.js";
import { parseSpecText } from "../../spec/load.js";
import { validateSpec } from "../../spec/validate.js";
import type { CliContext } from "../context.js";
import { report } from "../main.js";

export interface InitOptions {
  yes?: boolean;
  force?: boolean;
  name?: string;
  image?: string;
  port?: string;
  health?: string;
  engine?: "mysql" | "postgres" | "none";
  host?: string;
  json?: boolean;
}

export async function initCommand(ctx: CliContext, dir: string, opts: InitOptions): Promise<number> {
  try {
    const root = resolve(ctx.cwd, dir);
    const target = join(root, "slipway.yaml");
    if (!opts.force && (await exists(target))) {
      throw new SlipwayError("INIT_EXISTS", `${target} already exists`, {
        hint: "Pass --force to overwrite it, or edit it by hand (`slipway validate` checks it).",
      });
    }
    const files = new Map<string, string>();
    for (const name of detectionFiles) {
      try {
        const read = await readUserFile(join(root, name), { maxBytes: 256 * 1024, shown: name });
        if (read.kind === "file") files.set(name, read.bytes.toString("utf8"));
      } catch {
        // Absent, unreadable or special files (a FIFO named Gemfile) are simply not evidence.
      }
    }
    const detection = detectApp(files, basename(root));
    const interactive = !opts.yes && ctx.stdin.isTTY === true && !ctx.json;
    if (!opts.yes && !interactive) {
      throw new SlipwayError("INIT_NEEDS_INPUT", "init needs a terminal to ask questions, or --yes to accept what it detects", {
        hint: "Run `slipway init --yes` (with --image, --name, … to set values), or run it in a terminal.",
      });
    }
    const answers = interactive ? await ask(ctx, detection, opts) : fromFlags(detection, opts);
    const text = writeSpecText(answers);
    // What init writes must validate; a failure here is a bug, not a user error.
    validateSpec(parseSpecText(text, target));
    try {
      await writeFile(target, text);
    } catch (error) {
      throw new SlipwayError("OUTPUT_WRITE_FAILED", `cannot write ${target}: ${describeFsError(error)}`, {
        hint: "Check that the folder is writable.",
      });
    }
    if (ctx.json) {
      ctx.stdout.write(`${JSON.stringify({ ok: true, result: { file: target, detection, answers } })}\n`);
    } else {
      for (const note of detection.notes) ctx.stderr.write(`  ${ctx.colors.dim("•")} ${note}\n`);
      ctx.stderr.write(
        `${ctx.colors.green("✓")} wrote ${target}\n  next: slipway validate -f ${target} && slipway render kubernetes -f ${target} -e staging\n`,
      );
    }
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

function fromFlags(d: AppDetection, opts: InitOptions): InitAnswers {
  const port = opts.port === undefined ? d.port : parsePort(opts.port);
  const engine = opts.engine === "none" ? undefined : (opts.engine ?? d.engine);
  return {
    name: opts.name ?? d.name,
    image: opts.image ?? `registry.example.com/${opts.name ?? d.name}:0.1.0`,
    port,
    health: opts.health ?? d.health,
    engine,
    migrate: d.migrate,
    setup: d.setup,
    secrets: d.secrets ?? [],
    ingressHost: opts.host,
    framework: d.framework,
  };
}

async function ask(ctx: CliContext, d: AppDetection, opts: InitOptions): Promise<InitAnswers> {
  const base = fromFlags(d, opts);
  const lines = lineReader(ctx.stdin);
  try {
    const q = async (label: string, current: string) => {
      ctx.stderr.write(`${label} ${ctx.colors.dim(`(${current})`)}: `);
      const answer = (await lines.next()).trim();
      return answer === "" ? current : answer;
    };
    ctx.stderr.write(`Detected: ${d.framework}${d.engine ? ` + ${d.engine}` : ""}. Press Enter to accept each value.\n`);
    const name = await q("App name", base.name);
    const image = await q("Image", opts.image ?? `registry.example.com/${name}:0.1.0`);
    const port = parsePort(await q("Port", String(base.port)));
    const health = await q("Health path", base.health);
    const engineAnswer = await q("Database (mysql, postgres, none)", base.engine ?? "none");
    const host = await q("Production host (empty for none)", base.ingressHost ?? "");
    return {
      ...base,
      name,
      image,
      port,
      health,
      engine: engineAnswer === "mysql" || engineAnswer === "postgres" ? engineAnswer : undefined,
      ingressHost: host === "" ? undefined : host,
    };
  } finally {
    lines.close();
  }
}

/** Reads answers line by line; lines typed (or piped) ahead of a question are kept, not lost. */
function lineReader(input: NodeJS.ReadableStream): { next(): Promise<string>; close(): void } {
  const rl = createInterface({ input, terminal: false });
  const queue: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let closed = false;
  rl.on("line", (line) => {
    const resolve = waiting.shift();
    if (resolve) resolve(line);
    else queue.push(line);
  });
  rl.on("close", () => {
    closed = true;
    for (const resolve of waiting.splice(0)) resolve(undefined);
  });
  return {
    async next() {
      const queued = queue.shift();
      if (queued !== undefined) return queued;
      const line = closed ? undefined : await new Promise<string | undefined>((resolve) => waiting.push(resolve));
      if (line === undefined) {
        throw new SlipwayError("INIT_NEEDS_INPUT", "input ended before every question was answered", {
          hint: "Answer each question, or run `slipway init --yes` to accept the detected values.",
        });
      }
      return line;
    },
    close() {
      rl.close();
    },
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SlipwayError("USAGE", `port '${value}' is not a number from 1 to 65535`, { hint: "Pass --port 3000, for example." });
  }
  return port;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
