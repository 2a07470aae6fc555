/*
 * Entry point of the proxy daemon as its own script (bundled as dist/bundle/proxy-main.js):
 * `node proxy-main.js --state DIR --host H --port P`. Errors go to stdout, which is proxy.log.
 */
import { parseArgs } from "node:util";
import { isSlipwayError } from "../../errors/slipway-error.js";
import { runProxyServer } from "./proxy-server.js";

export async function proxyMain(argv: readonly string[]): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { state: { type: "string" }, host: { type: "string" }, port: { type: "string" } },
      strict: true,
    });
    const port = Number(values.port);
    if (values.state === undefined || values.host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
      process.stdout.write("usage: proxy-main --state DIR --host HOST --port PORT\n");
      return 2;
    }
    await runProxyServer({ stateDir: values.state, host: values.host, port });
    return 0;
  } catch (error) {
    const text = isSlipwayError(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
    process.stdout.write(`${new Date().toISOString()} error: ${text}\n`);
    return 1;
  }
}

process.exitCode = await proxyMain(process.argv.slice(2));
