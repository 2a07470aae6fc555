import { type FSWatcher, watch } from "node:fs";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { Agent, type ClientRequest, createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import { processStartTime, readPidFile, writePidFile } from "../../effects/processes.js";
import { writeFileAtomic } from "../../effects/state-files.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { forwardedRequestHeaders, hopByHopHeaders, trustedPeer } from "./forwarded-headers.js";
import {
  formatAck,
  parseRoutes,
  proxyFiles,
  proxyPidHeader,
  proxyPingHeader,
  retryable,
  revisionHeader,
  routesDigest,
} from "./proxy-routes.js";
import type { ProxyRoutes } from "./runtime.js";

export interface ProxyServerOptions {
  /** Folder of routes.json, routes.ack and proxy.pid. */
  stateDir: string;
  host: string;
  port: number;
  /** Stops the proxy like SIGTERM does (tests run it in-process). */
  signal?: AbortSignal;
  /** Stop on SIGTERM / SIGINT. Default true: this is the daemon's main loop. */
  handleSignals?: boolean;
  /** One line per event. Default: stdout, which the spawner sends to proxy.log. */
  log?: (line: string) => void;
  /** How long a stop waits for requests in flight before closing their connections. Default 10 000 ms. */
  shutdownGraceMs?: number;
}

/** One set of routes and the requests it is serving. Replaced whole; the old one lives until drained. */
interface Generation {
  routes: ProxyRoutes;
  digest: string;
  /** Keep-alive connections to this generation's upstreams, closed once it is drained. */
  agent: Agent;
  /** Whether a client address is a trusted proxy (routes.trustedProxies). */
  trusted: (address: string | undefined) => boolean;
  next: number;
  inFlight: number;
}

const pollMs = 250;

/**
 * The local target's reverse proxy daemon: listens on host:port and spreads requests round-robin
 * over the upstreams in `<stateDir>/routes.json`, re-read when it changes (fs.watch, with a 250 ms
 * poll as a fallback). A change swaps the whole route set at once: requests in flight finish on the
 * upstream they started on, new ones go to the new upstreams. The served revision goes to
 * `routes.ack` (with how many requests older revisions still have in flight), and to every response
 * as `x-slipway-revision`. No upstream, or an upstream that refuses, is a 502 with a short text.
 * Hop-by-hop headers stop here in both directions and X-Forwarded-* / Forwarded are the proxy's own
 * (forwarded-headers.ts); moving bytes (websockets, keep-alive) is http-proxy-3's.
 * Resolves when stopped (SIGTERM); rejects with LOCAL_PORT_IN_USE when the port is taken.
 */
export async function runProxyServer(options: ProxyServerOptions): Promise<void> {
  const stateDir = resolve(options.stateDir);
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const say = (message: string): void => log(`${new Date().toISOString()} ${message}`);
  const routesFile = join(stateDir, proxyFiles.routes);
  const ackFile = join(stateDir, proxyFiles.ack);
  const pidFile = join(stateDir, proxyFiles.pid);
  await mkdir(stateDir, { recursive: true });

  const generation = (routes: ProxyRoutes): Generation => ({
    routes,
    digest: routesDigest(routes),
    agent: new Agent({ keepAlive: true }),
    trusted: trustedPeer(routes.trustedProxies ?? []),
    next: 0,
    inFlight: 0,
  });
  let current = generation({ revision: 0, upstreams: [] });
  const draining = new Set<Generation>();

  // routes.ack is rewritten after every swap and whenever the count of draining requests changes;
  // writes are serialised and coalesced.
  let ackWriting = false;
  let ackDirty = false;
  const writeAck = async (): Promise<void> => {
    if (ackWriting) {
      ackDirty = true;
      return;
    }
    ackWriting = true;
    try {
      do {
        ackDirty = false;
        let inFlight = 0;
        for (const old of draining) inFlight += old.inFlight;
        const ack = { revision: current.routes.revision, digest: current.digest, pid: process.pid, draining: inFlight };
        await writeFileAtomic(ackFile, formatAck(ack)).catch((error: unknown) => say(`error: cannot write ${ackFile}: ${String(error)}`));
      } while (ackDirty);
    } finally {
      ackWriting = false;
    }
  };

  const release = (gen: Generation): void => {
    gen.inFlight--;
    if (gen === current) return;
    if (gen.inFlight === 0 && draining.delete(gen)) gen.agent.destroy();
    void writeAck();
  };

  const swap = (routes: ProxyRoutes): void => {
    const old = current;
    current = generation(routes);
    if (old.inFlight > 0) draining.add(old);
    else old.agent.destroy();
    const to = routes.upstreams.map((u) => `${u.host}:${u.port}`).join(", ") || "no upstream";
    say(`serving revision ${routes.revision}: ${to}${old.inFlight > 0 ? ` (revision ${old.routes.revision} drains ${old.inFlight})` : ""}`);
    void writeAck();
  };

  // Reloads run one at a time; a change noticed meanwhile triggers one more.
  let lastSeen = "";
  let reloading = false;
  let reloadAgain = false;
  const reload = async (): Promise<void> => {
    if (reloading) {
      reloadAgain = true;
      return;
    }
    reloading = true;
    try {
      do {
        reloadAgain = false;
        let seen: string;
        let text: string;
        try {
          const info = await stat(routesFile);
          seen = `${info.ino}:${info.mtimeMs}:${info.size}`;
          if (seen === lastSeen) continue;
          text = await readFile(routesFile, "utf8");
        } catch (error) {
          if ((error as { code?: string }).code !== "ENOENT") say(`error: cannot read ${routesFile}: ${String(error)}`);
          continue;
        }
        lastSeen = seen;
        const parsed = parseRoutes(text);
        if ("error" in parsed) {
          say(`error: ${routesFile} ignored, still serving revision ${current.routes.revision}: ${parsed.error}`);
          continue;
        }
        if (routesDigest(parsed.routes) === current.digest) void writeAck();
        else swap(parsed.routes);
      } while (reloadAgain);
    } finally {
      reloading = false;
    }
  };

  const proxy = createProxyServer({ xfwd: false });
  // The request each proxied request became: its `reusedSocket` tells a stale keep-alive connection.
  const upstreamRequests = new WeakMap<IncomingMessage, ClientRequest>();
  // How each client request's headers change on the way to the upstream, decided when it arrived.
  const forwarding = new WeakMap<IncomingMessage, ReturnType<typeof forwardedRequestHeaders>>();
  const decideForwarding = (req: IncomingMessage, gen: Generation, upgrading: boolean): void => {
    forwarding.set(
      req,
      forwardedRequestHeaders({
        headers: req.headers,
        peer: req.socket.remoteAddress,
        localPort: req.socket.localPort,
        upgrading,
        trusted: gen.trusted,
      }),
    );
  };
  const applyForwarding = (proxyReq: ClientRequest, req: IncomingMessage): void => {
    const change = forwarding.get(req);
    if (change === undefined || proxyReq.headersSent) return;
    for (const name of change.remove) proxyReq.removeHeader(name);
    for (const [name, value] of Object.entries(change.set)) proxyReq.setHeader(name, value);
  };
  proxy.on("proxyReq", (proxyReq, req) => {
    upstreamRequests.set(req, proxyReq);
    applyForwarding(proxyReq, req);
  });
  proxy.on("proxyReqWs", (proxyReq, req) => applyForwarding(proxyReq, req));
  proxy.on("proxyRes", (proxyRes, req) => {
    for (const name of hopByHopHeaders(proxyRes.headers)) delete proxyRes.headers[name];
    // This proxy's own connection with the client: kept open unless the client asked to close it.
    const close = /(^|,)\s*close\s*($|,)/i.test(String(req.headers.connection ?? ""));
    proxyRes.headers.connection = close ? "close" : "keep-alive";
  });
  proxy.on("error", (error) => say(`error: ${error.message}`));

  const reply502 = (res: ServerResponse, revision: number, text: string): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(502, { "content-type": "text/plain; charset=utf-8", [revisionHeader]: String(revision), connection: "close" });
    res.end(`502 Bad Gateway: ${text}\n`);
  };

  const forward = (gen: Generation, req: IncomingMessage, res: ServerResponse, first: number, attempt: number): void => {
    const upstreams = gen.routes.upstreams;
    const upstream = upstreams[(first + attempt) % upstreams.length];
    if (upstream === undefined) {
      reply502(res, gen.routes.revision, "no upstream");
      return;
    }
    const where = `${upstream.host}:${upstream.port}`;
    const retry = attempt > 0 ? { buffer: Readable.from([]), xfwd: false } : {};
    proxy.web(req, res, { target: { host: upstream.host, port: upstream.port }, agent: gen.agent, ...retry }, (error) => {
      const code = (error as { code?: string }).code;
      const reused = upstreamRequests.get(req)?.reusedSocket === true;
      if (
        !res.headersSent &&
        !res.destroyed &&
        attempt + 1 < Math.max(upstreams.length, 2) &&
        retryable(req as { method: string; headers: IncomingMessage["headers"] }, code, reused)
      ) {
        forward(gen, req, res, first, attempt + 1);
        return;
      }
      if (res.destroyed) return;
      say(`error: revision ${gen.routes.revision} upstream ${where}: ${code ?? error.message} (${req.method} ${pathOf(req)})`);
      reply502(
        res,
        gen.routes.revision,
        code === "ECONNREFUSED" ? `upstream ${where} refused the connection` : `upstream ${where} failed (${code ?? error.message})`,
      );
    });
  };

  const server = createServer((req, res) => {
    if (req.headers[proxyPingHeader] !== undefined) {
      res.writeHead(204, { [proxyPidHeader]: String(process.pid), [revisionHeader]: String(current.routes.revision) });
      res.end();
      return;
    }
    const gen = current;
    if (gen.routes.upstreams.length === 0) {
      reply502(res, gen.routes.revision, `no release is serving (revision ${gen.routes.revision} has no upstream)`);
      return;
    }
    gen.inFlight++;
    res.once("close", () => release(gen));
    res.setHeader(revisionHeader, String(gen.routes.revision));
    decideForwarding(req, gen, false);
    forward(gen, req, res, gen.next++ % gen.routes.upstreams.length, 0);
  });

  // Upgraded connections (websockets, both sides) leave the HTTP server's bookkeeping: tracked here
  // to end them on stop.
  const upgraded = new Set<Socket>();
  const upgradedUpstream = new Set<Socket>();
  proxy.on("open", (proxySocket) => {
    upgradedUpstream.add(proxySocket);
    proxySocket.once("close", () => upgradedUpstream.delete(proxySocket));
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const gen = current;
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    const upstream = gen.routes.upstreams[gen.next++ % Math.max(1, gen.routes.upstreams.length)];
    socket.on("error", () => {});
    if (upstream === undefined) {
      socket.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      return;
    }
    gen.inFlight++;
    socket.once("close", () => release(gen));
    decideForwarding(req, gen, true);
    proxy.ws(req, socket, head, { target: { host: upstream.host, port: upstream.port } }, (error) => {
      say(
        `error: revision ${gen.routes.revision} websocket upstream ${upstream.host}:${upstream.port}: ${(error as { code?: string }).code ?? error.message}`,
      );
      socket.destroy();
    });
  });

  await new Promise<void>((listening, failed) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      failed(
        error.code === "EADDRINUSE"
          ? new SlipwayError("LOCAL_PORT_IN_USE", `port ${options.port} on ${options.host} is already in use`, {
              hint: `Stop the program that uses it (\`ss -ltnp 'sport = :${options.port}'\` names it), or set another port for the local target.`,
            })
          : error,
      );
    });
    server.listen(options.port, options.host, () => listening());
  });
  server.on("error", (error) => say(`error: ${error.message}`));
  // Idle client connections stay open longer than clients keep them (undici: 4 s, browsers: more),
  // so a client never reuses a connection the proxy is closing at that instant (like a load balancer).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const startTime = processStartTime(process.pid);
  await writePidFile(pidFile, startTime === undefined ? { pid: process.pid } : { pid: process.pid, startTime });
  say(`listening on ${options.host}:${options.port} (pid ${process.pid})`);

  await reload();
  // An ack even when there are no routes yet: it tells the starter the proxy is up.
  await writeAck();
  let watcher: FSWatcher | undefined;
  try {
    // The folder, not the file: routes.json is replaced by rename, which a file watch would lose.
    watcher = watch(stateDir, (_event, name) => {
      if (name === null || name === proxyFiles.routes) void reload();
    });
    watcher.on("error", () => {});
  } catch {
    // No inotify: the poll below still notices changes.
  }
  const poll = setInterval(() => void reload(), pollMs);

  await new Promise<void>((stop) => {
    if (options.signal?.aborted) return stop();
    options.signal?.addEventListener("abort", () => stop(), { once: true });
    if (options.handleSignals ?? true) {
      process.once("SIGTERM", () => stop());
      process.once("SIGINT", () => stop());
    }
  });

  say("stopping");
  clearInterval(poll);
  watcher?.close();
  server.close();
  server.closeIdleConnections();
  // Requests in flight get the grace period to finish; websockets would never finish by themselves.
  const deadline = Date.now() + (options.shutdownGraceMs ?? 10_000);
  const inFlight = (): number => current.inFlight + [...draining].reduce((sum, gen) => sum + gen.inFlight, 0);
  while (inFlight() > upgraded.size && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
  server.closeAllConnections();
  for (const socket of [...upgraded, ...upgradedUpstream]) socket.destroy();
  current.agent.destroy();
  for (const gen of draining) gen.agent.destroy();
  const recorded = await readPidFile(pidFile);
  if (recorded?.pid === process.pid) await rm(pidFile, { force: true });
  say("stopped");
}

/** The request's path without its query string, which may carry tokens. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").split("?")[0] ?? "/";
}
