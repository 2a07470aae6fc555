/**
 * Size limits on what slipway reads, shared by the reader (effects) and the parser (spec) so both
 * refuse the same file with the same words.
 */

/** The largest spec file slipway reads, in bytes: spec files are small; anything past this is a mistake (a log or a binary passed by accident). */
export const maxSpecBytes = 1024 * 1024;
