import { describe, expect, it } from "vitest";
import type { ProcessFacts } from "../../effects/host.js";
import { classifyProcess, type EnvironmentIdentity } from "./strays.js";

const stateDir = "/srv/shop/.slipway/production";
const id: EnvironmentIdentity = { stateDir, app: "shop", environment: "production" };
const me = 1000;

/** A process as /proc shows it: a session leader of this user unless told otherwise. */
function facts(overrides: Partial<Omit<ProcessFacts, "environment">> & { env?: Record<string, string> } = {}): ProcessFacts {
  const { env = {}, ...rest } = overrides;
  return {
    pid: 4321,
    startTime: "998877",
    uid: me,
    sid: overrides.pid ?? 4321,
    argv: ["node", "server.js"],
    cwd: "/home/someone",
    cwdDeleted: false,
    environment: () => env,
    ...rest,
  };
}

const marked = (revision: string, role: string) => ({
  SLIPWAY_RELEASE_DIR: `${stateDir}/releases/${revision}`,
  SLIPWAY_RELEASE_ROLE: role,
});
const appEnv = { SLIPWAY_APP: "shop", SLIPWAY_ENVIRONMENT: "production" };

describe("classifyProcess (the one orphan detector)", () => {
  it("recognises a deploy's processes by their release marker: web instances and phases, children included", () => {
    expect(classifyProcess(facts({ env: marked("7", "web") }), id, me)).toEqual({
      pid: 4321,
      startTime: "998877",
      kind: "instance",
      revision: 7,
      by: "marker",
      leader: true,
    });
    expect(classifyProcess(facts({ env: marked("12", "migrate") }), id, me)).toMatchObject({ kind: "phase", revision: 12, by: "marker" });
    // A child of an instance (npm start → node) carries the marker too, but leads no session.
    expect(classifyProcess(facts({ pid: 5000, sid: 4321, env: marked("7", "web") }), id, me)).toMatchObject({
      kind: "instance",
      leader: false,
    });
    // With only the state folder known (stopReleaseProcesses), the marker alone identifies it.
    expect(classifyProcess(facts({ env: marked("7", "prepare") }), { stateDir }, me)).toMatchObject({ kind: "phase", revision: 7 });
  });

  it("ignores markers of another environment or of a folder that is not a release", () => {
    expect(
      classifyProcess(
        facts({ env: { SLIPWAY_RELEASE_DIR: "/srv/shop/.slipway/staging/releases/7", SLIPWAY_RELEASE_ROLE: "web" } }),
        id,
        me,
      ),
    ).toBeUndefined();
    expect(classifyProcess(facts({ env: { SLIPWAY_RELEASE_DIR: `${stateDir}/releases/latest` } }), id, me)).toBeUndefined();
    expect(classifyProcess(facts({ env: { SLIPWAY_RELEASE_DIR: `${stateDir}/releases` } }), id, me)).toBeUndefined();
  });

  it("recognises an unmarked instance by its working folder and app environment, only as a session leader", () => {
    const cwd = `${stateDir}/releases/3/app`;
    expect(classifyProcess(facts({ cwd, env: appEnv }), id, me)).toMatchObject({ kind: "instance", revision: 3, by: "shape" });
    expect(classifyProcess(facts({ cwd, env: appEnv, cwdDeleted: true }), id, me)).toMatchObject({ kind: "instance", revision: 3 });
    // A shell someone opened in the release folder: no app environment.
    expect(classifyProcess(facts({ cwd, argv: ["bash"] }), id, me)).toBeUndefined();
    expect(classifyProcess(facts({ cwd, env: { ...appEnv, SLIPWAY_ENVIRONMENT: "staging" } }), id, me)).toBeUndefined();
    expect(classifyProcess(facts({ cwd, env: appEnv, sid: 1 }), id, me)).toBeUndefined();
    expect(classifyProcess(facts({ cwd: `${stateDir}/releases`, env: appEnv }), id, me)).toBeUndefined();
    // Without the app and environment, only markers count.
    expect(classifyProcess(facts({ cwd, env: appEnv }), { stateDir }, me)).toBeUndefined();
  });

  it("recognises the proxy and database servers by a path inside the state folder in their arguments", () => {
    expect(
      classifyProcess(facts({ argv: ["/usr/bin/node", "/opt/slipway/proxy-main.js", "--state", `${stateDir}/proxy`] }), id, me),
    ).toMatchObject({ kind: "daemon", revision: undefined, by: "shape" });
    expect(classifyProcess(facts({ argv: ["mariadbd", `--datadir=${stateDir}/mariadb/data`] }), id, me)).toMatchObject({ kind: "daemon" });
    // The program itself inside the folder does not count, nor does a path of a sibling folder.
    expect(classifyProcess(facts({ argv: [`${stateDir}/bin/tool`] }), id, me)).toBeUndefined();
    expect(classifyProcess(facts({ argv: ["postgres", "-D", `${stateDir}-old/postgres/data`] }), id, me)).toBeUndefined();
  });

  it("counts only this user's processes, unless slipway runs as root", () => {
    const postgres = facts({ uid: 999, argv: ["postgres", "-D", `${stateDir}/postgres/data`] });
    expect(classifyProcess(postgres, id, me)).toBeUndefined();
    expect(classifyProcess(postgres, id, 0)).toMatchObject({ kind: "daemon" });
    expect(classifyProcess(facts({ uid: 999, env: marked("7", "web") }), id, me)).toBeUndefined();
  });
});
