/**
 * `slipway build --push` to an Amazon ECR repository: the token comes from moto's server (a real
 * HTTP AWS endpoint, through the SDK's own AWS_ENDPOINT_URL_ECR) and a real Podman logs in with
 * the password on stdin. moto does not serve the registry API, and the ECR host does not resolve
 * here, so the runtime is wrapped by a recording script on PATH that runs the real podman with the
 * ECR host swapped for the local go-containerregistry registry: the login, the temporary auth file
 * and the push are real, only the address differs. The wrapper also prints the password it got on
 * stdin (raw, base64, inside JSON), as a chatty runtime might: slipway's output must show none of it.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubectl, kubectlOk } from "../../cluster/kube.js";
import { type Moto, motoUnavailable, startMoto } from "../../helpers/moto.js";
import { busyboxBase, imageTestsUnavailable, podmanEnv, startRegistry, type TestRegistry } from "../../helpers/podman.js";
import { slipway } from "../deploy/local-harness.js";

const fixture = new URL("../../fixtures/build-app/", import.meta.url).pathname;
const unavailable = imageTestsUnavailable() ?? motoUnavailable();
const stackTrace = /\n\s+at .+\(.*:\d+:\d+\)/;
const account = "123456789012";
const ecrHost = `${account}.dkr.ecr.eu-west-1.amazonaws.com`;
/** What moto's GetAuthorizationToken returns: base64 of AWS:<account>-auth-token. */
const password = `${account}-auth-token`;
const token = Buffer.from(`AWS:${password}`).toString("base64");

