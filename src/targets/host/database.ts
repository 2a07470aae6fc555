/*
 * The host target's database accessory: PostgreSQL as a container on the environment's own
 * network, its data in a named volume, its passwords generated on the server (0600 files under
 * <dir>/<app>/<env>/db). `host setup` brings it up and creates the app's least-privilege user
 * (setupDatabaseAccessory); a deploy checks that it runs, starts it if stopped, and reads the app
 * user's password for DATABASE_URL (ensureAccessoryRunning, readDatabasePassword). Every command
 * is built in effects/database-accessory-commands.ts.
 */

import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type ContainerRuntime, imageIdArgv, parseState, pullArgv, stateArgv } from "../../effects/container-commands.js";
import {
  type AccessoryNames,
  accessoryLabels,
  accessoryNames,
  containerImageArgv,
  defaultMariadbImage,
  defaultPostgresImage,
  mariadbAccountsSql,
  mariadbClientArgv,
  mariadbInitArgv,
  mariadbReadyArgv,
  mariadbRunArgv,
  networkCreateArgv,
  networkDnsArgv,
  networkInspectArgv,
  parseAppUserOutput,
  postgresAppUserSql,
  postgresInitArgv,
  postgresReadyArgv,
  postgresRunArgv,
  psqlArgv,
  secretFileArgv,
  startArgv,
  volumeCreateArgv,
  volumeInspectArgv,
  withStdinFromArgv,
} from "../../effects/database-accessory-commands.js";
import type { Host } from "../../effects/host.js";
import { invalidMariadbName, nativePasswordHash } from "../../effects/mariadb-commands.js";
import { invalidPostgresName, scramSha256Verifier } from "../../effects/postgres-commands.js";
import type { AppModel, DatabaseModel } from "../../model/app-model.js";
import { databaseImagePullHint } from "./image-transfer.js";

export interface AccessoryPlace {
  host: Host;
  runtime: ContainerRuntime;
  /** The environment commands run with on the server (PATH + host.env). */
  env: Readonly<Record<string, string>>;
  app: string;
  environment: string;
  /** <dir>/<app>/<env> on the server. */
  stateDir: string;
  database: DatabaseModel;
  image: string;
}

/** The accessory's image: targets.<t>.database.image, else the official image of the spec's engine version. */
export function databaseImage(model: AppModel): string | undefined {
  if (!model.database) return undefined;
  const override = model.target.type === "host" ? model.target.database?.image : undefined;
  return (
    override ??
    (model.database.engine === "postgres" ? defaultPostgresImage(model.database.version) : defaultMariadbImage(model.database.version))
  );
}

export function accessoryPlace(
  model: AppModel,
  host: Host,
  env: Readonly<Record<string, string>>,
  stateDir: string,
): AccessoryPlace | undefined {
  const image = databaseImage(model);
  if (!model.database || model.target.type !== "host" || image === undefined) return undefined;
  return {
    host,
    runtime: model.target.runtime,
    env,
    app: model.name,
    environment: model.environment,
    stateDir,
    database: model.database,
    image,
  };
}

export const namesOf = (place: AccessoryPlace): AccessoryNames => accessoryNames(place.app, place.environment);

/** The folder of the accessory's secrets on the server, and its two password files (0600). */
export function secretPaths(stateDir: string) {
  const dir = join(stateDir, "db");
  return { dir, admin: join(dir, "admin.password"), app: join(dir, "app.password") };
}

/** Why this environment's database cannot be an accessory of the host target (yet), or undefined. */
export function unsupportedDatabase(database: DatabaseModel): string | undefined {
  if (database.engine === "mysql") return invalidMariadbName("database", database.name) ?? invalidMariadbName("user", database.user);
  return invalidPostgresName("database", database.name) ?? invalidPostgresName("user", database.user);
}

export class AccessoryError extends Error {
  constructor(
    message: string,
    readonly lastLines: readonly string[] = [],
    /** How to fix it, when the failure says more than "look at the container's logs". */
    readonly hint?: string,
  ) {
    super(message);
  }
}

const run = (place: AccessoryPlace, command: readonly string[], options: { input?: string; timeoutMs?: number } = {}) => {
  const stdout: string[] = [];
  return place.host
    .run({
      command,
      cwd: "/",
      env: place.env,
      timeoutMs: options.timeoutMs ?? 60_000,
      lastLineCount: 20,
      ...(options.input !== undefined ? { input: options.input } : {}),
      onLine: (line, stream) => {
        if (stream === "stdout") stdout.push(line);
      },
    })
    .then((result) => ({ ...result, stdout }));
};

