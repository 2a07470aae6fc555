/*
 * The spec's checks that are code rather than a type, a range or a pattern: the `.refine(...)`
 * predicates of src/spec/schema.ts, and the image reference pattern normalisation reads. Kept
 * free of zod so the generated fast validator (fast-parse.generated.ts) calls the very same
 * functions without loading zod.
 */

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(text: string): boolean {
  let rest = text;
  let groups = 8;
  const colon = rest.lastIndexOf(":");
  if (rest.includes(".")) {
    // An IPv4 tail (::ffff:192.0.2.1) stands for the last two groups.
    if (!ipv4.test(rest.slice(colon + 1))) return false;
    rest = `${rest.slice(0, colon + 1)}0`;
    groups = 7;
  }
  const halves = rest.split("::");
  if (halves.length > 2) return false;
  const parts = halves.map((half) => (half === "" ? [] : half.split(":")));
  if (!parts.flat().every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return false;
  const count = parts.flat().length;
  return halves.length === 2 ? count < groups : count === groups;
}

/**
 * A folder inside the app's release copy, written relative to it: no absolute path, no `..`, so
 * PATH never reaches outside the release (the next release gets its own).
 */
export function isReleaseFolder(p: string): boolean {
  return !p.startsWith("/") && !p.split("/").includes("..") && !p.includes(":") && !p.includes("\0");
}

/** An IPv4 or IPv6 address, or a range of them as address/prefix-length (CIDR). */
export function isAddressOrRange(entry: string): boolean {
  const [address = "", bits, extra] = entry.split("/");
  if (extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits))) return false;
  if (ipv4.test(address)) return bits === undefined || Number(bits) <= 32;
  return isIpv6(address) && (bits === undefined || Number(bits) <= 128);
}

/** A map with at least one entry (`environments`). */
export function hasAnEntry(map: Record<string, unknown>): boolean {
  return Object.keys(map).length > 0;
}

/** registry/repository[:tag][@digest]; a ":port" only counts as one when a "/" follows it. */
export const imageRefPattern =
  /^(?<repository>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+(?=\/))?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** A percentage written with at most three decimals (99.9, 99.95, 99.995): error budgets stay exact. */
export function hasAtMostThreeDecimals(n: number): boolean {
  return Math.abs(n * 1000 - Math.round(n * 1000)) < 1e-6;
}
