const { Pool } = require("pg");

// DATABASE_URL is the usual way in; a local default keeps `npm run dev` simple.
const pool = new Pool({
  connectionString: process.env.DATABASE_URL || "postgres://localhost:5432/tasks_dev",
  max: Number(process.env.PG_POOL_MAX || 10),
  idleTimeoutMillis: 30_000,
});

pool.on("error", (err) => {
  console.error("idle PostgreSQL client failed:", err.message);
});

module.exports = { pool, query: (text, params) => pool.query(text, params) };
