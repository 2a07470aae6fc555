/*
 * The host environment's boot script and its systemd unit (see effects/host-boot-commands.ts for
 * why slipway starts things itself after a reboot rather than through restart policies).
 */
import { join } from "node:path";
import { proxyContainerName } from "../../effects/caddy-commands.js";
import { labelKeys, listArgv } from "../../effects/container-commands.js";
import { accessoryNames } from "../../effects/database-accessory-commands.js";
import type { Host } from "../../effects/host.js";
import { bootScript, bootScriptPath, bootUnit, bootUnitName, bootUnitPath } from "../../effects/host-boot-commands.js";
import type { AppModel } from "../../model/app-model.js";
import { accessoryPlace, readyArgv } from "./database.js";
import { caddyAnswersArgv } from "./proxy.js";

export interface BootFiles {
  script: { path: string; text: string };
  unit: { name: string; path: string; text: string };
}

/** The boot script and unit of a host environment (`envDir` = <dir>/<app>/<env> on the server). */
export function bootFiles(model: AppModel, host: Host, hostEnv: Readonly<Record<string, string>>, envDir: string): BootFiles {
  if (model.target.type !== "host") throw new Error("bootFiles: not a host environment");
  const runtime = model.target.runtime;
  const proxy = { dir: join(envDir, "proxy"), env: hostEnv };
  const place = accessoryPlace(model, host, hostEnv, envDir);
  const path = bootScriptPath(envDir);
  const text = bootScript({
    app: model.name,
    environment: model.environment,
    runtime,
    hostEnv,
    proxyDir: proxy.dir,
    containerPrefix: `slipway-${model.name}-${model.environment}-r`,
    database: place ? { container: accessoryNames(model.name, model.environment).container, readyArgv: readyArgv(place) } : undefined,
    proxyContainer: proxyContainerName(model.name, model.environment),
    caddyAnswersArgv: caddyAnswersArgv(proxy),
    listArgv: listArgv(runtime, { [labelKeys.app]: model.name, [labelKeys.environment]: model.environment }),
  });
  return {
    script: { path, text },
    unit: {
      name: bootUnitName(model.name, model.environment),
      path: bootUnitPath(model.name, model.environment),
      text: bootUnit({ app: model.name, environment: model.environment, runtime, script: path }),
    },
  };
}

/** Writes the boot script (0700) when its bytes differ from the server's; whether it wrote. */
export async function ensureBootScript(host: Host, files: BootFiles): Promise<boolean> {
  if ((await host.readText(files.script.path)) === files.script.text) return false;
  await host.writeFileAtomic(files.script.path, files.script.text, 0o700);
  return true;
}
