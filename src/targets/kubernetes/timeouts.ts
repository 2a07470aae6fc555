/**
 * Per-object timeouts: a Deployment or Job annotated `slipway.dev/timeout: 90s` is waited for that
 * long instead of the rollout (or release Job) default, as krane's timeout-override annotation does.
 */
import type { KubeObject } from "../../effects/kube/kube-api.js";

export const timeoutAnnotation = "slipway.dev/timeout";

/** The longest timeout an annotation may ask for. */
const MAX_MS = 24 * 3600_000;

const UNIT_MS: Readonly<Record<string, number>> = { h: 3600_000, m: 60_000, s: 1000 };

/**
 * Milliseconds of a duration written as hours, minutes and seconds in that order, each at most
 * once (`90s`, `5m`, `1h30m`, `2m30s`); a string saying what is wrong otherwise. Strict: no
 * fractions, no bare numbers, no spaces, more than 0 and at most 24h.
 */
export function parseTimeout(text: string): number | { problem: string } {
  const match = /^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/.exec(text);
  if (text === "" || match === null) return { problem: "not a duration" };
  let ms = 0;
  for (const [index, unit] of ["h", "m", "s"].entries()) {
    const digits = match[index + 1];
    if (digits !== undefined) ms += Number(digits) * (UNIT_MS[unit] ?? 0);
  }
  if (ms === 0) return { problem: "must be more than 0" };
  if (ms > MAX_MS) return { problem: "must be at most 24h" };
  return ms;
}

/** The message for a bad annotation on `ref` (`deployment/web`). */
export function badTimeoutMessage(ref: string, value: string, problem: string): string {
  return `${ref}: annotation ${timeoutAnnotation}: ${JSON.stringify(value.slice(0, 40))} ${problem}; write a duration like 90s, 5m or 1h30m (at most 24h)`;
}

/** The object's timeout: its annotation when present and valid, else `defaultMs`. */
export function timeoutOf(object: Pick<KubeObject, "metadata"> | undefined, defaultMs: number): number {
  const value = object?.metadata?.annotations?.[timeoutAnnotation];
  if (value === undefined) return defaultMs;
  const ms = parseTimeout(value);
  return typeof ms === "number" ? ms : defaultMs;
}

/** One message per Deployment or Job whose timeout annotation does not parse, in the objects' order. */
export function timeoutProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    if (object.kind !== "Deployment" && object.kind !== "Job") continue;
    const value = object.metadata.annotations?.[timeoutAnnotation];
    if (value === undefined) continue;
    const ms = parseTimeout(value);
    if (typeof ms !== "number") problems.push(badTimeoutMessage(`${object.kind.toLowerCase()}/${object.metadata.name}`, value, ms.problem));
  }
  return problems;
}
