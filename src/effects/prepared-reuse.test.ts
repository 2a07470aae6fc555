import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cloneOutputs, findReusable, preparedKey, presentOutputs, writePreparedRecord } from "./prepared-reuse.js";

function put(root: string, file: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), content);
  chmodSync(join(root, file), mode);
}

describe("prepared dependencies reuse", () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-reuse-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("the key follows the command, PATH folders and lockfiles, not the code", async () => {
    const app = scratch();
    put(app, "package.json", '{"name":"a"}');
    put(app, "package-lock.json", "{}");
    put(app, "requirements.txt", "flask==3.1.0\n");
    put(app, "server.js", "v1");
    const npm = ["npm", "ci"];
    const key = await preparedKey(app, npm, []);
    put(app, "server.js", "v2");
    put(app, "src/new.js", "more code");
    expect(await preparedKey(app, npm, [])).toBe(key);
    expect(await preparedKey(app, ["npm", "ci", "--omit=dev"], [])).not.toBe(key);
    expect(await preparedKey(app, npm, [".venv/bin"])).not.toBe(key);
    // Another python3 on PATH (an upgrade): a virtualenv links to its interpreter.
    const bin = scratch();
    put(bin, "python3", "#!/bin/sh\n", 0o755);
    const withPython = await preparedKey(app, npm, [], bin);
    expect(withPython).not.toBe(key);
    expect(await preparedKey(app, npm, [], bin)).toBe(withPython);
    put(bin, "python3", "#!/bin/sh\n# 3.14\n", 0o755);
    expect(await preparedKey(app, npm, [], bin)).not.toBe(withPython);
    for (const [file, content] of [
      ["package-lock.json", '{"lockfileVersion":3}'],
      ["requirements.txt", "flask==3.1.1\n"],
      ["requirements-prod.txt", "gunicorn\n"],
      ["constraints.txt", "urllib3<3\n"],
      ["Gemfile.lock", "GEM\n"],
    ] as const) {
      put(app, file, content);
      expect(await preparedKey(app, npm, []), file).not.toBe(key);
    }
  });

  it("finds the newest other release with the same key and all its outputs", async () => {
    const releases = scratch();
    for (const revision of [1, 2, 3]) {
      put(join(releases, String(revision), "app"), "node_modules/pg/index.js", "pg");
      await writePreparedRecord(join(releases, String(revision)), { key: revision === 3 ? "other" : "k", outputs: ["node_modules"] });
    }
    put(join(releases, "4", "app"), "server.js", "no prepare record");
    expect(await findReusable(releases, 5, "k")).toMatchObject({ revision: 2, outputs: ["node_modules"] });
    // Its own folder never counts; an output pruned away disqualifies the release.
    expect(await findReusable(releases, 2, "k")).toMatchObject({ revision: 1 });
    rmSync(join(releases, "2", "app", "node_modules"), { recursive: true });
    expect(await findReusable(releases, 5, "k")).toMatchObject({ revision: 1 });
    writeFileSync(join(releases, "1", "prepared.json"), "{torn");
    expect(await findReusable(releases, 5, "k")).toBeUndefined();
  });

  it("links the files, keeps symlinks, and rewrites what names the old release (a venv's scripts and config)", async () => {
    const root = scratch();
    const from = join(root, "releases/7/app");
    const to = join(root, "releases/12/app");
    const venv = `${from}/.venv`;
    put(from, ".venv/bin/gunicorn", `#!${venv}/bin/python3\nimport sys\n`, 0o755);
    put(from, ".venv/bin/activate", `VIRTUAL_ENV="${venv}"\n`);
    put(from, ".venv/pyvenv.cfg", `home = /usr/bin\ncommand = /usr/bin/python3 -m venv ${venv}\n`);
    put(from, ".venv/lib/python3.13/site-packages/_app.pth", `${from}\n`);
    put(from, ".venv/lib/python3.13/site-packages/flask/app.py", `# mentions ${from} but is not rewritten\n`);
    symlinkSync("/usr/bin/python3", join(from, ".venv/bin/python3"));
    symlinkSync(`${venv}/lib`, join(from, ".venv/lib64"));
    put(from, "node_modules/pg/index.js", "module.exports = {}");
    symlinkSync("../pg/index.js", join(from, "node_modules/.bin-pg"));
    mkdirSync(to, { recursive: true });

    const { rewritten } = await cloneOutputs(from, to, [".venv", "node_modules"]);
    expect(rewritten).toBe(4);
    expect(readFileSync(join(to, ".venv/bin/gunicorn"), "utf8")).toBe(`#!${to}/.venv/bin/python3\nimport sys\n`);
    expect(statSync(join(to, ".venv/bin/gunicorn")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(to, ".venv/pyvenv.cfg"), "utf8")).toContain(`-m venv ${to}/.venv`);
    expect(readFileSync(join(to, ".venv/lib/python3.13/site-packages/_app.pth"), "utf8")).toBe(`${to}\n`);
    // The old release's files are untouched.
    expect(readFileSync(join(from, ".venv/bin/gunicorn"), "utf8")).toContain(`#!${venv}/bin/python3`);
    // Everything else is the same file (one copy on disk), symlinks as they were or moved along.
    const same = (rel: string) => statSync(join(from, rel)).ino === statSync(join(to, rel)).ino;
    expect(same("node_modules/pg/index.js")).toBe(true);
    expect(same(".venv/lib/python3.13/site-packages/flask/app.py")).toBe(true);
    expect(same(".venv/bin/gunicorn")).toBe(false);
    expect(readlinkSync(join(to, ".venv/bin/python3"))).toBe("/usr/bin/python3");
    expect(readlinkSync(join(to, ".venv/lib64"))).toBe(`${to}/.venv/lib`);
    expect(readlinkSync(join(to, "node_modules/.bin-pg"))).toBe("../pg/index.js");
    expect(await presentOutputs(to)).toEqual([".venv", "node_modules"]);
  });
});
