// The app's logger: one JSON line per event to stdout, and the same line to logs/app.log so an
// operator on the box can tail it. The folder is created on first use.
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.LOG_DIR || "logs";
let fileReady = false;

function write(level, message, fields) {
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  process.stdout.write(`${line}\n`);
  try {
    if (!fileReady) {
      mkdirSync(dir, { recursive: true });
      fileReady = true;
    }
    appendFileSync(join(dir, "app.log"), `${line}\n`);
  } catch {
    // A read-only disk must not take the app down; stdout still has the line.
  }
}

export const log = {
  info: (message, fields = {}) => write("info", message, fields),
  warn: (message, fields = {}) => write("warn", message, fields),
  error: (message, fields = {}) => write("error", message, fields),
};