function git(dir: string, args: string[]): void {
  const r = spawnSync("git", ["-c", "user.email=test@example.com", "-c", "user.name=test", ...args], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
}

/** A PATH folder whose `podman` records its argv and runs the real one with `from` swapped for `to`. */
function podmanWrapper(dir: string, from: string, to: string): string {
  const real = spawnSync("bash", ["-c", "command -v podman"], { encoding: "utf8" }).stdout.trim();
  const bin = join(dir, "bin");
  spawnSync("mkdir", ["-p", bin]);
  const script = `#!/bin/bash
set -u
printf '%s\\n' "$*" >> ${dir}/argv.log
args=()
for a in "$@"; do args+=("\${a//${from}/${to}}"); done
case "\${1:-}" in
  login)
    pw="$(cat)"
    printf '%s' "$pw" > ${dir}/stdin
    for ((i = 1; i <= $#; i++)); do [[ "\${!i}" == --authfile ]] && { j=$((i + 1)); printf '%s' "\${!j}" > ${dir}/authfile; }; done
    echo "runtime chatter: $pw / $(printf '%s' "$pw" | base64 -w0) / {\\"password\\":\\"$pw\\"} / $(printf 'AWS:%s' "$pw" | base64 -w0)" >&2
    printf '%s\\n' "$pw" | exec ${real} "\${args[@]}" ;;
  push)
    if [[ -n "\${REGISTRY_AUTH_FILE:-}" && -f "$REGISTRY_AUTH_FILE" ]] && grep -q '"${to}"' "$REGISTRY_AUTH_FILE"; then echo yes > ${dir}/push-auth; fi
    last="\${@: -1}"
    exec ${real} "$@" "docker://\${last//${from}/${to}}" ;;
  *) exec ${real} "$@" ;;
esac
`;
  writeFileSync(join(bin, "podman"), script);
  chmodSync(join(bin, "podman"), 0o755);
  return bin;
}

describe.skipIf(unavailable !== undefined)(`slipway build --push to Amazon ECR${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let moto: Moto;
  let registry: TestRegistry;
  let env: Record<string, string>;
  let base: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    const podman = podmanEnv();
    if ("missing" in podman) throw new Error(podman.missing);
    base = busyboxBase(podman.env);
    [moto, registry] = await Promise.all([startMoto(), startRegistry()]);
    env = {
      ...podman.env,
      ...registry.env,
      // Only the SDK's own settings: nothing of the machine's AWS configuration counts.
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ENDPOINT_URL_ECR: moto.url,
    };
  }, 180_000);
  afterAll(async () => {
    await Promise.all([moto?.stop(), registry?.stop()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function app(name: string, image: string): string {
    const dir = mkdtempSync(join(tmpdir(), `slipway-ecr-${name}-`));
    dirs.push(dir);
    cpSync(fixture, dir, { recursive: true });
    writeFileSync(
      join(dir, "slipway.yaml"),
      readFileSync(join(dir, "slipway.yaml"), "utf8").replace("REGISTRY/slipway-test/build-app", image).replace("NAMESPACE", `ecr-${name}`),
    );
    writeFileSync(
      join(dir, "Dockerfile"),
      readFileSync(join(dir, "Dockerfile"), "utf8").replace("localhost/slipway-test/busybox:base", base),
    );
    git(dir, ["init", "-q"]);
    git(dir, ["add", "-A"]);
    git(dir, ["commit", "-qm", "the fixture app"]);
    return dir;
  }

  it("no AWS credentials: BUILD_REGISTRY_AUTH naming AWS_PROFILE and aws sso login, exit 1, before any build", async () => {
    const dir = app("nocreds", `${ecrHost}/slipway-test/build-app`);
    const wrapper = mkdtempSync(join(tmpdir(), "slipway-ecr-wrap-"));
    dirs.push(wrapper);
    const bin = podmanWrapper(wrapper, ecrHost, registry.host);
    const run = await slipway(dir, ["build", "--push"], { ...env, PATH: `${bin}:${process.env.PATH}` });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`error[BUILD_REGISTRY_AUTH]: no AWS credentials to log in to Amazon ECR ${ecrHost}`);
    expect(run.stderr).toMatch(/hint: .*AWS_PROFILE.*`aws sso login`/);
    expect(run.stderr).not.toMatch(stackTrace);
    const argv = readFileSync(join(wrapper, "argv.log"), "utf8");
    expect(argv).not.toMatch(/^(build|login|push) /m);
    const json = await slipway(dir, ["build", "--push", "--json"], { ...env, PATH: `${bin}:${process.env.PATH}` });
    expect(json.code).toBe(1);
    expect(json.final?.error).toMatchObject({ code: "BUILD_REGISTRY_AUTH" });
    expect(String((json.final?.error as { hint?: string } | undefined)?.hint)).toContain("AWS_PROFILE");
  }, 120_000);

  it("a token from GetAuthorizationToken, the password on podman's stdin (never argv), a temporary auth file removed after, the push by digest, and the token nowhere in the output", async () => {
    const dir = app("push", `${ecrHost}/slipway-test/build-app`);
    const wrapper = mkdtempSync(join(tmpdir(), "slipway-ecr-wrap-"));
    dirs.push(wrapper);
    const bin = podmanWrapper(wrapper, ecrHost, registry.host);
    const userAuth = join(wrapper, "user-auth.json");
    writeFileSync(userAuth, '{"auths":{}}\n');
    const withCreds = {
      ...env,
      PATH: `${bin}:${process.env.PATH}`,
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      REGISTRY_AUTH_FILE: userAuth,
    };
    for (const json of [false, true]) {
      const run = await slipway(dir, json ? ["build", "--push", "--json"] : ["build", "--push"], withCreds);
      expect(run.code, run.stderr).toBe(0);
      // The password went to podman login on stdin: the token from moto, decoded.
      expect(readFileSync(join(wrapper, "stdin"), "utf8")).toBe(password);
      const argv = readFileSync(join(wrapper, "argv.log"), "utf8");
      expect(argv).toContain(`login --authfile `);
      expect(argv).toContain(`--username AWS --password-stdin ${ecrHost}`);
      expect(argv).not.toContain(password);
      expect(argv).not.toContain(token);
      // The push used slipway's temporary auth file, which is gone now; the user's is untouched.
      expect(readFileSync(join(wrapper, "push-auth"), "utf8")).toBe("yes\n");
      expect(existsSync(readFileSync(join(wrapper, "authfile"), "utf8"))).toBe(false);
      expect(readFileSync(userAuth, "utf8")).toBe('{"auths":{}}\n');
      // The runtime printed the password raw, base64 and in JSON; slipway's output shows none of it.
      const all = `${run.stdout}${run.stderr}`;
      expect(all).toContain("runtime chatter: [redacted]");
      for (const form of [password, token, Buffer.from(password).toString("base64"), JSON.stringify({ password }), "auth-token"])
        expect(all).not.toContain(form);
      const pinned = json ? String((run.final?.result as { pinned: string } | undefined)?.pinned) : /pushed (\S+)/.exec(run.stdout)?.[1];
      expect(pinned).toMatch(new RegExp(`^${ecrHost.replaceAll(".", "\\.")}/slipway-test/build-app@sha256:[a-f0-9]{64}$`));
      const digest = String(pinned).split("@")[1];
      const tag = json ? String((run.final?.result as { tag: string } | undefined)?.tag) : "";
      if (json) expect(registry.digest(`${registry.host}/slipway-test/build-app:${tag}`)).toBe(digest);
    }
  }, 300_000);

  it("a login the registry refuses: BUILD_REGISTRY_AUTH with the runtime's error, the token redacted from it", async () => {
    const dir = app("refused", `${ecrHost}/slipway-test/build-app`);
    const wrapper = mkdtempSync(join(tmpdir(), "slipway-ecr-wrap-"));
    dirs.push(wrapper);
    // The ECR host swapped for a port nothing listens on: the real podman login fails.
    const bin = podmanWrapper(wrapper, ecrHost, "127.0.0.1:9");
    const run = await slipway(dir, ["build", "--push", "--json"], {
      ...env,
      PATH: `${bin}:${process.env.PATH}`,
      AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.final?.error).toMatchObject({ code: "BUILD_REGISTRY_AUTH" });
    expect(String((run.final?.error as { message: string } | undefined)?.message)).toContain(`podman login to ${ecrHost} failed`);
    expect(`${run.stdout}${run.stderr}`).not.toContain(password);
    expect(`${run.stdout}${run.stderr}`).not.toContain(token);
  }, 120_000);

  it("a credential helper for the registry in the user's auth file: slipway leaves the login to it and asks AWS nothing", async () => {
    const dir = app("helper", `${ecrHost}/slipway-test/build-app`);
    const wrapper = mkdtempSync(join(tmpdir(), "slipway-ecr-wrap-"));
    dirs.push(wrapper);
    const userAuth = join(wrapper, "user-auth.json");
    writeFileSync(userAuth, JSON.stringify({ credHelpers: { [ecrHost]: "ecr-login" } }));
    // No AWS credentials: a call to AWS would fail with BUILD_REGISTRY_AUTH.
    const run = await slipway(dir, ["build", "--push", "--json"], {
      ...env,
      PATH: `${podmanWrapper(wrapper, ecrHost, registry.host)}:${process.env.PATH}`,
      REGISTRY_AUTH_FILE: userAuth,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(join(wrapper, "argv.log"), "utf8")).not.toMatch(/^login /m);
    expect(existsSync(join(wrapper, "push-auth"))).toBe(false);
  }, 300_000);

  it("an image on another registry never asks AWS: the push works without AWS credentials and no connection reaches the endpoint", async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const dir = app("other", `${registry.host}/slipway-test/build-app`);
      const run = await slipway(dir, ["build", "--push", "--json"], { ...env, AWS_ENDPOINT_URL_ECR: `http://127.0.0.1:${port}` });
      expect(run.code, run.stderr).toBe(0);
      expect(String((run.final?.result as { pinned: string } | undefined)?.pinned)).toMatch(/@sha256:/);
      expect(connections).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 300_000);
  describe("deploy --build to the test cluster", () => {
    const kubeconfig = inject("kubeconfig");
    let namespace = "";
    afterAll(async () => {
      if (namespace !== "") await kubectl(kubeconfig, ["delete", "namespace", namespace, "--wait=false"]);
    });

    it("logs in to ECR through the SDK, deploys the ECR image by digest, and history holds the digest and no token", async () => {
      namespace = `ecr-deploy-${process.pid}`;
      const dir = app(`deploy-${process.pid}`, `${ecrHost}/slipway-test/build-app`);
      // app() names the namespace ecr-<name>: this one.
      await kubectlOk(kubeconfig, ["create", "namespace", namespace]);
      const wrapper = mkdtempSync(join(tmpdir(), "slipway-ecr-wrap-"));
      dirs.push(wrapper);
      const kenv = {
        ...env,
        PATH: `${podmanWrapper(wrapper, ecrHost, registry.host)}:${process.env.PATH}`,
        AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        KUBECONFIG: kubeconfig,
      };
      const run = await slipway(dir, ["deploy", "-e", "staging", "--build", "--json"], kenv);
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expect(readFileSync(join(wrapper, "stdin"), "utf8")).toBe(password);
      const image = (
        await kubectl(kubeconfig, [
          "-n",
          namespace,
          "get",
          "deployment",
          "build-app",
          "-o",
          "jsonpath={.spec.template.spec.containers[0].image}",
        ])
      ).stdout;
      expect(image).toMatch(new RegExp(`^${ecrHost.replaceAll(".", "\\.")}/slipway-test/build-app@sha256:[a-f0-9]{64}$`));
      const history = await slipway(dir, ["history", "-e", "staging", "--json"], kenv);
      const refs = ((history.final?.result?.releases ?? []) as { artifact: { ref: string } }[]).map((r) => r.artifact.ref);
      expect(refs).toEqual([image]);
      const secrets = (await kubectl(kubeconfig, ["-n", namespace, "get", "secrets,configmaps,deployments", "-o", "yaml"])).stdout;
      for (const text of [run.stdout, run.stderr, history.stdout, secrets]) {
        expect(text).not.toContain(password);
        expect(text).not.toContain(token);
      }
    }, 300_000);
  });
});
