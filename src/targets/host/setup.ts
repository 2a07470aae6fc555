/*
 * `slipway host setup`: brings a `host` environment's server to what deploys need, idempotently,
 * and says what it changed. Reads the server's facts in one SSH session (probe), then: the OS
 * (Debian/Ubuntu, else a warning with the facts), the packages (runtime, Caddy, curl: installed
 * only with --install and root or passwordless sudo, else the command to run), the runtime's API
 * not on the network, the runtime answering over its local socket, the deploy user (--create-user,
 * root only), slipway's folders (0700) and <dir>/host.env (written only when its bytes change).
 * Every remote command is built in effects/host-setup-commands.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultCaddyImage } from "../../effects/caddy-commands.js";
import { enableUnitArgv, initSystemArgv } from "../../effects/host-boot-commands.js";
import {
  deployUserArgv,
  fileChanges,
  folderChanges,
  type HostFacts,
  installArgv,
  installHint,
  isUserName,
  missingPackages,
  parseHostEnv,
  parseProbe,
  parseTcpMigrate,
  probeArgv,
  renderHostEnv,
  runtimeExposure,
  runtimeInfoArgv,
  sysctlConfFile,
  tcpMigrateArgv,
  unsupportedOs,
} from "../../effects/host-setup-commands.js";
import type { SshHost } from "../../effects/ssh-host.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import { locationOf } from "../../spec/load.js";
import { buildModel } from "../../spec/normalize.js";
import type { ResolvedEnvironment, ValidatedSpec } from "../../spec/validate.js";
import { type BootFiles, bootFiles, ensureBootScript } from "./boot.js";
import {
  AccessoryError,
  accessoryImage,
  accessoryPlace,
  namesOf,
  secretPaths,
  setupDatabaseAccessory,
  unsupportedDatabase,
} from "./database.js";
import { ensureProxy, proxyImage, proxyPlace, proxyTls } from "./proxy.js";
import { connectHostSpec, hostPath, imageBringer, imageOnThisMachine, inSpecDir, transferImage } from "./session.js";

export interface HostSetupRequest {
  validated: ValidatedSpec;
  env: ResolvedEnvironment;
  file: string;
  acceptHostKey?: string | undefined;
  /** Install missing packages with apt-get (root or passwordless sudo only). */
  install: boolean;
  /** Create this deploy user (root only) with the identity's public key. */
  createUser?: string | undefined;
  /** Settings for host.env (KEY=VALUE; an empty value removes the key). */
  runtimeEnv: Readonly<Record<string, string>>;
  /** This machine's environment: an accessory image it has is copied to the server rather than pulled there. */
  localEnv?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface HostSetupReport {
  host: string;
  runtime: string;
  os: string;
  /** What this run changed on the server, in order; empty when nothing needed to change. */
  changes: string[];
  /** What was checked and left alone, or skipped, with the reason. */
  notes: string[];
}

const runOn = (ssh: SshHost, command: readonly string[], env: Record<string, string>, timeoutMs = 60_000) => {
  const lines: string[] = [];
  return ssh
    .run({ command, cwd: "/", env, timeoutMs, lastLineCount: 20, onLine: (line, stream) => stream === "stdout" && lines.push(line) })
    .then((result) => ({ ...result, stdout: lines }));
};

function setupFailed(destination: string, what: string, lastLines: readonly string[], hint: string): SlipwayError {
  const detail = lastLines.slice(-3).join(" | ");
  return new SlipwayError("HOST_SETUP_FAILED", `${destination}: ${what}${detail ? `: ${detail}` : ""}`, { hint });
}

