/*
 * Opens a `host` environment: connects over SSH (pinned host key), and puts the engine target,
 * the release history and the deploy lock on the server under <dir>/<app>/<environment>.
 */
import { spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { currentRelease } from "../../deploy/history.js";
import { defaultCaddyImage } from "../../effects/caddy-commands.js";
import {
  type ContainerRuntime,
  execArgv,
  imageIdArgv,
  loadArgv,
  logsArgv,
  pullArgv,
  saveArgv,
  stopArgv,
} from "../../effects/container-commands.js";
import { parseHostEnv } from "../../effects/host-setup-commands.js";
import { loadLocalSecrets } from "../../effects/secrets.js";
import { connectSshHost, type SshHost } from "../../effects/ssh-host.js";
import { SlipwayError } from "../../errors/slipway-error.js";
import type { AppModel } from "../../model/app-model.js";
import { buildModel } from "../../spec/normalize.js";
import type { DriverContext, OpenRequest, StyledLine, TargetCommand, TargetSession } from "../driver.js";
import { bootFiles, ensureBootScript } from "./boot.js";
import { accessoryPlace, accessoryState, namesOf, readDatabasePassword } from "./database.js";
import { hostDbOperations } from "./db-ops.js";
import { hostHistory, hostLock } from "./host-state.js";
import { containersOf, hostTarget } from "./host-target.js";
import { pullHint } from "./image-transfer.js";
import { proxyServes, proxyTls, proxyUrl, stopProxy } from "./proxy.js";

export const hostPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Commands that run no image build the model with a placeholder tag (any will do). */
const placeholderTags: Partial<Record<TargetCommand, string>> = {
  rollback: "rollback",
  history: "history",
  status: "status",
  unlock: "unlock",
  logs: "inspect",
  exec: "inspect",
  down: "inspect",
};

/** Stops the environment's proxy and every running container of it (keeps them for their logs, keeps history). */
export async function downHostEnvironment(target: ReturnType<typeof hostTarget>, model: AppModel): Promise<string[]> {
  const stopped: string[] = [];
  if (await stopProxy(target.proxy)) stopped.push("proxy");
  for (const name of await target.environmentContainers(model)) {
    if (!(await target.containerState(name))?.running) continue;
    await target.proxy.host.run({
      command: stopArgv(runtimeOf(model), name, 30),
      cwd: "/",
      env: target.proxy.env,
      timeoutMs: 90_000,
    });
    stopped.push(`container ${name}`);
  }
  // The database accessory stops too (nothing is left running); its volume and passwords stay, and
  // the next deploy (or `host setup`) starts it again.
  const place = accessoryPlace(model, target.proxy.host, target.proxy.env, "");
  if (place && (await accessoryState(place))?.running) {
    await target.proxy.host.run({
      command: stopArgv(runtimeOf(model), namesOf(place).container, 60),
      cwd: "/",
      env: target.proxy.env,
      timeoutMs: 120_000,
    });
    stopped.push(`database container ${namesOf(place).container} (volume ${namesOf(place).volume} kept)`);
  }
  return stopped;
}

function runtimeOf(model: AppModel): ContainerRuntime {
  return model.target.type === "host" ? model.target.runtime : "podman";
}

/** `<runtime> save REF` here piped into `<runtime> load` on the host, over the SSH master. */
export function transferImage(ssh: SshHost, runtime: ContainerRuntime, hostEnv: Record<string, string>, localEnv: DriverContext["env"]) {
  return (ref: string) =>
    new Promise<void>((done, fail) => {
      const remote = ssh.localArgv(loadArgv(runtime), hostEnv);
      const env = Object.fromEntries(Object.entries(localEnv).filter((e): e is [string, string] => e[1] !== undefined));
      const [program, ...args] = saveArgv(runtime, ref);
      const save = spawn(program as string, args, { env, stdio: ["ignore", "pipe", "pipe"] });
      const load = spawn(remote.argv[0] as string, remote.argv.slice(1), { env: remote.env, stdio: ["pipe", "ignore", "pipe"] });
      let errors = "";
      save.stderr.on("data", (c) => {
        errors += c;
      });
      load.stderr.on("data", (c) => {
        errors += c;
      });
      save.stdout.pipe(load.stdin);
      load.stdin.on("error", () => undefined);
      let saveCode: number | null = null;
      save.on("error", (e) => fail(new Error(`${program}: ${e.message}`)));
      load.on("error", (e) => fail(new Error(`ssh: ${e.message}`)));
      save.on("close", (code) => {
        saveCode = code;
      });
      load.on("close", (code) => {
        if (code === 0 && saveCode === 0) done();
        else
          fail(
            new Error(
              `${program} save exited ${saveCode}, load on the host exited ${code}: ${errors.trim().split("\n").slice(-3).join(" | ")}`,
            ),
          );
      });
    });
}

/** Whether this machine's runtime has the image (`image inspect`, with slipway's own environment): what a copy needs. */
export function imageOnThisMachine(runtime: ContainerRuntime, localEnv: DriverContext["env"]) {
  return (ref: string) =>
    new Promise<boolean>((done) => {
      const env = Object.fromEntries(Object.entries(localEnv).filter((e): e is [string, string] => e[1] !== undefined));
      const [program, ...args] = imageIdArgv(runtime, ref);
      const inspect = spawn(program as string, args, { env, stdio: "ignore" });
      // No runtime here (a CI runner that only deploys) means no image here: the server pulls it.
      inspect.on("error", () => done(false));
      inspect.on("close", (code) => done(code === 0));
    });
}

/**
 * Brings an image the server lacks: copied from this machine when it has it, else pulled on the
 * server (the proxy's image; the database's follows the same rule in its setup).
 */
export function imageBringer(ssh: SshHost, runtime: ContainerRuntime, hostEnv: Record<string, string>, localEnv: DriverContext["env"]) {
  return async (ref: string) => {
    const on = (command: readonly string[]) => ssh.run({ command, cwd: "/", env: hostEnv, timeoutMs: 15 * 60_000, lastLineCount: 20 });
    if ((await on(imageIdArgv(runtime, ref))).exitCode === 0) return;
    if (await imageOnThisMachine(runtime, localEnv)(ref)) return transferImage(ssh, runtime, hostEnv, localEnv)(ref);
    const pulled = await on(pullArgv(runtime, ref));
    if (pulled.exitCode !== 0)
      throw new SlipwayError("DEPLOY_FAILED", `cannot pull ${ref} on the server: ${pulled.lastLines.at(-1) ?? `exit ${pulled.exitCode}`}`, {
        hint: pullHint(runtime, ref),
      });
  };
}

/** Runs `command` on the host with a terminal, this process's terminal attached to it; its exit code. */
function execInTerminal(ssh: SshHost, command: readonly string[], hostEnv: Record<string, string>): Promise<number> {
  const { argv, env } = ssh.localArgv(command, hostEnv, { tty: true });
  return new Promise((done, fail) => {
    const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: "inherit" });
    child.on("error", (e) => fail(new SlipwayError("HOST_SSH_FAILED", `ssh: ${e.message}`)));
    child.on("close", (code, signal) => done(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
  });
}

type HostSpec = Extract<AppModel["target"], { type: "host" }>;

/** A path of the spec (identity, knownHosts): relative to slipway.yaml's folder, or absolute. */
export function inSpecDir(file: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dirname(file), path);
}

