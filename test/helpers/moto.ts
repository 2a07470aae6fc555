/**
 * moto's server (`bash test/cluster/build.sh moto` installs it into the test tool cache) as the AWS
 * endpoint of the ECR login tests: started on a free loopback port, stopped after.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheRoot } from "./tools.js";

const versions = fileURLToPath(new URL("../cluster/versions.env", import.meta.url));

function motoDir(): string {
  const version = /^MOTO_VERSION=(.+)$/m.exec(readFileSync(versions, "utf8"))?.[1]?.trim() ?? "";
  return join(cacheRoot(), `moto-${version}`);
}

/** Why the moto tests cannot run, or undefined when they can. */
export function motoUnavailable(): string | undefined {
  const dir = motoDir();
  return existsSync(join(dir, ".complete")) ? undefined : `moto is not installed in ${dir}: run \`bash test/cluster/build.sh moto\``;
}

export interface Moto {
  /** http://127.0.0.1:PORT */
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn(join(motoDir(), "bin", "moto_server"), ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${log}`);
    try {
      const r = await fetch(`${url}/moto-api/`);
      if (r.status < 500) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${url}: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
