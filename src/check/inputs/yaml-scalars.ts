/*
 * How plain YAML scalars and merge keys turn into data: one resolver shared by the fast reader
 * (fast-yaml.ts) and the YAML-library fallback (yaml-data.ts), so both read a file the same way.
 *
 * Two schemas:
 * - "kubernetes": what kubectl and the API server read. Manifests go through sigs.k8s.io/yaml, whose
 *   YAMLToJSON unmarshals with go-yaml v2 (gopkg.in/yaml.v2, now go.yaml.in/yaml/v2, v2.4.x) and
 *   marshals the result to JSON. The rules below follow go-yaml v2's resolve.go and decode.go, not
 *   the YAML 1.1 spec, where the two differ:
 *   - bools: y Y yes Yes YES true True TRUE on On ON / n N no No NO false False FALSE off Off OFF
 *     (single-letter y/n included); any other spelling (yES, oN) is a string;
 *   - null: empty, ~, null, Null, NULL;
 *   - ints: Go's strconv.ParseInt(s, 0, 64) after removing every `_`: decimal with sign, 0x/0X hex,
 *     0o/0O and leading-0 octal (0755 = 493), 0b/0B binary; beyond int64 an unsigned 64-bit value;
 *   - floats: [-+]?(.d+|d+(.d*)?)([eE][-+]?d+)? after removing `_`, and .inf/.Inf/.INF (signed),
 *     .nan/.NaN/.NAN; a float out of range (1e400) stays a string, as strconv.ParseFloat fails;
 *   - no sexagesimal: go-yaml v2 leaves 190:20:30 a string (YAML 1.1 would read 685230);
 *   - timestamps (2001-12-14, 2001-12-14T21:59:43.10-05:00, 2001-12-14 21:59:43) become time.Time,
 *     which JSON writes as RFC 3339: the value Kubernetes sees is "2001-12-14T00:00:00Z";
 *   - mapping keys go through the same resolution and sigs.k8s.io/yaml turns them into JSON
 *     strings: `yes:` is the key "true", `0x10:` is "16", `1.5:` is "1.5" (float32 %g); a null or
 *     timestamp key is an error there, so it is one here;
 *   - `<<` (plain, or tagged !!merge) merges a mapping or a list of mappings. go-yaml v2 applies
 *     keys in document order into one map: keys of the merged mappings overwrite keys written
 *     before the `<<`, keys written after it overwrite merged ones, and in a list the earlier
 *     mappings win. Anything else as the value is an error.
 *   Sources: go-yaml v2.4.0 resolve.go (resolveMapList, resolve, parseTimestamp), decode.go
 *   (mapping, merge, isMerge); sigs.k8s.io/yaml yaml.go (yamlToJSON, convertToJSONableObject).
 *   The `yaml` package's `version: "1.1"` schema differs (sexagesimal ints, no 0o, no +0x, merge
 *   keys that never overwrite), so it is not used for Kubernetes inputs.
 * - "core": the YAML 1.2 core schema, as the `yaml` package reads it (CI files and the rest).
 */

export type YamlSchema = "kubernetes" | "core";

/** The error Kubernetes would give on this document (a null key, a bad merge, a wrong tag). */
export class YamlDataError extends Error {}

type Tag = "null" | "bool" | "int" | "float" | "timestamp" | "str";

interface Resolved {
  tag: Tag;
  value: unknown;
}

const known = new Map<string, Resolved>();
for (const [value, tag, words] of [
  [true, "bool", ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]],
  [false, "bool", ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]],
  [null, "null", ["", "~", "null", "Null", "NULL"]],
  [Number.NaN, "float", [".nan", ".NaN", ".NAN"]],
  [Number.POSITIVE_INFINITY, "float", [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]],
  [Number.NEGATIVE_INFINITY, "float", ["-.inf", "-.Inf", "-.INF"]],
] as const) {
  for (const w of words) known.set(w, { tag, value });
}

const str = (value: string): Resolved => ({ tag: "str", value });

/**
 * Whether go-yaml looks a plain scalar up at all: only when its first character can start a
 * non-string (a digit, sign, dot, one of yYnNtTfFoO~) or it is empty. Most keys and values of a
 * manifest (names, labels, images) are strings at the first character.
 */
function mayResolve(s: string): boolean {
  if (s === "") return true;
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === 126) return true;
  return c === 121 || c === 89 || c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70 || c === 111 || c === 79;
}

