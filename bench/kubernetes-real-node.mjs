// Benchmark (issue 20): `slipway deploy` and Helm on the real test node (start.sh --real-node): a
// real kubelet runs the containers, so a crash is a real process exit, probes are real HTTP, and
// the back-off is the kubelet's (10 s, doubling). The app is busybox httpd honouring the app
// contract; each tool deploys it to its own namespace placed on the real node.
//   node bench/kubernetes.mjs --real-node [OPTIONS]      (or node bench/kubernetes-real-node.mjs)
//     [--scenarios crash,crash-exit0,healthy] [--healthy N=3] [--fail-runs N=1] [--helm-timeout 5m]
//     [--kubeconfig PATH]  (a running cluster started with start.sh --real-node and its default kubeconfig)
//     [--keep-cluster]
// Scenarios:
//   crash        a release whose process exits 3 at boot: time from deploy start to "rolled back and
//                exited non-zero", slipway's detection broken down (first crash seen in a pod watch
//                → the failure verdict → rolled back), and the signal its verdict used.
//   crash-exit0  the same with exit 0 (a process that "finishes"): not a crash until the kubelet backs off.
//   healthy      N healthy deploys of a new tag per tool, interleaved, medians.
// Exits non-zero when a tool misbehaves (a failing release that exits 0, a healthy deploy that fails,
// the previous release not serving after a failure).
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, homedir, loadavg, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "slipway-test");
const versions = Object.fromEntries(
  readFileSync(join(root, "test/cluster/versions.env"), "utf8")
    .split("\n")
    .map((l) => l.match(/^([A-Z0-9_]+)=([^#\s]*)/))
    .filter(Boolean)
    .map((m) => [m[1], m[2]]),
);
const kubectlBin = join(cache, `kubernetes-${versions.KUBERNETES_VERSION}/bin/kubectl`);
const helmBin = join(cache, `helm-${versions.HELM_VERSION}/bin/helm`);
const craneBin = join(cache, `crane-${versions.GGCR_VERSION}/bin/crane`);

const opts = {
  scenarios: ["crash", "crash-exit0", "healthy"],
  healthy: 3,
  failRuns: 1,
  helmTimeout: "5m",
  kubeconfig: undefined,
  keep: false,
};
{
  const a = process.argv.slice(2).filter((x) => x !== "--real-node");
  for (let i = 0; i < a.length; i++) {
    const v = () => {
      if (a[i + 1] === undefined) throw new Error(`${a[i]} needs a value`);
      return a[++i];
    };
    if (a[i] === "--scenarios") opts.scenarios = v().split(",").filter(Boolean);
    else if (a[i] === "--healthy") opts.healthy = Number(v());
    else if (a[i] === "--fail-runs") opts.failRuns = Number(v());
    else if (a[i] === "--helm-timeout") opts.helmTimeout = v();
    else if (a[i] === "--kubeconfig") opts.kubeconfig = v();
    else if (a[i] === "--keep-cluster") opts.keep = true;
    else if (a[i] === "-h" || a[i] === "--help") {
      console.log(
        readFileSync(fileURLToPath(import.meta.url), "utf8")
          .split("\n")
          .slice(0, 16)
          .join("\n"),
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a[i]} (see --help)`);
  }
  for (const s of opts.scenarios) if (!["crash", "crash-exit0", "healthy"].includes(s)) throw new Error(`unknown scenario ${s}`);
}

const log = (...m) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...m);
const children = new Set();
let cluster; // { name, kubeconfig, registry (127.0.0.1:PORT), external }
let work;
const namespaces = [];

/** Runs a command; stdout lines are kept with the milliseconds since start at which they arrived. */
function run(cmd, args, { env = {}, cwd = root, onLine } = {}) {
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  let partial = "";
  const lines = [];
  child.stdout.on("data", (d) => {
    stdout += d;
    partial += d;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      const at = performance.now() - t0;
      lines.push({ at, line });
      onLine?.(line, at);
    }
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr, lines, ms: performance.now() - t0, t0 });
    });
  });
  return { child, done, t0 };
}
const exec = (cmd, args, o) => run(cmd, args, o).done;
const kubectl = (args) => exec(kubectlBin, ["--kubeconfig", cluster.kubeconfig, ...args]);
async function kubectlOk(args) {
  const r = await kubectl(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms) => (ms / 1000).toFixed(1);

function cleanup() {
  for (const c of children) c.kill("SIGKILL");
  if (cluster?.external) {
    for (const ns of namespaces)
      spawnSync(kubectlBin, ["--kubeconfig", cluster.kubeconfig, "delete", "namespace", ns, "--wait=false"], { stdio: "ignore" });
  } else if (cluster && !opts.keep)
    spawnSync("bash", [join(root, "test/cluster/stop.sh"), "--name", cluster.name], { stdio: ["ignore", "ignore", "inherit"] });
  else if (cluster) console.error(`kept cluster ${cluster.name}: KUBECONFIG=${cluster.kubeconfig}`);
  cluster = undefined;
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
}
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// Cluster, images, workspaces

async function startCluster() {
  if (opts.kubeconfig) {
    const dir = dirname(opts.kubeconfig);
    const address = join(dir, "realnode", "registry.address");
    if (!existsSync(address)) throw new Error(`${opts.kubeconfig}: its cluster has no real node (start.sh --real-node)`);
    return { name: basename(dir), kubeconfig: opts.kubeconfig, registry: readFileSync(address, "utf8").trim(), external: true };
  }
  const why = spawnSync("bash", [join(root, "test/cluster/real-node.sh"), "can-run"], { encoding: "utf8" });
  if (why.status !== 0) throw new Error(`a real node cannot run here: ${why.stdout.trim()}`);
  const name = `bench-rn-${process.pid}`;
  log(`starting cluster ${name} with a real node`);
  const r = await exec("bash", [join(root, "test/cluster/start.sh"), "--name", name, "--real-node"]);
  if (r.code !== 0) throw new Error(`start.sh failed:\n${r.stderr.slice(-3000)}`);
  const kv = Object.fromEntries(
    r.stdout
      .split("\n")
      .map((l) => l.match(/^([A-Z_]+)=(.*)$/))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
  return { name, kubeconfig: kv.KUBECONFIG, registry: kv.REGISTRY, external: false };
}

const APP = "bbapp";
const IMAGE = `slipway.test/bench-${APP}`;
// PID 1 is the shell, which exits on SIGTERM (httpd as PID 1 would ignore it, and every pod
// delete would wait the whole grace period).
const HTTPD = ["/bin/sh", "-c", 'trap "exit 0" TERM; echo "listening on $HOST:$PORT"; httpd -f -v -p "$HOST:$PORT" -h /www & wait'];

function rootfs(files) {
  const dir = mkdtempSync(join(work, "rootfs-"));
  mkdirSync(join(dir, "bin"));
  copyFileSync("/bin/busybox", join(dir, "bin", "busybox"));
  chmodSync(join(dir, "bin", "busybox"), 0o755);
  for (const a of ["sh", "httpd", "echo", "cat", "sleep"]) symlinkSync("busybox", join(dir, "bin", a));
  for (const d of ["www", "tmp"]) mkdirSync(join(dir, d));
  for (const [p, t] of Object.entries(files)) writeFileSync(join(dir, p), t);
  return dir;
}
// An image archive of the folder (image-tar.sh), pushed with crane to the node's registry, which
// containerd reaches as slipway.test.
async function push(tag, dir, entrypoint) {
  const tar = join(work, `image-${tag}.tar`);
  const r = await exec("bash", [join(root, "test/cluster/image-tar.sh"), dir, `${IMAGE}:${tag}`, tar, JSON.stringify(entrypoint)]);
  if (r.code !== 0) throw new Error(`image-tar.sh ${tag}: ${r.stderr}`);
  const pushed = await exec(craneBin, ["push", "--insecure", tar, `${cluster.registry}/${IMAGE.replace(/^slipway\.test\//, "")}:${tag}`]);
  if (pushed.code !== 0) throw new Error(`crane push ${tag}: ${pushed.stderr}`);
  rmSync(tar, { force: true });
}

async function namespace(base) {
  const ns = `${base}-${process.pid}`;
  const manifest = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: ns,
      labels: { "pod-security.kubernetes.io/enforce": "restricted" },
      annotations: {
        "scheduler.alpha.kubernetes.io/node-selector": "slipway.test/real-node=true",
        "scheduler.alpha.kubernetes.io/defaultTolerations": JSON.stringify([
          { key: "slipway.test/real-node", operator: "Exists", effect: "NoSchedule" },
        ]),
      },
    },
  };
  const f = join(work, `${ns}.json`);
  writeFileSync(f, JSON.stringify(manifest));
  await kubectlOk(["create", "-f", f]);
  namespaces.push(ns);
  return ns;
}

function workspace(ns) {
  const dir = mkdtempSync(join(work, `ws-${ns}-`));
  writeFileSync(
    join(dir, "slipway.yaml"),
    [
      `name: ${APP}`,
      "app:",
      `  image: ${IMAGE}:1.0.0`,
      "  port: 8080",
      "  health: { readiness: /ready }",
      "  resources: { cpu: 50m, memory: 32Mi }",
      "  scale: { min: 1, max: 1 }",
      "environments:",
      "  staging: { target: kubernetes }",
      "targets:",
      `  kubernetes: { type: kubernetes, namespace: ${ns} }`,
      "",
    ].join("\n"),
  );
  return dir;
}

const bin = join(root, "dist/bundle/bin.js");
const slipwayDeploy = (dir, tag, onLine) =>
  exec(process.execPath, [bin, "deploy", "-e", "staging", "--tag", tag, "--json"], {
    cwd: dir,
    env: { KUBECONFIG: cluster.kubeconfig },
    onLine,
  });
const helmDeploy = (chart, ns, tag) =>
  exec(
    helmBin,
    [
      "upgrade",
      "--install",
      APP,
      chart,
      "-n",
      ns,
      "-f",
      join(chart, "values-staging.yaml"),
      "--set-string",
      `image.tag=${tag}`,
      "--rollback-on-failure",
      "--wait",
      "--timeout",
      opts.helmTimeout,
    ],
    { env: { KUBECONFIG: cluster.kubeconfig } },
  );
const servingImage = async (ns) =>
  (await kubectlOk(["-n", ns, "get", "deployment", APP, "-o", "jsonpath={.spec.template.spec.containers[0].image}"])).trim();

/**
 * Watches the namespace's pods and events; records the ms (on the caller's clock t0) at which a
 * container was first seen terminated (state.terminated or lastState.terminated), the first
 * CrashLoopBackOff in a pod's status, and the first `BackOff` event the kubelet sent.
 */
function watchCrashes(ns, t0) {
  const seen = { firstTerminated: undefined, firstBackOffStatus: undefined, firstBackOffEvent: undefined };
  // --watch-only: events of earlier runs in the same namespace are not news.
  const events = run(
    kubectlBin,
    ["--kubeconfig", cluster.kubeconfig, "-n", ns, "get", "events", "--watch-only", "--field-selector", "reason=BackOff", "-o", "name"],
    {
      onLine: () => {
        if (seen.firstBackOffEvent === undefined) seen.firstBackOffEvent = performance.now() - t0;
      },
    },
  );
  // No {range}: kubectl's watch output breaks on a range template after the first object. The app
  // has one container.
  const c0 = ".status.containerStatuses[0]";
  const template = `{.metadata.name}{"|"}{${c0}.restartCount}{"|"}{${c0}.state.terminated.exitCode}{"|"}{${c0}.lastState.terminated.exitCode}{"|"}{${c0}.state.waiting.reason}{"\\n"}`;
  const w = run(kubectlBin, ["--kubeconfig", cluster.kubeconfig, "-n", ns, "get", "pods", "-w", "-o", `jsonpath=${template}`], {
    onLine: (line) => {
      const at = performance.now() - t0;
      const [, , exitNow, exitBefore, waiting] = line.split("|");
      if ((exitNow || exitBefore) && seen.firstTerminated === undefined) seen.firstTerminated = at;
      if (waiting === "CrashLoopBackOff" && seen.firstBackOffStatus === undefined) seen.firstBackOffStatus = at;
    },
  });
  return {
    seen,
    stop: () => {
      w.child.kill("SIGTERM");
      events.child.kill("SIGTERM");
    },
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  work = mkdtempSync(join(tmpdir(), "slipway-bench-rn-"));
  if (!existsSync(bin)) throw new Error("dist/bundle/bin.js is missing: npm run build");
  cluster = await startCluster();
  log(`cluster ${cluster.name}; registry ${cluster.registry}`);
  const good = rootfs({ "www/ready": "ready\n" });
  const tags = ["1.0.0", ...Array.from({ length: opts.healthy }, (_, i) => `1.1.${i}`)];
  for (const t of tags) await push(t, good, HTTPD);
  await push("crash", good, ["/bin/sh", "-c", "echo booting; echo fatal: DATABASE_URL is not set >&2; exit 3"]);
  await push("crash-exit0", good, ["/bin/sh", "-c", "echo nothing to do; exit 0"]);

  const swNs = await namespace("rnb-slipway");
  const helmNs = await namespace("rnb-helm");
  const sw = workspace(swNs);
  const chart = join(work, "chart");
  const rendered = await exec(process.execPath, [bin, "render", "helm", "-f", join(sw, "slipway.yaml"), "-o", chart], { cwd: sw });
  if (rendered.code !== 0) throw new Error(`slipway render helm: ${rendered.stdout}${rendered.stderr}`);
  const first = await slipwayDeploy(sw, "1.0.0");
  if (first.code !== 0) throw new Error(`slipway first deploy failed:\n${first.stdout.slice(-3000)}`);
  const helmFirst = await helmDeploy(chart, helmNs, "1.0.0");
  if (helmFirst.code !== 0) throw new Error(`helm first deploy failed:\n${helmFirst.stderr.slice(-3000)}`);
  log(`revision 1 (1.0.0) serving for both (slipway ${sec(first.ms)} s, helm ${sec(helmFirst.ms)} s)`);

  const rows = [];
  let misbehaved = false;
  for (const scenario of opts.scenarios.filter((s) => s.startsWith("crash"))) {
    for (let i = 0; i < opts.failRuns; i++) {
      const t0 = performance.now();
      const watch = watchCrashes(swNs, t0);
      let verdictAt;
      let rolledAt;
      const r = await slipwayDeploy(sw, scenario, (line, at) => {
        if (line.includes('"type":"failed"') && verdictAt === undefined) verdictAt = at;
        if (line.includes('"type":"rolled-back"') && rolledAt === undefined) rolledAt = at;
      });
      watch.stop();
      const final = r.lines
        .map((l) => l.line)
        .filter((l) => l.startsWith("{") && l.includes('"ok"'))
        .pop();
      const error = final ? JSON.parse(final).error : undefined;
      const reason = String(error?.message ?? "");
      // Which status field the verdict read (see src/targets/kubernetes/waiters/pod-problems.ts).
      const exit = /\(exit (\d+)/.exec(reason)?.[1];
      const signal = /CrashLoopBackOff/.test(reason)
        ? "waiting.reason=CrashLoopBackOff"
        : /OOMKilled/.test(reason)
          ? "OOMKilled"
          : /exited \(exit \d+, [^)]*\d+ restart/.test(reason)
            ? `lastState.terminated (exit ${exit}) + restartCount`
            : /exited/.test(reason)
              ? `state.terminated (exit ${exit})`
              : "other";
      const serving = await servingImage(swNs);
      if (r.code === 0 || serving !== `${IMAGE}:1.0.0`) misbehaved = true;
      log(
        `slipway ${scenario}: exit ${r.code} in ${sec(r.ms)} s; crash seen ${watch.seen.firstTerminated === undefined ? "-" : sec(watch.seen.firstTerminated)} s, verdict ${verdictAt === undefined ? "-" : sec(verdictAt)} s, rolled back ${rolledAt === undefined ? "-" : sec(rolledAt)} s; ${signal}; serving ${serving}`,
      );
      const helmWatch = watchCrashes(helmNs, performance.now());
      const h = await helmDeploy(chart, helmNs, scenario);
      helmWatch.stop();
      const helmServing = await servingImage(helmNs);
      if (h.code === 0 || helmServing !== `${IMAGE}:1.0.0`) misbehaved = true;
      const helmReason = (h.stderr.trim().split("\n").pop() ?? "").slice(0, 160);
      log(`helm ${scenario}: exit ${h.code} in ${sec(h.ms)} s (${helmReason}); serving ${helmServing}`);
      rows.push({
        scenario,
        sw: r,
        h,
        crash: watch.seen.firstTerminated,
        helmCrash: helmWatch.seen.firstTerminated,
        helmBackOff: helmWatch.seen.firstBackOffStatus,
        helmBackOffEvent: helmWatch.seen.firstBackOffEvent,
        backOffEvent: watch.seen.firstBackOffEvent,
        verdictAt,
        rolledAt,
        signal,
        reason,
        helmReason,
      });
    }
  }

  const healthy = { slipway: [], helm: [] };
  if (opts.scenarios.includes("healthy")) {
    for (const tag of tags.slice(1)) {
      const r = await slipwayDeploy(sw, tag);
      if (r.code !== 0 || (await servingImage(swNs)) !== `${IMAGE}:${tag}`) misbehaved = true;
      healthy.slipway.push(r.ms);
      const h = await helmDeploy(chart, helmNs, tag);
      if (h.code !== 0 || (await servingImage(helmNs)) !== `${IMAGE}:${tag}`) misbehaved = true;
      healthy.helm.push(h.ms);
      log(`healthy ${tag}: slipway ${sec(r.ms)} s, helm ${sec(h.ms)} s`);
    }
  }

  const out = [];
  out.push(
    `Real node: kubelet ${versions.KUBERNETES_VERSION} + containerd (Debian) + runc, ${cpus().length} cores, load ${loadavg()
      .map((x) => x.toFixed(1))
      .join("/")}; helm ${versions.HELM_VERSION} --rollback-on-failure --wait --timeout ${opts.helmTimeout}`,
  );
  out.push("");
  if (rows.length > 0) {
    out.push(
      "| scenario | slipway s | first crash seen s | slipway verdict s | rolled back s | signal slipway used | BackOff event in slipway's run s | helm s | helm/slipway | in Helm's run: first crash / first BackOff event / CrashLoopBackOff in status s | helm exit reason |",
    );
    out.push("|---|---|---|---|---|---|---|---|---|---|---|");
    for (const x of rows) {
      const f = (v) => (v === undefined ? "-" : sec(v));
      out.push(
        `| ${x.scenario} | ${sec(x.sw.ms)} (exit ${x.sw.code}) | ${f(x.crash)} | ${f(x.verdictAt)} | ${f(x.rolledAt)} | ${x.signal} | ${f(x.backOffEvent)} | ${sec(x.h.ms)} (exit ${x.h.code}) | ${(x.h.ms / x.sw.ms).toFixed(1)}× | ${f(x.helmCrash)} / ${f(x.helmBackOffEvent)} / ${f(x.helmBackOff)} | ${x.helmReason.replace(/\|/g, "\\|")} |`,
      );
    }
    out.push("");
  }
  if (healthy.slipway.length > 0) {
    out.push(`| healthy deploy (median of ${healthy.slipway.length}) | slipway s | helm s |`);
    out.push("|---|---|---|");
    out.push(`| new tag, 1 replica, real probes | ${sec(median(healthy.slipway))} | ${sec(median(healthy.helm))} |`);
  }
  console.log(out.join("\n"));
  if (misbehaved) {
    console.error("a tool misbehaved (see the log above)");
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  cleanup();
}
