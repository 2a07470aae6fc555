import { basename } from "node:path";
import mime from "mime-types";
import { log } from "../log/index.js";
import { list, receive } from "../staging.js";

const token = process.env.UPLOAD_TOKEN;

export async function handleFiles(req, res) {
  if (req.method === "GET") {
    const files = await list();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(files.map((f) => ({ ...f, type: mime.lookup(f.name) || "application/octet-stream" }))));
    return;
  }
  if (req.method === "PUT") {
    if (!token || req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end();
      return;
    }
    const name = basename(decodeURIComponent(req.url.slice("/files/".length)));
    if (!name || name.startsWith(".")) {
      res.writeHead(400).end("bad name\n");
      return;
    }
    const saved = await receive(name, req);
    log.info("upload stored", saved);
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify(saved));
    return;
  }
  res.writeHead(405, { allow: "GET, PUT" }).end();
}
