import { splitAnd, splitWords } from "../../init/shell-words.js";

/*
 * Whether a prepare command only installs dependencies (a virtualenv, node_modules, a bundle) from
 * the files the reuse key covers, so that reused outputs make running it pointless. A build step
 * (`collectstatic`, `npm run build`), an install of the app's own code (`pip install .`), any shell
 * syntax beyond `&&`, or anything not recognised means no: the prepare then runs again over the
 * reused outputs, where an installer finds everything in place. Pure.
 */
export function installsOnly(prepare: readonly string[]): boolean {
  if (prepare[0] === "sh" && prepare[1] === "-c" && prepare.length === 3) {
    // Words and quotes joined by `&&` only: anything else (`;`, pipes, redirections, `$`) is not read.
    const steps = splitAnd(prepare[2] as string).map((step) => splitWords(step));
    return (
      steps.length > 0 &&
      steps.every((words) => words !== undefined && words.length > 0 && !words.some((w) => w.includes("$")) && installStep(words))
    );
  }
  return installStep(prepare);
}

function installStep(command: readonly string[]): boolean {
  // Leading VAR=value assignments (POETRY_VIRTUALENVS_IN_PROJECT=true poetry install).
  const words = command.slice(command.findIndex((w) => !/^[A-Za-z_]\w*=/.test(w)));
  const [program = "", verb, ...rest] = words;
  const name = program.replace(/^\.venv\/bin\//, "");
  if (name === "npm") return verb === "ci" || verb === "install" || verb === "i";
  if (name === "pnpm" || name === "bun") return verb === "install" || verb === "i";
  if (name === "yarn") return verb === undefined || verb === "install" || verb.startsWith("--");
  if (name === "bundle") return verb === "install" || (verb === "config" && rest[0] === "set" && rest[1] === "--local");
  if (/^python3?(\.\d+)?$/.test(name) && verb === "-m") {
    if (rest[0] === "venv") return rest.slice(1).every((w) => w.startsWith("-") || w === ".venv");
    if (rest[0] === "pip" && rest[1] === "install") return pipArgumentsOnly(rest.slice(2));
    return false;
  }
  if (/^pip3?$/.test(name)) return verb === "install" && pipArgumentsOnly(rest);
  if (name === "uv") return (verb === "sync" && !rest.includes("--no-editable")) || verb === "venv";
  if (name === "poetry") return verb === "install";
  return false;
}

/** pip arguments that install from requirement files or names only, never the app's own folder (`.`, `-e .`). */
function pipArgumentsOnly(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "-r" || arg === "--requirement" || arg === "-c" || arg === "--constraint") {
      i += 1;
      continue;
    }
    if (arg === "-e" || arg === "--editable") return false;
    if (arg.startsWith("-")) continue;
    // A requirement specifier (flask==3.1.0, 'django>=5.1,<5.3', psycopg[binary]), not a path or URL.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?([<>=!~]=?[^\s/]*)?(,[<>=!~]=?[^\s/,]*)*$/.test(arg)) return false;
  }
  return true;
}
