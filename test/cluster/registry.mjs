// A read-only container registry for the real test node (start.sh --real-node): serves the images
// that oci-image.sh wrote into a folder, over the registry HTTP API's pull half, on 127.0.0.1.
// slipway renders `imagePullPolicy: Always`, so the kubelet asks containerd to pull every start;
// containerd is configured to take `slipway.test/...` from here. No pushes, no auth, no internet.
//
// Usage: node test/cluster/registry.mjs DIR PORT_FILE
//   DIR/blobs/sha256/<hex>            content, by digest
//   DIR/tags/<name with / as %2F>/<tag>  the manifest's digest ("sha256:<hex>")
// Writes the port it listens on to PORT_FILE once listening.
import { createReadStream, promises as fs } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

const [dir, portFile] = process.argv.slice(2);
if (dir === undefined || portFile === undefined) {
  process.stderr.write("usage: node registry.mjs DIR PORT_FILE\n");
  process.exit(2);
}

const blobPath = (digest) => (/^sha256:[0-9a-f]{64}$/.test(digest) ? join(dir, "blobs", "sha256", digest.slice(7)) : undefined);

async function manifestDigest(name, reference) {
  if (reference.startsWith("sha256:")) return reference;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(reference)) return undefined;
  try {
    return (await fs.readFile(join(dir, "tags", encodeURIComponent(name), reference), "utf8")).trim();
  } catch {
    return undefined;
  }
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "Content-Type": "application/json", "Docker-Distribution-Api-Version": "registry/2.0", ...headers });
  res.end(body);
}
const notFound = (res, code) => send(res, 404, JSON.stringify({ errors: [{ code, message: code.toLowerCase().replace("_", " ") }] }));

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? "/", "http://registry");
  process.stdout.write(`${new Date().toISOString()} ${req.method} ${url.pathname}\n`);
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "{}");
  if (url.pathname === "/v2/" || url.pathname === "/v2") return send(res, 200, "{}");
  const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
  if (m === null) return notFound(res, "NAME_UNKNOWN");
  const [, name, kind, reference] = m;
  const digest = kind === "manifests" ? await manifestDigest(name, reference) : reference;
  const path = digest === undefined ? undefined : blobPath(digest);
  let stat;
  try {
    stat = path === undefined ? undefined : await fs.stat(path);
  } catch {
    stat = undefined;
  }
  if (path === undefined || stat === undefined) return notFound(res, kind === "manifests" ? "MANIFEST_UNKNOWN" : "BLOB_UNKNOWN");
  let type = "application/octet-stream";
  if (kind === "manifests") type = JSON.parse(await fs.readFile(path, "utf8")).mediaType ?? "application/vnd.oci.image.manifest.v1+json";
  res.writeHead(200, {
    "Content-Type": type,
    "Content-Length": String(stat.size),
    "Docker-Content-Digest": digest,
    "Docker-Distribution-Api-Version": "registry/2.0",
  });
  if (req.method === "HEAD") return res.end();
  createReadStream(path).pipe(res);
});
server.listen(0, "127.0.0.1", async () => {
  const address = server.address();
  await fs.writeFile(`${portFile}.tmp`, String(address.port));
  await fs.rename(`${portFile}.tmp`, portFile);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
