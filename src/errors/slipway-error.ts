import { type ErrorCode, errorCodes } from "./codes.js";

/** Where in a spec an error points. Line and column are 1-based. */
export interface SpecLocation {
  file: string;
  /** Path of keys and indices inside the spec, e.g. ["app", "scale", "min"]. */
  path: readonly (string | number)[];
  line?: number;
  col?: number;
}

export interface SlipwayErrorOptions {
  location?: SpecLocation;
  hint?: string;
  cause?: unknown;
  /** Further errors of the same kind found in the same pass (e.g. every spec problem at once). */
  related?: readonly SlipwayError[];
}

/** The one error type slipway's library throws for expected, user-facing failures. */
export class SlipwayError extends Error {
  readonly code: ErrorCode;
  readonly location: SpecLocation | undefined;
  readonly hint: string | undefined;
  readonly related: readonly SlipwayError[];

  constructor(code: ErrorCode, message: string, options: SlipwayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SlipwayError";
    this.code = code;
    this.location = options.location;
    this.hint = options.hint;
    this.related = options.related ?? [];
  }

  get exitCode(): number {
    return errorCodes[this.code].exit;
  }

  /** A JSON-safe view for `--json` output. */
  toJSON(): SlipwayErrorJson {
    const json: SlipwayErrorJson = { code: this.code, message: this.message };
    if (this.location) json.location = { ...this.location, path: formatPath(this.location.path) };
    if (this.hint) json.hint = this.hint;
    if (this.related.length > 0) json.related = this.related.map((e) => e.toJSON());
    return json;
  }
}

export interface SlipwayErrorJson {
  code: ErrorCode;
  message: string;
  location?: { file: string; path: string; line?: number; col?: number };
  hint?: string;
  related?: SlipwayErrorJson[];
}

/** `["app", "scale", 0, "min"]` → `app.scale[0].min` */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === "" ? "(top level)" : out;
}

export function isSlipwayError(value: unknown): value is SlipwayError {
  return value instanceof SlipwayError;
}
