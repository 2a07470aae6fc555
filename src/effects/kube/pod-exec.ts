/**
 * `pods/<name>/exec` over WebSocket: the handshake over node:https `upgrade`, the channel
 * protocol (exec-protocol.ts) and masked frames (websocket.ts). Runs one command, wires stdin,
 * stdout and stderr, and resolves with its exit code.
 */
import type { IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import type { Duplex } from "node:stream";
import { channelMessage, type ExecProtocol, execChannel, execOutcome, execProtocols, execQuery, splitChannel } from "./exec-protocol.js";
import { KubeError } from "./kube-error.js";
import { tlsOptions } from "./kube-transport.js";
import type { KubeConnection } from "./kubeconfig.js";
import { parseStatus, statusError } from "./status-error.js";
import { closePayload, encodeFrame, WsDecoder, wsAccept, wsKey, wsOpcode } from "./websocket.js";

export interface ExecOptions {
  command: readonly string[];
  /** Default: the pod's only (or default) container. */
  container?: string;
  /** Sent on channel 0; its end closes the command's stdin (v5 only; v4 cannot). Omitted: no stdin. */
  stdin?: NodeJS.ReadableStream;
  stdout: { write(chunk: Uint8Array): unknown };
  stderr: { write(chunk: Uint8Array): unknown };
  /** Allocate a terminal (stderr then arrives on stdout). Default false. */
  tty?: boolean;
  /** Initial terminal size, sent on the resize channel when `tty`. */
  size?: { width: number; height: number };
  /** With `tty`: called once the session runs, with a function that sends a new size; returns how to stop. */
  watchSize?: (send: (size: { width: number; height: number }) => void) => () => void;
  signal?: AbortSignal;
  /** Time for the handshake (default 30 s). The command itself may run as long as it likes. */
  connectTimeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  /** The subprotocol the server chose. */
  protocol: ExecProtocol;
}

/** Runs `options.command` in a pod's container. Rejects with KUBE_EXEC_FAILED when it could not run or the stream broke. */
export function execInPod(connection: KubeConnection, namespace: string, pod: string, options: ExecOptions): Promise<ExecResult> {
  const base = new URL(connection.server);
  const path = `${base.pathname.replace(/\/$/, "")}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec`;
  const url = new URL(
    `${path}?${execQuery({ command: options.command, ...(options.container === undefined ? {} : { container: options.container }), stdin: options.stdin !== undefined, tty: options.tty === true })}`,
    base,
  );
  const what = `exec in pod/${pod}${options.container === undefined ? "" : ` container ${options.container}`} in namespace ${namespace}`;
  const key = wsKey();
  const headers: Record<string, string> = {
    connection: "Upgrade",
    upgrade: "websocket",
    "sec-websocket-version": "13",
    "sec-websocket-key": key,
    "sec-websocket-protocol": execProtocols.join(", "),
    "user-agent": "slipway",
  };
  if (connection.token !== undefined) headers.authorization = `Bearer ${connection.token}`;
  const requestOptions: RequestOptions = {
    method: "GET",
    headers,
    agent: false,
    timeout: options.connectTimeoutMs ?? 30_000,
    ...(url.protocol === "https:" ? tlsOptions(connection) : {}),
  };

  return new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(url, requestOptions);
    req.on("timeout", () => req.destroy(new Error(`no answer within ${requestOptions.timeout} ms`)));
    req.on("error", (cause) =>
      fail(
        new KubeError("KUBE_UNREACHABLE", `${what}: ${cause.message}`, {
          cause,
          hint: "Check that the cluster is running and the kubeconfig's server, CA and credentials are current.",
        }),
      ),
    );
    // Anything but 101: the API server refused (pod not found, forbidden, container not running …).
    req.on("response", (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        if (status === 404 || status === 401 || status === 403) fail(statusError(what, status, body));
        else
          fail(
            new KubeError("KUBE_EXEC_FAILED", `${what}: ${parseStatus(body)?.message ?? (body.trim() || `HTTP ${status}`)}`, {
              status,
              hint: "Check that the pod is running (slipway status) and its node serves exec.",
            }),
          );
      });
    });
    req.on("upgrade", (res: IncomingMessage, socket: Duplex, head: Buffer) => {
      req.setTimeout(0);
      const protocol = String(res.headers["sec-websocket-protocol"] ?? "").trim() as ExecProtocol;
      if (res.headers["sec-websocket-accept"] !== wsAccept(key)) {
        socket.destroy();
        fail(new KubeError("KUBE_EXEC_FAILED", `${what}: the server's WebSocket handshake answer is wrong`));
        return;
      }
      if (!execProtocols.includes(protocol)) {
        socket.destroy();
        fail(
          new KubeError("KUBE_EXEC_FAILED", `${what}: the server chose no supported exec protocol (got "${protocol}")`, {
            hint: `slipway speaks ${execProtocols.join(" and ")} (Kubernetes 1.30+ for v5).`,
          }),
        );
        return;
      }
      runSession(socket, head, protocol, options, what).then((exitCode) => {
        if (settled) return;
        settled = true;
        resolve({ exitCode, protocol });
      }, fail);
    });
    if (options.signal !== undefined) {
      if (options.signal.aborted) req.destroy(new Error("aborted"));
      else options.signal.addEventListener("abort", () => req.destroy(new Error("aborted")), { once: true });
    }
    req.end();
  });
}

