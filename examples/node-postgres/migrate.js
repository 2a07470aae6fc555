// Applies migrations/*.sql in name order, each once. Safe to run on every deploy and from
// several pods at once: an advisory lock serialises runs, schema_migrations records what ran,
// and each migration commits together with its record.
import { readdir, readFile } from "node:fs/promises";
import { createClient } from "./db.js";

const migrationsDir = new URL("./migrations/", import.meta.url);
// Any constant shared by every copy of this script; 0x736c7077 is "slpw".
const lockKey = 0x736c7077;

async function main() {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith(".sql")).sort();
  const client = createClient();
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [lockKey]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const { rows } = await client.query("SELECT version FROM schema_migrations");
    const applied = new Set(rows.map((row) => row.version));
    let count = 0;
    for (const file of files) {
      const version = file.replace(/\.sql$/, "");
      if (applied.has(version)) continue;
      const sql = await readFile(new URL(file, migrationsDir), "utf8");
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [version]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${version} failed: ${error.message}`, { cause: error });
      }
      console.log(`applied ${version}`);
      count++;
    }
    console.log(count === 0 ? `up to date (${files.length} migrations)` : `applied ${count} of ${files.length} migrations`);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(`migrate: ${error.message}`);
  process.exitCode = 1;
});
