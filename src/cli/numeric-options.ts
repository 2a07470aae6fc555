import { Option } from "commander";
import { SlipwayError } from "../errors/slipway-error.js";

/** What a numeric command-line value may be. */
export interface NumberRule {
  min: number;
  max: number;
  /** Why the bounds are what they are, when it is not obvious (appended to the message). */
  why?: string;
  /** A typical value, for the hint. */
  typical: number;
}

/** Every kind of number slipway's flags (and init's questions) take: one place decides what is valid. */
export const numberRules = {
  // The serving release is always one of those kept: fewer than 1 would delete what serves.
  keep: { min: 1, max: 10_000, why: "the serving release is always kept", typical: 5 },
  seconds: { min: 1, max: 86_400, typical: 120 },
  revision: { min: 1, max: Number.MAX_SAFE_INTEGER, typical: 3 },
  lines: { min: 0, max: 1_000_000, typical: 200 },
  port: { min: 1, max: 65_535, typical: 3000 },
  // `slipway db backup --keep`: the backup just taken is one of those kept.
  backups: { min: 1, max: 10_000, why: "the backup just taken is always kept", typical: 7 },
  // `slipway db drill --timeout` (AWS): minutes for the restore and the instance.
  minutes: { min: 1, max: 1_440, typical: 90 },
  // `slipway golive --max-drill-age`: days.
  days: { min: 1, max: 3_650, typical: 7 },
} as const satisfies Record<string, NumberRule>;

/** "a whole number from 1 to 10000 (why)" */
export function describeRule(rule: NumberRule): string {
  const range = rule.max === Number.MAX_SAFE_INTEGER ? `${rule.min} or more` : `from ${rule.min} to ${rule.max}`;
  return `a whole number ${range}${rule.why ? ` (${rule.why})` : ""}`;
}

/**
 * Parses a whole number written in decimal digits and checks it against `rule`; undefined when it
 * is anything else. `-1`, `abc`, `1e3`, `0x1F`, `2.5` and the empty string are refused rather than
 * coerced: `Number("")` is 0 and `Number("0x1F")` is 31.
 */
export function parseWholeNumber(value: string, rule: NumberRule): number | undefined {
  const text = value.trim();
  if (!/^[0-9]+$/.test(text)) return undefined;
  const number = Number(text);
  return Number.isSafeInteger(number) && number >= rule.min && number <= rule.max ? number : undefined;
}

/**
 * commander's argParser for `rule`: the number, or a USAGE error (exit 2) whose hint shows a good
 * value. A SlipwayError passes through commander untouched (its own invalid-argument error would
 * drop the hint), so the CLI reports it like any other.
 */
export function numberParser(rule: NumberRule, what: string): (value: string) => number {
  return (value) => {
    const number = parseWholeNumber(value, rule);
    if (number === undefined)
      throw new SlipwayError("USAGE", `${what}: '${value}' is not ${describeRule(rule)}`, {
        hint: `e.g. ${what.startsWith("-") ? `${what} ` : ""}${rule.typical}`,
      });
    return number;
  };
}

/**
 * An option taking a number checked by `rule`. No commander default: a default shown in `--help`
 * would be passed on as if typed, hiding the command's (or target's) own default.
 */
export function numberOption(flags: string, description: string, rule: NumberRule): Option {
  const option = new Option(flags, description);
  return option.argParser(numberParser(rule, option.long ?? flags));
}