/** The channel conversation on an upgraded socket; resolves with the exit code. */
function runSession(socket: Duplex, head: Buffer, protocol: ExecProtocol, options: ExecOptions, what: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const decoder = new WsDecoder();
    let statusText = "";
    let closeSent = false;
    let done = false;
    const write = (opcode: number, payload: Uint8Array) => {
      if (!socket.destroyed && !closeSent) socket.write(encodeFrame(opcode, payload));
    };
    const sendClose = () => {
      if (closeSent || socket.destroyed) return;
      socket.write(encodeFrame(wsOpcode.close, closePayload(1000)));
      closeSent = true;
    };

    const stdin = options.stdin;
    const onStdin = (chunk: Buffer | string) => {
      const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      // Keep frames moderate so a large paste does not become one huge message.
      for (let i = 0; i < data.length; i += 32 * 1024)
        write(wsOpcode.binary, channelMessage(execChannel.stdin, data.subarray(i, i + 32 * 1024)));
    };
    const onStdinEnd = () => {
      if (protocol === "v5.channel.k8s.io") write(wsOpcode.binary, channelMessage(execChannel.close, Uint8Array.of(execChannel.stdin)));
    };
    const detachStdin = () => {
      if (!stdin) return;
      stdin.removeListener("data", onStdin);
      stdin.removeListener("end", onStdinEnd);
      stdin.pause();
    };

    let stopWatchingSize = () => {};
    const finish = () => {
      if (done) return;
      done = true;
      detachStdin();
      stopWatchingSize();
      options.signal?.removeEventListener("abort", onAbort);
      const outcome = execOutcome(statusText);
      if (outcome === undefined) {
        reject(new KubeError("KUBE_EXEC_FAILED", `${what}: the connection closed before the command's exit status arrived`));
      } else if (outcome.kind === "exited") resolve(outcome.exitCode);
      else
        reject(
          new KubeError("KUBE_EXEC_FAILED", `${what}: ${outcome.message}`, {
            ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
            hint: "Check the command exists in the container image and the container is running (slipway status).",
          }),
        );
    };
    const broken = (error: Error) => {
      if (done) return;
      done = true;
      detachStdin();
      stopWatchingSize();
      socket.destroy();
      reject(new KubeError("KUBE_EXEC_FAILED", `${what}: ${error.message}`, { cause: error }));
    };
    const onAbort = () => {
      sendClose();
      socket.end();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const onData = (chunk: Buffer) => {
      let messages: ReturnType<WsDecoder["push"]>;
      try {
        messages = decoder.push(chunk);
      } catch (error) {
        broken(error as Error);
        return;
      }
      for (const message of messages) {
        switch (message.opcode) {
          case wsOpcode.binary: {
            const part = splitChannel(message.payload);
            if (part === undefined || part.data.length === 0) break;
            if (part.channel === execChannel.stdout) options.stdout.write(part.data);
            else if (part.channel === execChannel.stderr) options.stderr.write(part.data);
            else if (part.channel === execChannel.error) statusText += part.data.toString("utf8");
            break;
          }
          case wsOpcode.ping:
            write(wsOpcode.pong, message.payload);
            break;
          case wsOpcode.close:
            sendClose();
            socket.end();
            break;
          default:
            break;
        }
      }
    };
    socket.on("data", onData);
    // A write after the server sent the exit status and closed (stdin's close, a pong) fails with
    // EPIPE/ECONNRESET: the command has finished, so its status decides, not the late write.
    socket.on("error", (error) => (execOutcome(statusText) === undefined ? broken(error) : finish()));
    socket.on("close", finish);
    if (head.length > 0) onData(head);
    // Make sure the socket flows (the HTTP client may hand it over paused).
    socket.resume();

    const sendSize = (size: { width: number; height: number }) =>
      write(wsOpcode.binary, channelMessage(execChannel.resize, Buffer.from(JSON.stringify({ Width: size.width, Height: size.height }))));
    if (options.tty === true) {
      if (options.size !== undefined) sendSize(options.size);
      if (options.watchSize !== undefined) stopWatchingSize = options.watchSize(sendSize);
    }
    if (stdin) {
      stdin.on("data", onStdin);
      stdin.on("end", onStdinEnd);
      stdin.resume();
    }
  });
}
