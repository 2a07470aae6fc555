/*
 * DATABASE_URL, composed the same way on every target: `<scheme>://<user>:<password>@<host>:<port>/<name>`
 * with the user and password percent-encoded, so any password (`@`, `/`, `:`, `%`, spaces, quotes …)
 * reaches the driver intact. Pure.
 */
import type { DatabaseModel } from "../model/app-model.js";

/**
 * Percent-encodes every byte of the UTF-8 text except the unreserved characters A–Z a–z 0–9 - . _ ~
 * (RFC 3986): valid in a URL's userinfo whatever the parser. Exactly what Go's `url.QueryEscape`
 * gives with `+` (its space) written `%20`, which the ExternalSecret template relies on.
 */
export function percentEncode(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export interface DatabaseUrlParts {
  scheme: string;
  user: string;
  password: string;
  host: string;
  port: number;
  name: string;
}

/** The composed DATABASE_URL. */
export function databaseUrl(parts: DatabaseUrlParts): string {
  const host = parts.host.includes(":") && !parts.host.startsWith("[") ? `[${parts.host}]` : parts.host;
  return `${parts.scheme}://${percentEncode(parts.user)}:${percentEncode(parts.password)}@${host}:${parts.port}/${parts.name}`;
}

/**
 * The same URL as an External Secrets (engine v2) template over the keys `host` and `password`:
 * `urlquery` is Go's QueryEscape, which writes a space as `+` and a real `+` as `%2B`, so turning
 * every `+` into `%20` gives percentEncode's output byte for byte.
 */
export function databaseUrlTemplate(db: Pick<DatabaseModel, "urlScheme" | "port" | "name" | "host">, user: string): string {
  const host = db.host === undefined ? "{{ .host }}" : db.host.includes(":") ? `[${db.host}]` : db.host;
  return `${db.urlScheme}://${percentEncode(user)}:{{ .password | urlquery | replace "+" "%20" }}@${host}:${db.port}/${db.name}`;
}
