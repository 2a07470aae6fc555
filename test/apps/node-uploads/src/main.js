import { createServer } from "node:http";
import { handleFiles } from "./handlers/files.js";
import { log } from "./log/index.js";

const port = Number(process.env.PORT) || 8080;
const host = process.env.HOST || "0.0.0.0";

const server = createServer(async (req, res) => {
  const started = process.hrtime.bigint();
  try {
    if (req.url === "/health") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/plain" }).end("uploads: GET /files, PUT /files/<name>\n");
    } else if (req.url === "/files" || req.url.startsWith("/files/")) {
      await handleFiles(req, res);
    } else {
      res.writeHead(404).end();
    }
  } catch (error) {
    log.error("request failed", { url: req.url, error: String(error) });
    if (!res.headersSent) res.writeHead(500);
    res.end();
  } finally {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log.info("request", { method: req.method, url: req.url, status: res.statusCode, ms: Math.round(ms) });
  }
});

server.listen(port, host, () => log.info("listening", { host, port }));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