export async function accessoryState(place: AccessoryPlace) {
  const result = await run(place, stateArgv(place.runtime, namesOf(place).container), { timeoutMs: 30_000 });
  return result.exitCode === 0 ? parseState(result.stdout.join("\n")) : undefined;
}

const engineName = (place: AccessoryPlace) => (place.database.engine === "postgres" ? "PostgreSQL" : "MariaDB");

export const readyArgv = (place: AccessoryPlace) =>
  place.database.engine === "postgres"
    ? postgresReadyArgv(place.runtime, namesOf(place).container, place.database.adminUser)
    : mariadbReadyArgv(place.runtime, namesOf(place).container);

/** Polls the server's ping (pg_isready, mariadb-admin ping) inside the container until it answers or `timeoutMs` passes. */
export async function waitUntilReady(place: AccessoryPlace, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await run(place, readyArgv(place), { timeoutMs: 30_000 })).exitCode === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Brings the accessory to what deploys need and calls `changed` with each change: the secrets
 * folder and password files, the network, the volume, the image (copied from this machine by
 * `transfer` when it has it, else pulled on the server), the data (initdb, once), the running
 * container (answering pg_isready), and the app's database and user. A second run changes nothing.
 */
export async function setupDatabaseAccessory(
  place: AccessoryPlace,
  changed: (change: string) => void,
  transfer?: (ref: string) => Promise<boolean>,
): Promise<void> {
  const names = namesOf(place);
  const labels = accessoryLabels(place.app, place.environment);
  const secrets = secretPaths(place.stateDir);
  const must = async (what: string, command: readonly string[], options: { input?: string; timeoutMs?: number } = {}) => {
    const result = await run(place, command, options);
    if (result.exitCode !== 0) throw new AccessoryError(what, result.lastLines);
    return result.stdout;
  };

  for (const [file, who] of [
    [secrets.admin, "admin"],
    [secrets.app, "app user"],
  ] as const) {
    const out = await must(`cannot write ${file}`, secretFileArgv(file));
    if (out.includes("created")) changed(`${file}: generated the database ${who}'s password (0600, not shown)`);
  }

  if ((await run(place, networkInspectArgv(place.runtime, names.network))).exitCode !== 0) {
    await must(`cannot create the network ${names.network}`, networkCreateArgv(place.runtime, names.network, labels));
    changed(`network ${names.network}: created`);
  }
  // Docker's user-defined networks always resolve names; Podman's only with its DNS plugin.
  if (place.runtime === "podman") {
    const dns = await run(place, networkDnsArgv(names.network));
    if (dns.exitCode === 0 && dns.stdout.join("").trim() === "false")
      throw new AccessoryError(
        `the network ${names.network} has no DNS, so the app cannot find the database by name: install aardvark-dns (netavark) or the dnsname plugin (CNI), then \`podman network rm ${names.network}\` and run setup again`,
      );
  }
  if ((await run(place, volumeInspectArgv(place.runtime, names.volume))).exitCode !== 0) {
    await must(`cannot create the volume ${names.volume}`, volumeCreateArgv(place.runtime, names.volume, labels));
    changed(`volume ${names.volume}: created`);
  }

  let state = await accessoryState(place);
  const postgres = place.database.engine === "postgres";
  if (state === undefined) {
    if ((await run(place, imageIdArgv(place.runtime, place.image))).exitCode !== 0) {
      if (transfer && (await transfer(place.image))) changed(`image ${place.image}: copied to the server`);
      else {
        const pulled = await run(place, pullArgv(place.runtime, place.image), { timeoutMs: 15 * 60_000 });
        if (pulled.exitCode !== 0)
          throw new AccessoryError(
            `cannot pull ${place.image} on the server`,
            pulled.lastLines,
            databaseImagePullHint(place.runtime, place.image),
          );
        changed(`image ${place.image}: pulled on the server`);
      }
    }
    const init = postgres
      ? withStdinFromArgv(
          secrets.admin,
          postgresInitArgv(place.runtime, {
            container: names.container,
            volume: names.volume,
            image: place.image,
            adminUser: place.database.adminUser,
          }),
        )
      : mariadbInitArgv(place.runtime, { container: names.container, volume: names.volume, image: place.image });
    const out = await must(`initialising the data in the volume ${names.volume} failed`, init, { timeoutMs: 5 * 60_000 });
    if (out.includes("initialised"))
      changed(
        postgres
          ? `volume ${names.volume}: PostgreSQL initialised (superuser ${place.database.adminUser}, password in ${secrets.admin})`
          : `volume ${names.volume}: MariaDB initialised (system tables; accounts below)`,
      );
    const server = postgres ? postgresRunArgv : mariadbRunArgv;
    await must(`cannot start the container ${names.container}`, server(place.runtime, { names, image: place.image, labels }));
    changed(`container ${names.container}: started (${place.image}, network ${names.network}, no published port)`);
  } else if (!state.running) {
    await must(`cannot start the container ${names.container}`, startArgv(place.runtime, names.container));
    changed(`container ${names.container}: started again (it was ${state.status})`);
  }
  if (!(await waitUntilReady(place, 90_000))) {
    state = await accessoryState(place);
    throw new AccessoryError(
      `the database container ${names.container} does not answer ${engineName(place)}'s ping within 90 s (${state?.status ?? "no container"})`,
    );
  }

  const { name: database, user, adminUser } = place.database;
  const appPassword = await mustRead(place, "app");
  const [sql, client] = postgres
    ? [
        postgresAppUserSql({ database, user, adminUser, verifier: scramSha256Verifier(appPassword, randomBytes(16)) }),
        psqlArgv(place.runtime, names.container, adminUser),
      ]
    : [
        mariadbAccountsSql({
          database,
          user,
          adminUser,
          adminHash: nativePasswordHash(await mustRead(place, "admin")),
          appHash: nativePasswordHash(appPassword),
        }),
        mariadbClientArgv(place.runtime, names.container),
      ];
  const out = await must(`cannot create the database ${database} and its user ${user}`, client, { input: sql });
  const created = parseAppUserOutput(out);
  if (created.createdAdmin)
    changed(`database admin ${adminUser}: created (all privileges, from the network only; password in ${secrets.admin})`);
  if (created.createdRole)
    changed(
      `database user ${user}: created (${postgres ? "login only; no superuser, createdb or createrole" : `all privileges on ${database} only`})`,
    );
  if (created.createdDatabase) changed(`database ${database}: created (owner ${adminUser}; ${user} may connect and create tables)`);
}

