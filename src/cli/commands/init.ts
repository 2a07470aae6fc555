import { access, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { describeFsError } from "../../effects/files.js";
import { type LocalSecretsFile, writeLocalSecretsFile } from "../../effects/local-secrets-file.js";
import { programsOnPath, readProjectFiles } from "../../effects/project-files.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { type AppDetection, detectApp, optionalTools } from "../../init/detect-app.js";
import { contractDoc, type InitAnswers, schemaFileName, writeSpecText } from "../../init/write-spec.js";
import { specJsonSchema } from "../../spec/json-schema.js";
import { parseSpecText } from "../../spec/load.js";
import { buildModel, defaultLocalSecretsFile } from "../../spec/normalize.js";
import { validateSpec } from "../../spec/validate.js";
import type { CliContext } from "../context.js";
import { numberParser, numberRules } from "../numeric-options.js";
import { report } from "../report.js";

export interface InitOptions {
  yes?: boolean;
  force?: boolean;
  name?: string;
  image?: string;
  /** Parsed and range-checked by the CLI (numberRules.port). */
  port?: number;
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
    const files = await readProjectFiles(root);
    const tools = await programsOnPath(optionalTools, ctx.env.PATH);
    const detection = detectApp(files, basename(root), tools);
    const interactive = !opts.yes && ctx.stdin.isTTY === true && !ctx.json;
    if (!opts.yes && !interactive) {
      throw new SlipwayError("INIT_NEEDS_INPUT", "init needs a terminal to ask questions, or --yes to accept what it detects", {
        hint: "Run `slipway init --yes` (with --image, --name, … to set values), or run it in a terminal.",
      });
    }
    const answers = withHostAllowed(interactive ? await ask(ctx, detection, opts) : fromFlags(detection, opts), detection);
    const text = writeSpecText(answers);
    // What init writes must validate; a failure here is a bug, not a user error.
    const validated = validateSpec(parseSpecText(text, target));
    // The JSON Schema beside the spec: editors check the file without node_modules or a network.
    const schemaFile = join(root, schemaFileName);
    try {
      await writeFile(target, text);
      await writeFile(schemaFile, `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
    } catch (error) {
      throw new SlipwayError("OUTPUT_WRITE_FAILED", `cannot write ${target}: ${describeFsError(error)}`, {
        hint: "Check that the folder is writable.",
      });
    }
    const secretsFile = await localSecrets(root, validated, answers.secrets);
    if (ctx.json) {
      ctx.stdout.write(
        `${JSON.stringify({ ok: true, result: { file: target, schema: schemaFile, contract: contractDoc, detection, answers, ...(secretsFile ? { secretsFile } : {}) } })}\n`,
      );
    } else {
      ctx.stderr.write("What init guessed, and why (edit slipway.yaml where a guess is wrong):\n");
      for (const note of detection.notes) {
        // Indented lines continue the note above (a route to add, for instance).
        ctx.stderr.write(note.startsWith(" ") ? `    ${note}\n` : `  ${ctx.colors.dim("•")} ${note}\n`);
      }
      ctx.stderr.write(
        `${ctx.colors.green("✓")} wrote ${target} and ${schemaFileName} beside it\n` +
          `  the app contract (PORT, HOST, DATABASE_URL, health): ${contractDoc}\n` +
          secretsNote(secretsFile) +
          `  next: slipway validate -f ${target} && slipway deploy -f ${target} -e local\n`,
      );
    }
    return 0;
  } catch (error) {
    return report(ctx, error);
  }
}

/**
 * Random local-only values for the app's secrets in the local environment's env file, so an
 * unedited spec deploys locally. Only for the default env file of `local`; an existing file is kept.
 */
async function localSecrets(
  root: string,
  validated: ReturnType<typeof validateSpec>,
  names: readonly string[],
): Promise<(LocalSecretsFile & { names: string[] }) | undefined> {
  const local = validated.environments.local;
  if (names.length === 0 || local === undefined || local.secretSource !== undefined) return undefined;
  // Only when the environment reads the default env file (a local target's default secret source).
  const source = buildModel(validated, local, { tag: "init" }).secrets.source;
  if (source.kind !== "env-file" || source.path !== defaultLocalSecretsFile) return undefined;
  const file = join(root, defaultLocalSecretsFile);
  try {
    return { ...(await writeLocalSecretsFile(file, names)), names: [...names] };
  } catch (error) {
    throw new SlipwayError("OUTPUT_WRITE_FAILED", `cannot write ${file}: ${describeFsError(error)}`, {
      hint: "Check that the folder is writable.",
    });
  }
}

/** What init says about the secrets file: never a value. */
function secretsNote(written: LocalSecretsFile | undefined): string {
  if (!written) return "";
  const file = defaultLocalSecretsFile;
  if (written.created)
    return `  wrote ${file} (mode 600, ignored by git) with random local-only values for the secrets; replace one with a real value where the app needs it\n`;
  if (written.missing.length > 0)
    return `  kept the existing ${file}; it has no value for ${written.missing.join(", ")}: add ${written.missing.map((n) => `${n}=…`).join(", ")} before deploying\n`;
  return `  kept the existing ${file} (it has a value for every secret)\n`;
}

/** The public host joins the app's host allow-list (Django ALLOWED_HOSTS, Rails config.hosts) when it comes from env. */
function withHostAllowed(answers: InitAnswers, d: AppDetection): InitAnswers {
  const variable = d.hosts?.variable;
  if (!answers.ingressHost || !variable || !d.env[variable]) return answers;
  const separator = d.hosts?.separator ?? ",";
  return { ...answers, env: { ...d.env, [variable]: `${d.env[variable]}${separator}${answers.ingressHost}` } };
}

function fromFlags(d: AppDetection, opts: InitOptions): InitAnswers {
  const port = opts.port ?? d.port;
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
    command: d.command,
    env: d.env,
    local: d.local,
    databaseUrlScheme: d.databaseUrlScheme,
    buildSteps: d.buildSteps,
    ci: d.ci,
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
    const port = numberParser(numberRules.port, "port")(await q("Port", String(base.port)));
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

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