export async function setupHost(request: HostSetupRequest): Promise<HostSetupReport> {
  const { validated, env, file } = request;
  const model = buildModel(validated, env, { tag: "setup" });
  if (model.target.type !== "host")
    throw new SlipwayError(
      "DEPLOY_TARGET_UNSUPPORTED",
      `environment '${env.name}' targets ${model.target.type}: \`slipway host setup\` prepares a server of a host target`,
      {
        location: locationOf(validated.source, ["environments", env.name, "target"]),
        hint: "Choose an environment whose target has `type: host`.",
      },
    );
  const spec = model.target;
  if (request.createUser !== undefined && !isUserName(request.createUser))
    throw new SlipwayError("USAGE", `--create-user ${JSON.stringify(request.createUser)} is not a user name useradd accepts`, {
      hint: "Use lower-case letters, digits, '_' and '-', starting with a letter or '_' (at most 32).",
    });
  if (model.database) {
    const unsupported = unsupportedDatabase(model.database);
    if (unsupported !== undefined)
      throw new SlipwayError("DEPLOY_TARGET_UNSUPPORTED", `environment '${env.name}': ${unsupported}`, {
        location: locationOf(validated.source, ["database"]),
        hint: "Choose another database.name / database.user in slipway.yaml.",
      });
  }
  const changes: string[] = [];
  const notes: string[] = [];
  const ssh = await connectHostSpec(spec, file, request.acceptHostKey);
  try {
    const envDir = join(spec.dir, model.name, model.environment);
    const dirs = [spec.dir, join(spec.dir, model.name), envDir, ...(model.database ? [secretPaths(envDir).dir] : [])];
    const hostEnvFile = join(spec.dir, "host.env");
    const currentEnv = await ssh.readText(hostEnvFile);
    const wantedEnv = renderHostEnv(currentEnv, request.runtimeEnv);
    const hostEnv = { PATH: hostPath, ...parseHostEnv(wantedEnv) };
    const probe = async (): Promise<HostFacts> => {
      const result = await runOn(ssh, probeArgv(request.createUser, [...dirs, hostEnvFile]), hostEnv);
      if (result.exitCode !== 0)
        throw setupFailed(spec.ssh, "cannot read the server's facts", result.lastLines, "Check that `sh` works for this user.");
      return parseProbe(result.stdout.join("\n"));
    };
    let facts = await probe();
    const root = facts.uid === 0;
    const osName = facts.os.pretty || facts.os.id || "unknown";

    const osProblem = unsupportedOs(facts.os);
    if (osProblem) notes.push(`warning: ${osProblem}; setup goes on, but --install (apt-get) is refused and nothing else is tested there`);

    const exposed = runtimeExposure(facts, hostEnv);
    if (exposed.length > 0) {
      if (spec.runtime === "docker")
        throw new SlipwayError(
          "HOST_RUNTIME_EXPOSED",
          `${spec.ssh}: the runtime's API is reachable over the network: ${exposed.join("; ")}`,
          {
            hint: "Remove the tcp:// host (dockerd -H / daemon.json `hosts` / DOCKER_HOST) so dockerd listens only on its unix socket; slipway runs the runtime's CLI over SSH and needs no TCP API.",
          },
        );
      notes.push(
        `warning: ${exposed.join("; ")} — not the runtime slipway uses here (${spec.runtime}), but an open Docker API is root on this server`,
      );
    }

    const missing = missingPackages(facts, spec.runtime);
    if (missing.length > 0) {
      const canInstall = (root || facts.sudo) && facts.programs.has("apt-get") && osProblem === undefined;
      if (!request.install || !canInstall)
        throw new SlipwayError("HOST_PACKAGES_MISSING", `${spec.ssh}: not installed on the server: ${missing.join(", ")}`, {
          hint:
            osProblem !== undefined
              ? `Install them with the server's package manager (Debian names: ${missing.join(" ")}); slipway installs only on Debian/Ubuntu.`
              : !request.install
                ? `Run on the server: ${installHint(missing, root)} — or rerun with --install (as root or a user with passwordless sudo).`
                : `--install needs root or passwordless sudo and apt-get; run on the server: ${installHint(missing, root)}`,
        });
      const installed = await runOn(ssh, installArgv(missing, root), hostEnv, 15 * 60_000);
      if (installed.exitCode !== 0)
        throw setupFailed(
          spec.ssh,
          `apt-get install ${missing.join(" ")} failed`,
          installed.lastLines,
          `Run on the server: ${installHint(missing, root)}`,
        );
      changes.push(`installed ${missing.join(" ")} (apt-get)`);
      facts = await probe();
      const still = missingPackages(facts, spec.runtime);
      if (still.length > 0)
        throw setupFailed(spec.ssh, `still not on PATH after apt-get: ${still.join(", ")}`, [], "Check the server's PATH in host.env.");
    }

    const info = await runOn(ssh, runtimeInfoArgv(spec.runtime), hostEnv);
    if (info.exitCode !== 0)
      throw new SlipwayError(
        "HOST_RUNTIME_NOT_ANSWERING",
        `${spec.ssh}: \`${spec.runtime} info\` exited ${info.exitCode}: ${info.lastLines.slice(-3).join(" | ")}`,
        {
          hint:
            spec.runtime === "docker"
              ? "Start dockerd on the server (listening on its unix socket only), and check that this user may use it (root or the docker group)."
              : "Run `podman info` on the server as this user and fix what it says; runtime settings (e.g. CONTAINERS_CONF) go in host.env with --runtime-env KEY=VALUE.",
        },
      );

    let owner: string | undefined;
    if (request.createUser !== undefined) {
      const user = request.createUser;
      if (!root) notes.push(`--create-user ${user} skipped: connected as uid ${facts.uid}, creating a user needs root`);
      else if (!spec.identity)
        notes.push(`--create-user ${user} skipped: the target has no identity, so there is no public key to authorize`);
      else {
        const keyFile = `${inSpecDir(file, spec.identity)}.pub`;
        const key = await readFile(keyFile, "utf8").then(
          (text) => text.trim().split("\n")[0]?.trim(),
          () => undefined,
        );
        if (!key) notes.push(`--create-user ${user} skipped: cannot read the public key ${keyFile}`);
        else {
          const result = await runOn(ssh, deployUserArgv(user, key), hostEnv);
          if (result.exitCode !== 0)
            throw setupFailed(spec.ssh, `cannot create the user ${user}`, result.lastLines, "Check `useradd` on the server.");
          if (result.stdout.includes("created-user")) changes.push(`created the user ${user} (no password; key login only)`);
          if (result.stdout.includes("added-key")) changes.push(`authorized ${keyFile} for ${user}`);
          owner = user;
        }
      }
    }

    for (const change of folderChanges(dirs, facts.dirs, owner)) {
      const result = await runOn(ssh, change.argv, hostEnv);
      if (result.exitCode !== 0)
        throw setupFailed(
          spec.ssh,
          `cannot change ${change.path} (${change.change})`,
          result.lastLines,
          `As root on the server: mkdir -p -m 0700 ${change.path} && chown <ssh user> ${change.path}`,
        );
      changes.push(`${change.path}: ${change.change}`);
    }

    if (currentEnv !== wantedEnv) {
      await ssh.writeFileAtomic(hostEnvFile, wantedEnv, 0o600);
      changes.push(`${hostEnvFile}: ${currentEnv === undefined ? "written" : "updated"} (0600)`);
    }
    // A rewritten file is 0600 and root's (an owner is only set when connected as root).
    const fileNow = currentEnv !== wantedEnv ? new Map() : facts.files;
    for (const change of fileChanges(hostEnvFile, fileNow, owner)) {
      const result = await runOn(ssh, change.argv, hostEnv);
      if (result.exitCode !== 0)
        throw setupFailed(
          spec.ssh,
          `cannot change ${hostEnvFile} (${change.change})`,
          result.lastLines,
          "Check the file's owner on the server.",
        );
      changes.push(`${hostEnvFile}: ${change.change}`);
    }
    notes.push(`OS ${osName}; ${spec.runtime} answers; curl found; folders 0700 under ${spec.dir}`);

    // Caddy's config loads (the first route after setup, a port or TLS change; switches do not load one)
    // must not reset the connections queued on its old listener.
    const migrate = await runOn(ssh, tcpMigrateArgv(), hostEnv);
    const outcome = migrate.exitCode === 0 ? parseTcpMigrate(migrate.stdout) : undefined;
    if (outcome === "changed")
      changes.push(
        `net.ipv4.tcp_migrate_req: 1 (now and in ${sysctlConfFile}): a config reload of Caddy hands queued connections to its new listener instead of resetting them`,
      );
    else if (outcome === "needs-root")
      notes.push(
        `warning: net.ipv4.tcp_migrate_req is 0: under load, a config reload of Caddy (the first deploy, a port or TLS change) may reset a few connections; as root run \`echo net.ipv4.tcp_migrate_req = 1 > ${sysctlConfFile} && sysctl -w net.ipv4.tcp_migrate_req=1\``,
      );
    else if (outcome === "absent")
      notes.push(
        "warning: this kernel has no net.ipv4.tcp_migrate_req (Linux 5.14+): under load, a config reload of Caddy (the first deploy, a port or TLS change) may reset a few connections",
      );
    else if (outcome === undefined)
      throw setupFailed(
        spec.ssh,
        `cannot set net.ipv4.tcp_migrate_req`,
        migrate.lastLines,
        `Set it as root: \`echo net.ipv4.tcp_migrate_req = 1 > ${sysctlConfFile} && sysctl -w net.ipv4.tcp_migrate_req=1\`.`,
      );

    const place = accessoryPlace(model, ssh, hostEnv, envDir);
    if (place) {
      const localEnv = Object.fromEntries(Object.entries(request.localEnv ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
      // An image this machine has (a private build, or no registry reachable from the server) is copied over.
      const transfer = async (ref: string) => {
        if (!(await imageOnThisMachine(spec.runtime, localEnv)(ref))) return false;
        await transferImage(ssh, spec.runtime, hostEnv, localEnv)(ref);
        return true;
      };
      try {
        await setupDatabaseAccessory(place, (change) => changes.push(change), transfer);
      } catch (error) {
        if (!(error instanceof AccessoryError)) throw error;
        throw setupFailed(
          spec.ssh,
          `database accessory: ${error.message}`,
          error.lastLines,
          error.hint ??
            `Look at \`${spec.runtime} logs ${namesOf(place).container}\` on the server; the data volume is never removed by slipway.`,
        );
      }
      const running = await accessoryImage(place);
      if (running !== undefined && running !== place.image)
        notes.push(
          `warning: the database container runs ${running}, the spec asks for ${place.image}; slipway does not replace a database's image (a major version needs an upgrade of the data first)`,
        );
      notes.push(
        `database: ${model.database?.engine === "mysql" ? "MariaDB" : "PostgreSQL"} answers in ${namesOf(place).container} (network ${namesOf(place).network}, volume ${namesOf(place).volume})`,
      );
    }
    // The proxy: Caddy's container, answering 503 until the first deploy routes to a release.
    const proxy = proxyPlace({
      host: ssh,
      stateDir: envDir,
      listen: `:${spec.port}`,
      env: hostEnv,
      tls: proxyTls(model, env.production),
      runtime: spec.runtime,
      app: model.name,
      environment: model.environment,
      image: spec.proxy.image ?? defaultCaddyImage,
      bringImage: imageBringer(ssh, spec.runtime, hostEnv, request.localEnv ?? {}),
    });
    try {
      const started = await ensureProxy(proxy);
      if (started !== undefined) changes.push(started);
    } catch (error) {
      if (!(error instanceof SlipwayError)) throw error;
      throw setupFailed(
        spec.ssh,
        `the proxy: ${error.message}`,
        [],
        error.hint ?? `Look at \`${spec.runtime} logs ${proxy.container}\` on the server.`,
      );
    }
    const proxyRuns = await proxyImage(proxy);
    if (proxyRuns !== undefined && proxyRuns !== proxy.image)
      notes.push(
        `warning: the proxy container runs ${proxyRuns}, the spec asks for ${proxy.image}; to change it: \`slipway down\` (which removes it), then \`slipway host setup\` and a deploy`,
      );
    notes.push(
      `proxy: ${proxy.container} answers on port ${spec.port}${proxyTls(model, env.production) ? ` (HTTPS on ${spec.httpsPort})` : ""}`,
    );
    await setupBoot(ssh, bootFiles(model, ssh, hostEnv, envDir), hostEnv, root, changes, notes);
    return { host: spec.ssh, runtime: spec.runtime, os: osName, changes, notes };
  } finally {
    await ssh.close();
  }
}

/**
 * The boot script (written when its bytes change) and, when systemd runs the server, its unit,
 * enabled so the environment comes back after a reboot. Without systemd, a note says what to run.
 */
async function setupBoot(
  ssh: SshHost,
  boot: BootFiles,
  hostEnv: Record<string, string>,
  root: boolean,
  changes: string[],
  notes: string[],
): Promise<void> {
  if (await ensureBootScript(ssh, boot)) changes.push(`${boot.script.path}: written (0700): starts the environment again after a reboot`);
  const init = await runOn(ssh, initSystemArgv(), hostEnv);
  if (init.stdout.join("").trim() !== "systemd") {
    notes.push(
      `no systemd on the server: nothing runs ${boot.script.path} when it starts; run \`sh ${boot.script.path}\` at boot (for example \`@reboot\` in root's crontab)`,
    );
    return;
  }
  if (!root) {
    notes.push(
      `the boot unit needs root: as root, write ${boot.unit.path} (\`slipway host setup\` as root does) and run \`systemctl enable ${boot.unit.name}\``,
    );
    return;
  }
  const unitChanged = (await ssh.readText(boot.unit.path)) !== boot.unit.text;
  if (unitChanged) {
    await ssh.writeFileAtomic(boot.unit.path, boot.unit.text, 0o644);
    changes.push(`${boot.unit.path}: written`);
  }
  const enabled = await runOn(ssh, enableUnitArgv(boot.unit.name, root, unitChanged), hostEnv);
  if (enabled.exitCode !== 0)
    throw setupFailed(
      ssh.destination,
      `cannot enable ${boot.unit.name}`,
      enabled.lastLines,
      `Run \`systemctl enable ${boot.unit.name}\` on the server and look at its message.`,
    );
  if (enabled.stdout.includes("changed")) changes.push(`${boot.unit.name}: enabled (runs at every boot)`);
}
