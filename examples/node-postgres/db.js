// Connection settings from the environment, as slipway wires them: DATABASE_URL, or the
// DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD parts when no URL is given.
import pg from "pg";

/** pg connection options for `env`; throws when neither form is complete. */
export function connectionConfig(env = process.env) {
  const common = { connectionTimeoutMillis: 5_000, application_name: "node-postgres" };
  if (env.DATABASE_URL) return { ...common, connectionString: env.DATABASE_URL };
  const missing = ["DB_HOST", "DB_NAME", "DB_USER"].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(`set DATABASE_URL, or ${missing.join(", ")} (with DB_PORT and DB_PASSWORD)`);
  }
  return {
    ...common,
    host: env.DB_HOST,
    port: Number(env.DB_PORT ?? 5432),
    database: env.DB_NAME,
    user: env.DB_USER,
    password: env.DB_PASSWORD ?? "",
  };
}

export function createPool(env = process.env) {
  return new pg.Pool({ ...connectionConfig(env), max: Number(env.DB_POOL_SIZE ?? 5), idleTimeoutMillis: 30_000 });
}

export function createClient(env = process.env) {
  return new pg.Client(connectionConfig(env));
}
