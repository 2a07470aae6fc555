// A small HTTP app on node:http: /health (liveness, never touches the database), /ready (checks
// the database), / (records a visit and greets), /metrics (Prometheus text format).
import http from "node:http";
import { createPool } from "./db.js";

const port = Number(process.env.PORT ?? 3000);
const version = process.env.APP_VERSION ?? "dev";
const pool = createPool();
// Pool errors on idle clients (e.g. the database restarting) must not crash the process.
pool.on("error", (error) => console.error(`database: ${error.message}`));

const routes = new Set(["/", "/health", "/ready", "/metrics"]);
/** Request counts by "method path status"; unknown paths count as "other" to bound the series. */
const requests = new Map();

function count(method, path, status) {
  const key = `${method} ${routes.has(path) ? path : "other"} ${status}`;
  requests.set(key, (requests.get(key) ?? 0) + 1);
}

function metricsText() {
  const lines = ["# HELP http_requests_total HTTP requests served, by method, path and status.", "# TYPE http_requests_total counter"];
  for (const [key, value] of [...requests].sort(([a], [b]) => a.localeCompare(b))) {
    const [method, path, status] = key.split(" ");
    lines.push(`http_requests_total{method="${method}",path="${path}",status="${status}"} ${value}`);
  }
  lines.push(
    "# HELP process_uptime_seconds Seconds since the process started.",
    "# TYPE process_uptime_seconds gauge",
    `process_uptime_seconds ${process.uptime().toFixed(3)}`,
  );
  return `${lines.join("\n")}\n`;
}

async function handle(req) {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (req.method !== "GET" && req.method !== "HEAD") return { status: 405, body: "method not allowed\n" };
  switch (path) {
    case "/health":
      return { status: 200, body: "UP" };
    case "/ready":
      try {
        await pool.query("SELECT 1");
        return { status: 200, body: "READY" };
      } catch (error) {
        return { status: 503, body: `database unavailable: ${error.message}\n` };
      }
    case "/": {
      await pool.query("INSERT INTO visits (path) VALUES ($1)", [path]);
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM visits");
      return { status: 200, body: `Hello from node-postgres ${version}! Visits so far: ${rows[0].n}\n` };
    }
    case "/metrics":
      // Counted before rendering, so a scrape sees itself.
      count(req.method, path, 200);
      return { status: 200, body: metricsText(), type: "text/plain; version=0.0.4; charset=utf-8", counted: true };
    default:
      return { status: 404, body: "not found\n" };
  }
}

const server = http.createServer((req, res) => {
  handle(req)
    .catch((error) => {
      console.error(`${req.method} ${req.url}: ${error.message}`);
      return { status: 500, body: "internal error\n" };
    })
    .then(({ status, body, type, counted }) => {
      if (!counted) count(req.method, new URL(req.url ?? "/", "http://localhost").pathname, status);
      res.writeHead(status, { "content-type": type ?? "text/plain; charset=utf-8", "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    });
});

// HOST: slipway's local target sets 127.0.0.1, so an instance is reachable only through its proxy.
// Unset (in a container), the server listens on every address.
const host = process.env.HOST || undefined;
server.listen(port, host, () => console.log(`node-postgres ${version} listening on ${host ?? "*"}:${port}`));

// Kubernetes sends SIGTERM after the preStop pause: finish in-flight requests, then exit.
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    console.log(`${signal}: shutting down`);
    server.close(() => {
      pool.end().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  });
}
