// Knex reads this file for `knex migrate:latest` and the app requires it too.
const connection = process.env.DATABASE_URL || {
  host: process.env.DB_HOST || "127.0.0.1",
  port: Number(process.env.DB_PORT || 3306),
  user: process.env.DB_USER || "bookings",
  password: process.env.DB_PASSWORD || "",
  database: process.env.DB_NAME || "bookings",
};

module.exports = {
  client: "mysql2",
  connection,
  pool: { min: 0, max: 8 },
  migrations: { directory: "./db/migrations", tableName: "knex_migrations" },
  seeds: { directory: "./db/seeds" },
};