/** go-yaml v2's resolve() for an untagged plain scalar. */
function resolveKube(s: string): Resolved {
  if (s === "") return known.get("") as Resolved;
  const c = s.charCodeAt(0);
  const digit = c >= 48 && c <= 57;
  const sign = c === 43 || c === 45;
  // go-yaml looks a scalar up only when its first character can start a non-string.
  if (!mayResolve(s)) return str(s);
  const hit = known.get(s);
  if (hit) return hit;
  if (c === 46) {
    // strconv.ParseFloat on the text as written (no `_` removal on this path).
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) {
      const f = Number(s);
      if (Number.isFinite(f)) return { tag: "float", value: f };
    }
    return str(s);
  }
  if (!digit && !sign) return str(s);
  const time = goTimestamp(s);
  if (time !== undefined) return { tag: "timestamp", value: time };
  const plain = s.includes("_") ? s.replace(/_/g, "") : s;
  const int = goParseInt(plain);
  if (int !== undefined) return { tag: "int", value: int };
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) {
    const f = Number(plain);
    if (Number.isFinite(f)) return { tag: "float", value: f };
  }
  return str(s);
}

const int64Max = (1n << 63n) - 1n;
const uint64Max = (1n << 64n) - 1n;

/** strconv.ParseInt(s, 0, 64), falling back to ParseUint (no sign) as go-yaml does. */
function goParseInt(s: string): number | undefined {
  let i = 0;
  let negative = false;
  const first = s.charCodeAt(0);
  if (first === 43 || first === 45) {
    negative = first === 45;
    i = 1;
  }
  const body = s.slice(i);
  if (body === "") return undefined;
  let base = 10;
  let digits = body;
  if (body[0] === "0") {
    const p = body[1]?.toLowerCase();
    if (body.length >= 3 && (p === "b" || p === "o" || p === "x")) {
      base = p === "b" ? 2 : p === "o" ? 8 : 16;
      digits = body.slice(2);
    } else {
      base = 8;
      digits = body.slice(1);
    }
  }
  const valid = base === 2 ? /^[01]*$/ : base === 8 ? /^[0-7]*$/ : base === 10 ? /^[0-9]+$/ : /^[0-9a-fA-F]+$/;
  if (!valid.test(digits)) return undefined;
  if (digits.length <= 12) {
    const n = digits === "" ? 0 : Number.parseInt(digits, base);
    return negative && n !== 0 ? -n : n;
  }
  const n = BigInt(base === 10 ? digits : `0${base === 2 ? "b" : base === 8 ? "o" : "x"}${digits}`);
  if (negative ? n > int64Max + 1n : n > (i === 0 ? uint64Max : int64Max)) return undefined;
  return Number(negative ? -n : n);
}

