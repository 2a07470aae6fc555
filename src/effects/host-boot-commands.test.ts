import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bootScript, bootUnit, bootUnitName, bootUnitPath, enableUnitArgv, initSystemArgv } from "./host-boot-commands.js";

const input = {
  app: "shop",
  environment: "production",
  runtime: "podman" as const,
  hostEnv: { PATH: "/usr/bin:/bin", CONTAINERS_CONF: "/etc/slipway/containers.conf" },
  proxyDir: "/var/lib/slipway/shop/production/proxy",
  containerPrefix: "slipway-shop-production-r",
  database: {
    container: "slipway-shop-production-db",
    readyArgv: ["podman", "exec", "--user", "postgres", "slipway-shop-production-db", "pg_isready", "--quiet"],
  },
  proxyContainer: "slipway-shop-production-proxy",
  caddyAnswersArgv: ["curl", "--silent", "--unix-socket", "/var/lib/slipway/shop/production/proxy/admin.sock", "http://localhost/config/"],
  listArgv: ["podman", "ps", "--all", "--filter", "label=dev.slipway.app=shop", "--format", "{{.Names}}"],
};

describe("the boot script", () => {
  const text = bootScript(input);

  it("is the same bytes for the same input, and a valid sh script", () => {
    expect(bootScript(input)).toBe(text);
    const sh = spawnSync("sh", ["-n"], { input: text, encoding: "utf8" });
    expect(sh.status, sh.stderr).toBe(0);
    expect(text.startsWith("#!/bin/sh\n")).toBe(true);
  });

  it("runs every runtime command with host.env's settings and nothing else", () => {
    expect(text).toContain('env -i CONTAINERS_CONF=/etc/slipway/containers.conf PATH=/usr/bin:/bin podman "$@"; }');
    expect(text).toContain("rt start slipway-shop-production-db");
    expect(text).toContain("until rt exec --user postgres slipway-shop-production-db pg_isready --quiet");
    expect(text).toContain("rt ps --all --filter label=dev.slipway.app=shop --format '{{.Names}}'");
  });

  it("starts only the release Caddy routes to, after the database, then Caddy's container", () => {
    expect(text).toContain(`case "$name" in slipway-shop-production-r"$rev"-*)`);
    expect(text.indexOf("rt start slipway-shop-production-db")).toBeLessThan(text.indexOf('rt start "$name"'));
    expect(text.indexOf('rt start "$name"')).toBeLessThan(text.indexOf("rt start slipway-shop-production-proxy"));
  });

  it("reads the serving revision from the proxy's `current` link as a real sh does", () => {
    const line = /^rev=\$\((.*)\)$/m.exec(text)?.[1];
    expect(line).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), "slipway-boot-"));
    try {
      // No link yet: nothing.
      expect(spawnSync("sh", ["-c", `proxy=${dir}; echo "[$(${line})]"`], { encoding: "utf8" }).stdout).toBe("[]\n");
      mkdirSync(join(dir, "releases", "r42"), { recursive: true });
      symlinkSync("releases/r42", join(dir, "current"));
      expect(spawnSync("sh", ["-c", `proxy=${dir}; echo "$(${line})"`], { encoding: "utf8" }).stdout).toBe("42\n");
      rmSync(join(dir, "current"));
      symlinkSync("/etc", join(dir, "current"));
      expect(spawnSync("sh", ["-c", `proxy=${dir}; echo "[$(${line})]"`], { encoding: "utf8" }).stdout).toBe("[]\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("starts nothing when there is no Caddy container (after `slipway down`, or never deployed): run in a real sh", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-boot-"));
    try {
      // A stand-in runtime that knows no container and logs what it was asked.
      writeFileSync(join(dir, "podman"), `#!/bin/sh\necho "$*" >> ${dir}/calls\necho "Error: no such container" >&2\nexit 125\n`, {
        mode: 0o755,
      });
      const script = bootScript({ ...input, proxyDir: dir, hostEnv: { PATH: `${dir}:/usr/bin:/bin` } });
      const run = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
      expect(run.status).toBe(0);
      expect(run.stdout).toBe("slipway: shop (production) is down or was never deployed: nothing to start\n");
      expect(readFileSync(join(dir, "calls"), "utf8")).toBe("inspect --format {{.State.Status}} slipway-shop-production-proxy\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has no database step without a database", () => {
    const without = bootScript({ ...input, database: undefined });
    expect(without).not.toContain("pg_isready");
    expect(without).not.toContain("slipway-shop-production-db");
  });
});

describe("the boot unit", () => {
  it("is a oneshot after the network (and Docker's daemon for docker) running the script", () => {
    expect(bootUnitName("shop", "production")).toBe("slipway-shop-production.service");
    expect(bootUnitPath("shop", "production")).toBe("/etc/systemd/system/slipway-shop-production.service");
    const unit = bootUnit({ app: "shop", environment: "production", runtime: "podman", script: "/srv/shop/production/boot.sh" });
    expect(unit).toBe(
      [
        "[Unit]",
        "Description=slipway: start shop (production) after boot",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        "ExecStart=/bin/sh /srv/shop/production/boot.sh",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n"),
    );
    expect(bootUnit({ app: "shop", environment: "production", runtime: "docker", script: "/x" })).toContain(
      "After=network-online.target docker.service\n",
    );
  });

  it("is enabled as root or through sudo -n, reloading systemd only when the file changed", () => {
    expect(enableUnitArgv("u.service", true, false)).toEqual([
      "sh",
      "-c",
      'if systemctl is-enabled --quiet "$1"; then echo kept; exit 0; fi\nsystemctl enable --quiet "$1" && echo changed',
      "sh",
      "u.service",
    ]);
    const sudo = enableUnitArgv("u.service", false, true);
    expect(sudo.slice(0, 4)).toEqual(["sudo", "-n", "sh", "-c"]);
    expect(sudo[4]?.startsWith("systemctl daemon-reload || exit 1\n")).toBe(true);
    const init = spawnSync(initSystemArgv()[0] as string, initSystemArgv().slice(1), { encoding: "utf8" });
    expect(["systemd\n", "none\n"]).toContain(init.stdout);
  });
});
