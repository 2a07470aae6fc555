/**
 * What the real proxy daemon passes on: hop-by-hop headers stop at it in both directions (RFC 9110
 * §7.6.1), a chunked body arrives whole, X-Forwarded-For / Forwarded carry the client's address and
 * keep a client-sent chain only from a trusted proxy, and a websocket upgrade still goes through.
 * The upstream is a real HTTP server that echoes the headers it received.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request } from "node:http";
import type { Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../src/effects/processes.js";
import { ensureProxy, setRoutes, stopProxy } from "../../../src/targets/local/proxy-control.js";
import { bundleScript, Cleanups, tempDir } from "./helpers.js";

const cleanups = new Cleanups();
const host = "127.0.0.1";
let stateDir = "";
let port = 0;
let upstreamPort = 0;
let revision = 0;

/** What the upstream saw: the headers and the body of the request. */
interface Echo {
  headers: IncomingHttpHeaders;
  body: string;
}

beforeAll(async () => {
  stateDir = join(await tempDir(cleanups, "proxy-headers"), "proxy");
  port = await freePort();
  const entry = [process.execPath, await bundleScript(cleanups, "src/targets/local/proxy-main.ts")];
  cleanups.add(() => stopProxy(stateDir, { graceMs: 5_000 }));
  const upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      // Hop-by-hop headers of the upstream's own connection, which must not reach the client.
      res.writeHead(200, {
        "content-type": "application/json",
        connection: "x-resp-hop",
        "x-resp-hop": "secret",
        "keep-alive": "timeout=99",
        "proxy-authenticate": "Basic realm=upstream",
        trailer: "x-trailer",
        upgrade: "h2c",
      });
      res.end(JSON.stringify({ headers: req.headers, body: Buffer.concat(chunks).toString() } satisfies Echo));
    });
  });
  upstream.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n");
    socket.write(JSON.stringify(req.headers));
  });
  const sockets = new Set<Socket>();
  upstream.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => upstream.listen(0, host, resolve));
  upstreamPort = (upstream.address() as { port: number }).port;
  cleanups.add(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        upstream.close(() => resolve());
      }),
  );
  await ensureProxy({ stateDir, host, port, entry });
}, 60_000);

afterAll(async () => {
  await cleanups.run();
}, 60_000);

async function route(trustedProxies: string[]): Promise<void> {
  await setRoutes(stateDir, { revision: ++revision, upstreams: [{ host, port: upstreamPort }], trustedProxies }, { timeoutMs: 10_000 });
}

/** A chunked POST through the proxy with hop-by-hop and forged forwarding headers. */
function send(): Promise<{ status: number; headers: IncomingHttpHeaders; echo: Echo }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        method: "POST",
        path: "/echo",
        agent: false,
        headers: {
          connection: "keep-alive, x-hop",
          "x-hop": "must not pass",
          "keep-alive": "timeout=30",
          "proxy-authorization": "Basic cHJveHk6c2VjcmV0",
          te: "trailers",
          upgrade: "h2c",
          "transfer-encoding": "chunked",
          "x-forwarded-for": "6.6.6.6",
          forwarded: "for=6.6.6.6;proto=https",
          "x-forwarded-proto": "https",
          "x-forwarded-host": "forged.example",
          "x-end-to-end": "kept",
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, echo: JSON.parse(Buffer.concat(chunks).toString()) as Echo }),
        );
      },
    );
    req.on("error", reject);
    req.write("hello ");
    req.end("world");
  });
}

describe("headers through the local proxy", () => {
  it("strips hop-by-hop request headers, keeps end-to-end ones, and delivers a chunked body whole", async () => {
    await route([]);
    const { status, echo } = await send();
    expect(status).toBe(200);
    for (const name of ["x-hop", "keep-alive", "proxy-authorization", "te", "upgrade"]) expect(echo.headers[name], name).toBeUndefined();
    expect(echo.headers.connection ?? "").not.toMatch(/x-hop/i);
    expect(echo.headers["x-end-to-end"]).toBe("kept");
    expect(echo.headers["transfer-encoding"]).toBe("chunked");
    expect(echo.body).toBe("hello world");
  });

  it("strips the upstream's hop-by-hop response headers", async () => {
    await route([]);
    const { headers } = await send();
    expect(headers["x-resp-hop"]).toBeUndefined();
    expect(headers["proxy-authenticate"]).toBeUndefined();
    expect(headers.trailer).toBeUndefined();
    expect(headers.upgrade).toBeUndefined();
    expect(headers.connection ?? "").not.toMatch(/x-resp-hop/i);
    // The proxy may announce its own keep-alive; never the upstream's.
    expect(headers["keep-alive"] ?? "").not.toContain("99");
    expect(headers["content-type"]).toBe("application/json");
  });

  it("replaces a forged X-Forwarded-For / Forwarded chain from an untrusted client with the client's address", async () => {
    await route([]);
    const { echo } = await send();
    expect(echo.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(echo.headers.forwarded).toBe(`for=127.0.0.1;host="${host}:${port}";proto=http`);
    expect(echo.headers["x-forwarded-proto"]).toBe("http");
    expect(echo.headers["x-forwarded-host"]).toBe(`${host}:${port}`);
  });

  it("appends to the chain of a trusted proxy (targets.<name>.trustedProxies)", async () => {
    await route(["127.0.0.0/8"]);
    const { echo } = await send();
    expect(echo.headers["x-forwarded-for"]).toBe("6.6.6.6, 127.0.0.1");
    expect(echo.headers.forwarded).toBe(`for=6.6.6.6;proto=https, for=127.0.0.1;host="${host}:${port}";proto=http`);
    expect(echo.headers["x-forwarded-proto"]).toBe("https");
    expect(echo.headers["x-forwarded-host"]).toBe("forged.example");
  });

  it("passes a websocket upgrade, with the same forwarding headers and no other hop-by-hop ones", async () => {
    await route([]);
    const { socket, head } = await new Promise<{ socket: Socket; head: Buffer }>((resolve, reject) => {
      const req = request({
        host,
        port,
        path: "/socket",
        headers: { connection: "Upgrade, x-hop", upgrade: "websocket", "x-hop": "1", "x-forwarded-for": "6.6.6.6" },
      });
      req.on("upgrade", (_res, upgraded: Socket, rest: Buffer) => resolve({ socket: upgraded, head: rest }));
      req.on("response", (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
      req.on("error", reject);
      req.end();
    });
    cleanups.add(() => socket.destroy());
    let text = head.toString();
    if (!text.endsWith("}"))
      text += await new Promise<string>((resolve) => socket.once("data", (data: Buffer) => resolve(data.toString())));
    const seen = JSON.parse(text) as IncomingHttpHeaders;
    expect(seen.upgrade).toBe("websocket");
    expect(seen.connection).toMatch(/upgrade/i);
    expect(seen["x-hop"]).toBeUndefined();
    expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
    socket.destroy();
  });
});
