/** Values that are credentials whatever their name: cloud keys, private keys, URLs with passwords. */
const credentialValue = [
  /\bAKIA[0-9A-Z]{16}\b/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b(ghp|gho|ghs|github_pat)_[A-Za-z0-9_]{20,}/,
  /\bxox[baprs]-[A-Za-z0-9-]{10,}/,
  /\bsk_live_[A-Za-z0-9]{10,}/,
  // scheme://user:password@host, where the password is not a $(VAR) or ${VAR} reference.
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@$]+:(?!\$[({])[^\s@/$]{3,}@/i,
];

export function looksLikeCredential(value: string): boolean {
  return credentialValue.some((re) => re.test(value));
}

/** Names that by convention hold secrets. */
export const sensitiveKey = /(passw(or)?d|passwd|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|credential|bearer)/i;