/** Connects to the environment's server over SSH, with the pinned host key (or the accepted one). */
export function connectHostSpec(spec: HostSpec, file: string, acceptHostKey: string | undefined): Promise<SshHost> {
  return connectSshHost({
    destination: spec.ssh,
    ...(spec.identity ? { identityFile: inSpecDir(file, spec.identity) } : {}),
    knownHostsFile: spec.knownHosts ? inSpecDir(file, spec.knownHosts) : join(dirname(file), ".slipway", "known_hosts"),
    ...(acceptHostKey ? { acceptHostKey } : {}),
  });
}

export async function openHostSession(request: OpenRequest, ctx: DriverContext): Promise<TargetSession> {
  const { validated, env, file } = request;
  const placeholder = placeholderTags[request.command];
  const model = buildModel(validated, env, placeholder ? { tag: placeholder } : { tag: request.tag, digest: request.digest });
  if (model.target.type !== "host") throw new SlipwayError("INTERNAL", "the host driver opened a non-host environment");
  const spec = model.target;
  const specDir = dirname(file);
  const ssh = await connectHostSpec(spec, file, request.acceptHostKey);
  const envDir = join(spec.dir, model.name, model.environment);
  const hostEnv = { PATH: hostPath, ...parseHostEnv(await ssh.readText(join(spec.dir, "host.env"))) };
  const history = hostHistory(ssh, join(envDir, "history"), ctx.onInvalidRecord);
  const lock = hostLock(ssh, join(envDir, "lock.json"));
  const server = /@?([^@:[\]]+|\[[^\]]+\])(?::\d+)?$/.exec(spec.ssh)?.[1] ?? spec.ssh;
  const tls = proxyTls(model, request.env.production);
  const publicUrl = proxyUrl(server, spec.port, tls);

  let databaseSecretsKnown = false;
  const engineTarget = async (healthTimeoutMs?: number) => {
    const secrets = await loadLocalSecrets(model, specDir, ctx.env);
    // The accessory's passwords are on the server only; what exec, logs and deploy print is redacted with them.
    if (model.database && !databaseSecretsKnown) {
      for (const who of ["app", "admin"] as const) {
        const value = await readDatabasePassword(ssh, envDir, who);
        if (value !== undefined) ctx.redactor.add([value]);
      }
      databaseSecretsKnown = true;
    }
    return {
      secrets,
      target: hostTarget({
        app: model.name,
        environment: model.environment,
        host: ssh,
        runtime: spec.runtime,
        hostEnv,
        stateDir: envDir,
        listen: `:${spec.port}`,
        tls,
        publicUrl,
        proxyImage: spec.proxy.image ?? defaultCaddyImage,
        bringProxyImage: imageBringer(ssh, spec.runtime, hostEnv, ctx.env),
        secrets,
        redactor: ctx.redactor,
        healthTimeoutMs,
        transferImage: transferImage(ssh, spec.runtime, hostEnv, ctx.env),
        imageHere: imageOnThisMachine(spec.runtime, ctx.env),
      }),
    };
  };
  const releases = async () => {
    await engineTarget();
    return ctx.redactor.deep((await history.list()).sort((a, b) => b.revision - a.revision));
  };
  const run = (command: readonly string[], onLine?: (line: string, stream: "stdout" | "stderr") => void) =>
    ssh.run({ command, cwd: "/", env: hostEnv, timeoutMs: 60_000, lastLineCount: 20, ...(onLine ? { onLine } : {}) });

  const dbPlace = accessoryPlace(model, ssh, hostEnv, envDir);
  let closed = false;
  return {
    history,
    lock,
    close() {
      if (closed) return;
      closed = true;
      void ssh.close();
    },

    async deploy({ healthTimeoutMs }) {
      const { target, secrets } = await engineTarget(healthTimeoutMs);
      // What brings this environment back after a reboot (kept current with host.env here too).
      await ensureBootScript(ssh, bootFiles(model, ssh, hostEnv, envDir));
      const environment = model.environment;
      return {
        model,
        target,
        secrets: { names: Object.keys(secrets).sort() },
        git: undefined,
        keepReleases: 5,
        failedHint: (result) =>
          result.serving !== undefined
            ? `Revision ${result.serving} still serves at ${result.url}. Details: slipway history -e ${environment}; logs of the failed release: slipway logs -e ${environment} --revision ${result.revision}.`
            : `Nothing serves now. Logs: slipway logs -e ${environment} --revision ${result.revision}.`,
      };
    },

    releases,

    async status() {
      const records = await releases();
      const current = currentRelease(records);
      const { target } = await engineTarget();
      const served = await proxyServes(target.proxy);
      const containers = await Promise.all(
        containersOf(current?.runtime).map(async (c) => ({ ...c, running: (await target.containerState(c.name))?.running === true })),
      );
      const lockHolder = await lock.inspect();
      const database = dbPlace
        ? {
            engine: dbPlace.database.engine,
            container: namesOf(dbPlace).container,
            running: (await accessoryState(dbPlace))?.running === true,
          }
        : undefined;
      const status = {
        app: model.name,
        environment: model.environment,
        host: spec.ssh,
        url: publicUrl,
        serving: current?.revision,
        proxyServes: served,
        healthy: containers.length > 0 && containers.every((c) => c.running) && served === current?.revision,
        stopped: current !== undefined && served === undefined && containers.every((c) => !c.running),
        containers,
        lastDeploy: records[0]
          ? {
              revision: records[0].revision,
              outcome: records[0].outcome,
              startedAt: records[0].startedAt,
              failure: records[0].failure?.message,
            }
          : undefined,
        lock: lockHolder,
        ...(database ? { database } : {}),
      };
      const lines: StyledLine[] = [[{ tone: "bold", text: `${status.app} → ${status.environment}` }, `  ${status.url} (${spec.ssh})`]];
      lines.push([
        `serving:  ${status.serving === undefined ? "nothing" : `revision ${status.serving}`} `,
        status.healthy ? { tone: "green", text: "(healthy)" } : { tone: "red", text: status.stopped ? "(stopped)" : "(not healthy)" },
      ]);
      for (const c of containers)
        lines.push([`  ${c.name}: 127.0.0.1:${c.port} `, c.running ? { tone: "green", text: "up" } : { tone: "red", text: "down" }]);
      if (database)
        lines.push([
          `database: ${database.container} (${database.engine}) `,
          database.running ? { tone: "green", text: "up" } : { tone: "red", text: "down" },
        ]);
      if (status.lastDeploy)
        lines.push([
          `last deploy: revision ${status.lastDeploy.revision} ${status.lastDeploy.outcome}${status.lastDeploy.failure ? ` — ${status.lastDeploy.failure}` : ""}`,
        ]);
      if (lockHolder)
        lines.push([{ tone: "yellow", text: `locked by pid ${lockHolder.pid} on ${lockHolder.host} (${lockHolder.command})` }]);
      return { result: status, lines };
    },

    async logs(req, emit) {
      const records = await history.list();
      const record = req.revision !== undefined ? records.find((r) => r.revision === req.revision) : currentRelease(records);
      if (!record)
        throw new SlipwayError(
          "DEPLOY_NO_RELEASE",
          req.revision !== undefined ? `no revision ${req.revision}` : "nothing has been deployed yet",
          {
            hint: "See `slipway history`.",
          },
        );
      await engineTarget();
      const containers = containersOf(record.runtime);
      const summary = {
        about: { environment: model.environment, revision: record.revision },
        notes: [] as { label?: string; message: string }[],
      };
      if (req.follow && containers.length > 0) {
        // Every container's output until interrupted (one SSH session each). The ssh clients run in
        // their own process groups, so Ctrl-C does not reach them: when slipway exits (Ctrl-C exits at
        // once) they are stopped, or they and the server's `logs --follow` would outlive it.
        const following = new AbortController();
        const stopFollowing = () => following.abort();
        process.once("exit", stopFollowing);
        try {
          await Promise.all(
            containers.map((c) =>
              ssh.run({
                command: logsArgv(spec.runtime, c.name, req.lines, true),
                cwd: "/",
                env: hostEnv,
                timeoutMs: 365 * 24 * 3600_000,
                signal: following.signal,
                onLine: (line) => emit({ label: c.name, fields: { source: c.name }, line: ctx.redactor.text(line) }),
              }),
            ),
          );
        } finally {
          process.removeListener("exit", stopFollowing);
        }
        return summary;
      }
      for (const c of containers) {
        const result = await run(logsArgv(spec.runtime, c.name, req.lines), (line) =>
          emit({ label: c.name, fields: { source: c.name }, line: ctx.redactor.text(line) }),
        );
        if (result.exitCode !== 0) summary.notes.push({ label: c.name, message: "no logs (the container was removed)" });
      }
      return summary;
    },

    async exec(command, io) {
      const record = currentRelease(await history.list());
      const first = containersOf(record?.runtime)[0];
      if (!record || !first)
        throw new SlipwayError("DEPLOY_NO_RELEASE", "nothing has been deployed yet", { hint: "Run slipway deploy first." });
      await engineTarget();
      // A terminal here (or --tty): one on the server too (`ssh -tt` + `exec --tty`), and ssh passes
      // this terminal through in raw mode (consoles, shells); its output is the user's own screen.
      if (io.tty || io.stdin.isTTY === true)
        return execInTerminal(ssh, execArgv(spec.runtime, first.name, command, { tty: true }), hostEnv);
      const result = await ssh.run({
        command: execArgv(spec.runtime, first.name, command),
        cwd: "/",
        env: hostEnv,
        timeoutMs: 24 * 3600_000,
        onLine: (line, stream) => (stream === "stdout" ? io.stdout : io.stderr).write(`${ctx.redactor.text(line)}\n`),
      });
      return result.exitCode ?? 1;
    },

    async down() {
      const { target } = await engineTarget();
      return { stopped: await downHostEnvironment(target, model) };
    },

    ...(dbPlace
      ? {
          db: hostDbOperations({
            place: dbPlace,
            history,
            redactor: ctx.redactor,
            async migrate(database) {
              const command = model.release.migrate;
              const current = currentRelease(await history.list());
              if (!command || !current) return undefined;
              const { target } = await engineTarget();
              const image = current.artifact.kind === "image" ? current.artifact.ref : model.image.ref;
              return { command, ...(await target.migrateCopy(model, { revision: current.revision, image }, database)) };
            },
          }),
        }
      : {}),
  };
}