const daysIn = (month: number, year: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/**
 * go-yaml v2's parseTimestamp (time.Parse with four layouts), written the way encoding/json writes
 * a time.Time (RFC 3339 with nanoseconds, trailing zeros dropped). Undefined when it is not one.
 */
function goTimestamp(s: string): string | undefined {
  if (s.length < 8 || s.charCodeAt(4) !== 45 || !/^[0-9]{4}/.test(s)) return undefined;
  const m =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|( +))([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[.,]([0-9]+))?(Z|[-+][0-9]{2}:[0-9]{2})?)?$/.exec(
      s,
    );
  if (!m) return undefined;
  const [, y, mo, d, spaced, h, mi, se, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return undefined;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const date = `${y}-${pad(month)}-${pad(day)}`;
  if (h === undefined) return `${date}T00:00:00Z`;
  // The space-separated layout has no zone; the T layouts require one.
  if ((spaced !== undefined) === (zone !== undefined)) return undefined;
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(se);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const nanos = (frac ?? "").slice(0, 9).replace(/0+$/, "");
  let offset = "Z";
  if (zone !== undefined && zone !== "Z") {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 24 || zm > 60) return undefined;
    const total = zh * 60 + zm;
    if (total !== 0) offset = `${zone[0]}${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
  }
  return `${date}T${pad(hour)}:${pad(minute)}:${pad(second)}${nanos ? `.${nanos}` : ""}${offset}`;
}

/** An untagged plain scalar as data. */
export function resolvePlain(s: string, schema: YamlSchema): unknown {
  if (schema === "kubernetes") {
    if (!mayResolve(s)) return s;
    // A letter (y, n, t, f, o and their capitals) starts a non-string only as one of the known words.
    if (startsWithLetter(s)) {
      const hit = known.get(s);
      return hit ? hit.value : s;
    }
    return resolveKube(s).value;
  }
  return resolveCore(s);
}

/** Whether a scalar that mayResolve starts with a letter (so only `known` can make it a non-string). */
function startsWithLetter(s: string): boolean {
  const c = s.charCodeAt(0) | 0x20;
  return c >= 97 && c <= 122;
}

/**
 * A plain mapping key as the JSON key Kubernetes sees (`yes` → "true", `0x10` → "16").
 * Throws YamlDataError for keys sigs.k8s.io/yaml rejects (null, timestamps, beyond int64).
 */
export function kubeKey(s: string): string {
  if (!mayResolve(s) || (startsWithLetter(s) && !known.has(s))) return s;
  const r = resolveKube(s);
  switch (r.tag) {
    case "str":
      return s;
    case "bool":
      return String(r.value);
    case "int": {
      const exact = goParseIntExact(s.replace(/_/g, ""));
      if (exact > int64Max) throw new YamlDataError(`a mapping key beyond int64, which Kubernetes cannot read: ${s}`);
      return String(exact);
    }
    case "float":
      return goFloat32Key(r.value as number);
    default:
      throw new YamlDataError(`a ${r.tag} mapping key, which Kubernetes cannot read: ${s === "" ? "(empty)" : s}`);
  }
}

/** The exact decimal of an int key (Number() would round beyond 2^53). */
function goParseIntExact(plain: string): bigint {
  const negative = plain.startsWith("-");
  const body = plain.replace(/^[-+]/, "");
  let n: bigint;
  if (/^0[bBoOxX]./.test(body)) n = BigInt(`0${body[1]?.toLowerCase()}${body.slice(2)}`);
  else if (body.length > 1 && body[0] === "0") n = BigInt(`0o${body.slice(1)}`);
  else n = BigInt(body);
  return negative ? -n : n;
}

/** strconv.FormatFloat(f, 'g', -1, 32), with go-yaml's spelling of infinities and NaN. */
function goFloat32Key(f: number): string {
  if (Number.isNaN(f)) return ".nan";
  if (f === Number.POSITIVE_INFINITY) return ".inf";
  if (f === Number.NEGATIVE_INFINITY) return "-.inf";
  const x = Math.fround(f);
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  // Shortest digits that read back as the same float32.
  let digits = "";
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const [mantissa, e] = Math.abs(x)
      .toExponential(p - 1)
      .split("e") as [string, string];
    if (Math.fround(Number(`${mantissa}e${e}`)) === Math.abs(x)) {
      digits = mantissa.replace(".", "").replace(/0+$/, "") || "0";
      exp = Number(e);
      break;
    }
  }
  const sign = x < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}e${exp < 0 ? "-" : "+"}${e < 10 ? `0${e}` : e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const fraction = digits.slice(exp + 1);
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}

const yamlTag = "tag:yaml.org,2002:";

/**
 * A tagged scalar (`!!int "5"`), as go-yaml v2 reads it: !!str and !!binary keep the text, the
 * other standard tags resolve and must agree (an int may be read as a float); unknown tags keep
 * the text. Throws YamlDataError where go-yaml fails ("cannot decode !!str `x` as a !!int").
 */
export function resolveTagged(tag: string, s: string): unknown {
  if (!tag.startsWith(yamlTag)) return s;
  const want = tag.slice(yamlTag.length);
  if (want === "str" || want === "binary") return s;
  if (!["bool", "int", "float", "null", "timestamp"].includes(want)) return s;
  const r = resolveKube(s);
  if (r.tag === want) return r.value;
  if (want === "float" && r.tag === "int") return r.value;
  throw new YamlDataError(`cannot decode !!${r.tag} \`${s}\` as a !!${want}`);
}

/** Sets a key, also `__proto__`, as an own property. */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Applies a `<<` value to the mapping being read, in go-yaml v2's order (see the top of this file).
 * `onKey` hears every key set, with the index of the list item it came from (-1 for a single
 * mapping), so a reader can point the key at its line. Throws YamlDataError for other values.
 */
export function applyMerge(target: Record<string, unknown>, value: unknown, onKey?: (key: string, from: number) => void): void {
  const apply = (source: Record<string, unknown>, from: number) => {
    for (const key of Object.keys(source)) {
      setKey(target, key, source[key]);
      onKey?.(key, from);
    }
  };
  if (isMapping(value)) apply(value, -1);
  else if (Array.isArray(value) && value.every(isMapping))
    for (let i = value.length - 1; i >= 0; i--) apply(value[i] as Record<string, unknown>, i);
  else throw new YamlDataError("map merge requires map or sequence of maps as the value");
}

/** YAML 1.2 core schema, as the `yaml` package resolves plain scalars. */
function resolveCore(s: string): unknown {
  if (s === "" || s === "~" || s === "null" || s === "Null" || s === "NULL") return null;
  if (s === "true" || s === "True" || s === "TRUE") return true;
  if (s === "false" || s === "False" || s === "FALSE") return false;
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
    if (/^[-+]?[0-9]+$/.test(s)) return Number(s);
    if (/^0o[0-7]+$/.test(s)) return Number.parseInt(s.slice(2), 8);
    if (/^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.slice(2), 16);
    if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
    if (/^[-+]?\.(inf|Inf|INF)$/.test(s)) return s.startsWith("-") ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    if (/^\.(nan|NaN|NAN)$/.test(s)) return Number.NaN;
  }
  return s;
}