/**
 * A password from the server's file, for a verifier or hash computed here (the password itself
 * never goes into SQL, and is never printed).
 */
async function mustRead(place: AccessoryPlace, who: "admin" | "app"): Promise<string> {
  const password = await readDatabasePassword(place.host, place.stateDir, who);
  if (password === undefined) throw new AccessoryError(`${secretPaths(place.stateDir)[who]} is missing or empty`);
  return password;
}

/** A password file of the accessory, or undefined when it is missing or empty. */
export async function readDatabasePassword(host: Host, stateDir: string, who: "admin" | "app"): Promise<string | undefined> {
  const text = await host.readText(secretPaths(stateDir)[who]);
  const value = text?.trim();
  return value ? value : undefined;
}

/**
 * For a deploy: the accessory's container must exist (made by `host setup`); a stopped one is
 * started (`onStart` told first) and waited for. Throws AccessoryError with the reason otherwise.
 */
export async function ensureAccessoryRunning(place: AccessoryPlace, onStart: (message: string) => void): Promise<void> {
  const names = namesOf(place);
  const state = await accessoryState(place);
  if (state === undefined) throw new AccessoryError(`there is no database container ${names.container} on the server`);
  if (!state.running) {
    onStart(`starting the database container ${names.container} (it was ${state.status})`);
    const result = await run(place, startArgv(place.runtime, names.container));
    if (result.exitCode !== 0) throw new AccessoryError(`cannot start the database container ${names.container}`, result.lastLines);
  }
  if (!(await waitUntilReady(place, 60_000)))
    throw new AccessoryError(`the database container ${names.container} does not answer ${engineName(place)}'s ping within 60 s`);
}

/** The image the accessory's container runs, as named when it was created; undefined when there is none. */
export async function accessoryImage(place: AccessoryPlace): Promise<string | undefined> {
  const result = await run(place, containerImageArgv(place.runtime, namesOf(place).container), { timeoutMs: 30_000 });
  return result.exitCode === 0 ? result.stdout.join("").trim() || undefined : undefined;
}
