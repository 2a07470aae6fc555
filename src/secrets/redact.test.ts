import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineSplitter, REDACTED, Redactor, secretForms } from "./redact.js";

const multiLine = 'A"b\nSECONDLINE';

describe("Redactor", () => {
  it("removes every occurrence of every secret, longest first", () => {
    const r = new Redactor(["hunter2-secret", "hunter2-secret-longer"]);
    expect(r.text("a hunter2-secret-longer b hunter2-secret c")).toBe(`a ${REDACTED} b ${REDACTED} c`);
  });

  it("leaves text alone without secrets, and ignores values too short to matter", () => {
    expect(new Redactor([]).text("x")).toBe("x");
    expect(new Redactor(["ab"]).text("abc")).toBe("abc");
  });

  it("redacts each line of a multi-line value (4 characters or more) and the whole value", () => {
    const r = new Redactor([multiLine]);
    expect(r.text("SECONDLINE")).toBe(REDACTED);
    expect(r.text(`value: ${multiLine}!`)).toBe(`value: ${REDACTED}!`);
    // A 3-character line alone is not a secret's appearance.
    expect(r.text('A"b')).toBe('A"b');
    const key = "-----BEGIN KEY-----\r\n  MIIEvQIBADANBgkq  \r\n-----END KEY-----";
    expect(new Redactor([key]).text("line: MIIEvQIBADANBgkq")).toBe(`line: ${REDACTED}`);
  });

  it("redacts JSON-escaped forms (once, twice, and with non-ASCII escaped)", () => {
    const r = new Redactor([multiLine, "pässwörd-ü"]);
    expect(r.text(JSON.stringify({ v: multiLine }))).toBe(`{"v":"${REDACTED}"}`);
    expect(r.text(JSON.stringify(JSON.stringify({ v: multiLine })))).not.toContain("SECONDLINE");
    expect(r.text(JSON.stringify(JSON.stringify({ v: multiLine })))).not.toContain('A\\\\\\"b');
    expect(r.text('{"v":"p\\u00e4ssw\\u00f6rd-\\u00fc"}')).toBe(`{"v":"${REDACTED}"}`);
  });

  it("redacts URL-encoded forms (component, URI, form encoding, lower-case hex)", () => {
    const value = "p@ss w/rd&x=1";
    const r = new Redactor([value]);
    for (const encoded of [
      encodeURIComponent(value),
      encodeURI(value),
      new URLSearchParams({ v: value }).toString().slice(2),
      encodeURIComponent(value).toLowerCase(),
    ]) {
      expect(r.text(`postgres://app:${encoded}@db/x`)).toBe(`postgres://app:${REDACTED}@db/x`);
    }
  });

  it("redacts base64 forms: standard, URL-safe, unpadded, and embedded in a longer base64 string at any alignment", () => {
    const value = "s3cr3t-value-?>~";
    const r = new Redactor([value]);
    const std = Buffer.from(value).toString("base64");
    expect(r.text(`Basic ${std}`)).toBe(`Basic ${REDACTED}`);
    expect(r.text(Buffer.from(value).toString("base64url"))).toBe(REDACTED);
    for (const prefix of ["", "u", "us", "user:", "user:x"]) {
      const encoded = Buffer.from(`${prefix}${value}:tail`).toString("base64");
      const out = r.text(encoded);
      expect(out).toContain(REDACTED);
      // What is left cannot decode back to the value.
      expect(Buffer.from(out.replace(REDACTED, ""), "base64").toString("latin1")).not.toContain("cr3t-val");
    }
  });

  it("merges overlapping matches of two secrets into one marker", () => {
    const r = new Redactor(["abcdefgh", "efghijkl"]);
    expect(r.text("xx abcdefghijkl yy")).toBe(`xx ${REDACTED} yy`);
  });

  it("learns values added later", () => {
    const r = new Redactor(["first-secret"]);
    expect(r.text("second-secret")).toBe("second-secret");
    r.add(["second-secret"]);
    expect(r.text("second-secret first-secret")).toBe(`${REDACTED} ${REDACTED}`);
  });

  it("redacts every string of a structure, keys too, and keeps other values", () => {
    const r = new Redactor(["top-secret"]);
    const record = { a: ["x top-secret"], n: 5, b: { "top-secret": null, ok: true }, u: undefined };
    expect(r.deep(record)).toEqual({ a: [`x ${REDACTED}`], n: 5, b: { [REDACTED]: null, ok: true }, u: undefined });
    expect(record.a[0]).toBe("x top-secret");
  });

  it("redacts an error's message and fields, keeping its class", () => {
    class CodedError extends Error {
      constructor(
        message: string,
        readonly code: string,
        readonly hint: string,
      ) {
        super(message);
      }
    }
    const r = new Redactor(["top-secret"]);
    const out = r.error(new CodedError("bad top-secret", "X", "try top-secret"));
    expect(out).toBeInstanceOf(CodedError);
    expect(out.message).toBe(`bad ${REDACTED}`);
    expect(out.hint).toBe(`try ${REDACTED}`);
    expect(out.code).toBe("X");
    expect(out.stack ?? "").not.toContain("top-secret");
  });

  it("never leaves a secret in random text around random secrets (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 30 }), fc.string(), fc.string(), (secret, before, after) => {
        const r = new Redactor([secret]);
        for (const form of [
          secret,
          JSON.stringify(secret).slice(1, -1),
          encodeURIComponent(secret),
          Buffer.from(secret).toString("base64"),
        ]) {
          if (form.length < 4) continue;
          expect(r.text(`${before}${form}${after}`)).not.toContain(form);
        }
      }),
    );
  });

  it("lists the forms once each", () => {
    const forms = secretForms(multiLine);
    expect(new Set(forms).size).toBe(forms.length);
    expect(forms).toContain("SECONDLINE");
    expect(forms).toContain('A\\"b\\nSECONDLINE');
    expect(secretForms("abc")).toEqual([]);
  });
});

describe("LineSplitter", () => {
  it("holds a partial line until the rest arrives, so a secret split across chunks is redacted", () => {
    const r = new Redactor(["split-secret-value"]);
    const split = new LineSplitter();
    const out = [...split.push("one\r\ntwo split-sec"), ...split.push("ret-value three\nfour"), ...split.end()].map((l) => r.text(l));
    expect(out).toEqual(["one", `two ${REDACTED} three`, "four"]);
    expect(split.end()).toEqual([]);
  });
});
