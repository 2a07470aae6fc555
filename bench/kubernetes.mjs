// Benchmark (issue 7): `slipway deploy` to Kubernetes side by side with Helm on the same test
// cluster (real kube-apiserver + controllers, kwok fake nodes), each tool in its own namespace.
//   npm run bench:kubernetes [-- OPTIONS]
//   node bench/kubernetes.mjs [--scenarios crashloop,crashloop-nomigrate,imagepull,imagepull-nomigrate,healthy,chaos]
//                             [--healthy N=5] [--chaos K=100] [--fail-runs N=1] [--helm 4|3]
//                             [--helm-timeout 5m] [--stagger S=30] [--seed N] [--keep-cluster]
//                             [--chaos-budget MINUTES]  (stop slipway's soak early; Helm then runs as many)
//                             [--kubeconfig PATH]  (use a running test cluster instead of starting one; its
//                                                   namespaces get a -b<pid> suffix and are deleted at the end)
//                             [--cli DIR]  (the slipway checkout whose dist/ to run; default this one)
//   node bench/kubernetes.mjs --real-node [...]  (on a real kubelet: see bench/kubernetes-real-node.mjs)
// Scenarios:
//   crashloop / imagepull             the example spec (release.migrate runs the new image first)
//   crashloop-nomigrate / -nomigrate  the same spec without release.migrate: the rollout itself fails
//     time from deploy start to "rolled back and exited non-zero"; revision 1 (tag 1.0.0) must serve after.
//   healthy  N interleaved healthy deploys of a new tag, medians.
//   chaos    K deploys per tool killed with SIGKILL at a random moment, each followed by one clean
//            deploy; a release is "stuck" when that clean deploy fails or does not leave the new tag.
// The script exits non-zero when a tool does not behave as expected (a failing release that exits 0,
// a healthy deploy that fails, a release not put back); a missed goal is reported, not fatal.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, homedir, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

// --real-node: the same comparison on the real test node (issue 20), in its own script.
if (process.argv.includes("--real-node")) {
  await import("./kubernetes-real-node.mjs");
  process.exit(process.exitCode ?? 0);
}

const root = fileURLToPath(new URL("..", import.meta.url));
// The CLI under test is a snapshot of dist/ taken at start (see snapshotCli): other people rebuild
// dist/ while a long run is going, and a half-written bundle must not count as slipway failing.
let bin = join(root, "dist/bundle/bin.js");
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "slipway-test");
const versions = Object.fromEntries(
  readFileSync(join(root, "test/cluster/versions.env"), "utf8")
    .split("\n")
    .map((l) => l.match(/^([A-Z0-9_]+)="?([^"#\s]*)"?/))
    .filter(Boolean)
    .map((m) => [m[1], m[2]]),
);
const kubectlBin = join(cache, `kubernetes-${versions.KUBERNETES_VERSION}/bin/kubectl`);

// ---------------------------------------------------------------------------------------------
// Arguments
const ALL = ["crashloop", "crashloop-nomigrate", "imagepull", "imagepull-nomigrate", "healthy", "chaos"];
const opts = {
  scenarios: ALL,
  healthy: 5,
  chaos: 100,
  chaosBudget: Infinity,
  failRuns: 1,
  helm: "4",
  helmTimeout: "5m",
  stagger: 30,
  seed: Date.now() % 1e9,
  keepCluster: false,
  kubeconfig: undefined,
  cli: root,
};
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const v = () => {
      if (a[i + 1] === undefined) throw new Error(`${a[i]} needs a value`);
      return a[++i];
    };
    switch (a[i]) {
      case "--scenarios":
        opts.scenarios = v().split(",").filter(Boolean);
        break;
      case "--healthy":
        opts.healthy = Number(v());
        break;
      case "--chaos":
        opts.chaos = Number(v());
        break;
      case "--chaos-budget":
        opts.chaosBudget = Number(v());
        break;
      case "--fail-runs":
        opts.failRuns = Number(v());
        break;
      case "--helm":
        opts.helm = v();
        break;
      case "--helm-timeout":
        opts.helmTimeout = v();
        break;
      case "--stagger":
        opts.stagger = Number(v());
        break;
      case "--seed":
        opts.seed = Number(v());
        break;
      case "--kubeconfig":
        opts.kubeconfig = v();
        break;
      case "--cli":
        opts.cli = v();
        break;
      case "--keep-cluster":
        opts.keepCluster = true;
        break;
      case "-h":
      case "--help":
        console.log(
          readFileSync(fileURLToPath(import.meta.url), "utf8")
            .split("\n")
            .slice(0, 20)
            .join("\n"),
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${a[i]} (see --help)`);
    }
  }
  for (const s of opts.scenarios) if (!ALL.includes(s)) throw new Error(`unknown scenario ${s}; one of ${ALL.join(", ")}`);
  if (!["3", "4"].includes(opts.helm)) throw new Error("--helm is 4 or 3");
}
const helmBin =
  opts.helm === "4" ? join(cache, `helm-${versions.HELM_VERSION}/bin/helm`) : join(cache, `helm3-${versions.HELM3_VERSION}/bin/helm3`);
// Helm 4 renamed --atomic; both wait for the resources (Helm 4: the kstatus "watcher" strategy).
const helmFailFlags = opts.helm === "4" ? ["--rollback-on-failure", "--wait"] : ["--atomic", "--wait"];

// A small seeded PRNG so a chaos run can be repeated with --seed.
let seed = opts.seed >>> 0 || 1;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};

// ---------------------------------------------------------------------------------------------
// Processes: every child is tracked so that Ctrl-C / a failure kills them and stops the cluster.
const children = new Set();
let cluster; // { name, kubeconfig, external }
/** Namespaces created on a cluster the script did not start: deleted at the end. */
const created = new Set();
/** A namespace name; on a shared cluster suffixed so that two runs never meet. */
const nsFor = (base) => (opts.kubeconfig ? `${base.slice(0, 50)}-b${process.pid}` : base);
let work; // temporary folder

function run(cmd, args, { env = {}, cwd = root, input } = {}) {
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  child.stdin.end(input ?? "");
  const done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
  return { child, done };
}
const exec = (cmd, args, o) => run(cmd, args, o).done;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cleanup() {
  for (const c of children) c.kill("SIGKILL");
  if (cluster?.external) {
    for (const ns of created)
      spawnSync(kubectlBin, ["--kubeconfig", cluster.kubeconfig, "delete", "namespace", ns, "--wait=false"], { stdio: "ignore" });
  } else if (cluster && !opts.keepCluster)
    spawnSync("bash", [join(root, "test/cluster/stop.sh"), "--name", cluster.name], { stdio: ["ignore", "ignore", "inherit"] });
  else if (cluster) console.error(`kept cluster ${cluster.name}: KUBECONFIG=${cluster.kubeconfig}`);
  cluster = undefined;
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping`);
    cleanup();
    process.exit(130);
  });
}

const log = (...m) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...m);
class Misbehaved extends Error {}
const fail = (what, r) => {
  throw new Misbehaved(
    `${what}\n--- exit ${r?.code ?? "?"} ${r?.signal ?? ""}\n--- stdout (tail)\n${(r?.stdout ?? "").slice(-3000)}\n--- stderr (tail)\n${(r?.stderr ?? "").slice(-3000)}`,
  );
};

// ---------------------------------------------------------------------------------------------
// Cluster and tools
async function kubectl(args, o) {
  return exec(kubectlBin, ["--kubeconfig", cluster.kubeconfig, ...args], o);
}
async function kubectlOk(args, o) {
  const r = await kubectl(args, o);
  if (r.code !== 0) fail(`kubectl ${args.join(" ")} failed`, r);
  return r.stdout;
}
const deploymentImage = async (ns) =>
  (
    await kubectl(["-n", ns, "get", "deployment", "node-postgres", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])
  ).stdout.trim();

const parseEvents = (stdout) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return {};
      }
    });

/** A private copy of examples/node-postgres deploying to namespace `ns` (optionally without release.migrate). */
function slipwayWorkspace(ns, { migrate = true } = {}) {
  const dir = mkdtempSync(join(work, `sw-${ns}-`));
  cpSync(join(root, "examples/node-postgres"), dir, { recursive: true, filter: (s) => !/node_modules|\.slipway/.test(s) });
  const file = join(dir, "slipway.yaml");
  let spec = readFileSync(file, "utf8");
  const before = spec;
  spec = spec.replace("targets:\n", `targets:\n  kubernetes: { type: kubernetes, namespace: ${ns} }\n`);
  if (spec === before) throw new Error("could not add the kubernetes target to the spec");
  if (!migrate) {
    const withMigrate = spec;
    spec = spec.replace(/^ {2}release:\n {4}migrate:.*\n/m, "");
    if (spec === withMigrate) throw new Error("could not remove release.migrate from the spec");
  }
  writeFileSync(file, spec);
  return dir;
}

async function slipwayDeploy(dir, tag, extra = []) {
  const r = await exec(process.execPath, [bin, "deploy", "-e", "staging", "--tag", tag, "--json", ...extra], {
    cwd: dir,
    env: { KUBECONFIG: cluster.kubeconfig },
  });
  const events = parseEvents(r.stdout);
  return { ...r, events, final: events.findLast((e) => "ok" in e) };
}
const phaseTimes = (events) => Object.fromEntries(events.filter((e) => e.type === "phase-finished").map((e) => [e.phase, e.durationMs]));

const charts = {};
async function chartFor(migrate) {
  const key = migrate ? "migrate" : "nomigrate";
  if (charts[key]) return charts[key];
  const dir = slipwayWorkspace("chart", { migrate });
  const out = join(work, `chart-${key}`);
  const r = await exec(process.execPath, [bin, "render", "helm", "-f", join(dir, "slipway.yaml"), "-o", out], { cwd: dir });
  if (r.code !== 0) fail("slipway render helm failed", r);
  charts[key] = out;
  return out;
}

// The kwok cluster has no Prometheus operator CRDs: slipway skips the ServiceMonitor by itself
// ("not installed in the cluster"); Helm would abort on the unknown kind, so it is switched off.
const helmArgs = (chart, ns, tag) => [
  "upgrade",
  "--install",
  "node-postgres",
  chart,
  "-n",
  ns,
  "-f",
  join(chart, "values-staging.yaml"),
  "--set",
  "metrics.enabled=false",
  "--set-string",
  `image.tag=${tag}`,
  ...helmFailFlags,
  "--timeout",
  opts.helmTimeout,
];
const helmDeployRun = (chart, ns, tag) => run(helmBin, helmArgs(chart, ns, tag), { env: { KUBECONFIG: cluster.kubeconfig } });
const helmDeploy = (chart, ns, tag) => helmDeployRun(chart, ns, tag).done;
async function helmStatus(ns) {
  const r = await exec(helmBin, ["status", "node-postgres", "-n", ns, "-o", "json"], { env: { KUBECONFIG: cluster.kubeconfig } });
  if (r.code !== 0) return { status: `(helm status exit ${r.code}: ${r.stderr.trim().split("\n").pop()})` };
  const s = JSON.parse(r.stdout);
  return { status: s.info?.status, version: s.version, description: s.info?.description };
}

/** Every Secret and key the staging objects reference, read from `render kubernetes`. */
async function referencedSecrets(dir) {
  const r = await exec(process.execPath, [bin, "render", "kubernetes", "-e", "staging"], { cwd: dir });
  if (r.code !== 0) fail("slipway render kubernetes failed", r);
  const secrets = new Map();
  const walk = (n) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === "object") {
      if (n.secretKeyRef?.name) {
        if (!secrets.has(n.secretKeyRef.name)) secrets.set(n.secretKeyRef.name, new Set());
        secrets.get(n.secretKeyRef.name).add(n.secretKeyRef.key);
      }
      if (n.secretRef?.name && !secrets.has(n.secretRef.name)) secrets.set(n.secretRef.name, new Set());
      Object.values(n).forEach(walk);
    }
  };
  for (const doc of parseAllDocuments(r.stdout)) walk(doc.toJS());
  return secrets;
}
let secretRefs;
async function freshNamespace(ns) {
  await kubectlOk(["create", "namespace", ns]);
  created.add(ns);
  await kubectlOk(["label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted"]);
  for (const [name, keys] of secretRefs) {
    const lits = [...keys].map((k) => `--from-literal=${k}=${k === "host" ? "db" : "x"}`);
    await kubectlOk(["create", "secret", "generic", name, ...(lits.length ? lits : ["--from-literal=unused=x"]), "-n", ns]);
  }
  // Pods need the namespace's default service account (the controller makes it a moment later).
  for (let i = 0; i < 100; i++) {
    if ((await kubectl(["-n", ns, "get", "serviceaccount", "default"])).code === 0) return ns;
    await sleep(100);
  }
  throw new Error(`namespace ${ns}: no default service account`);
}

const REV1 = "1.0.0";
const imageOf = (tag) => `ghcr.io/slipway-examples/node-postgres:${tag}`;

async function setupSlipway(ns, migrate) {
  await freshNamespace(ns);
  const dir = slipwayWorkspace(ns, { migrate });
  const r = await slipwayDeploy(dir, REV1);
  if (r.code !== 0 || !r.final?.ok) fail(`slipway: first healthy deploy to ${ns} failed`, r);
  return dir;
}
async function setupHelm(ns, migrate) {
  await freshNamespace(ns);
  const chart = await chartFor(migrate);
  const r = await helmDeploy(chart, ns, REV1);
  if (r.code !== 0) fail(`helm: first healthy install into ${ns} failed`, r);
  return chart;
}

// ---------------------------------------------------------------------------------------------
// Statistics and tables
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sec = (ms) => (ms / 1000).toFixed(2);
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(3)}×` : "n/a");
const ratioWide = (a, b) => (b > 0 ? `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×` : "n/a");
const report = [];
const out = (line = "") => report.push(line);

// ---------------------------------------------------------------------------------------------
// Scenarios 1 and 2: a failing release, rolled back.
const FAILURES = {
  crashloop: { tag: "sim-crashloop", migrate: true, title: "crash-looping image (spec with release.migrate: fails at the migration Job)" },
  "crashloop-nomigrate": {
    tag: "sim-crashloop",
    migrate: false,
    title: "crash-looping image, spec without release.migrate (the rollout crash-loops)",
  },
  imagepull: { tag: "sim-imagepull", migrate: true, title: "image that cannot be pulled (spec with release.migrate)" },
  "imagepull-nomigrate": { tag: "sim-imagepull", migrate: false, title: "image that cannot be pulled, spec without release.migrate" },
};

async function slipwayFailure(name, i) {
  const f = FAILURES[name];
  const ns = nsFor(`sw-${name}-${i}`.slice(0, 60));
  const dir = await setupSlipway(ns, f.migrate);
  const r = await slipwayDeploy(dir, f.tag);
  const what = `slipway deploy --tag ${f.tag} (${name}, namespace ${ns})`;
  if (r.code === 0) fail(`${what} exited 0 for a failing release`, r);
  if (r.final?.ok !== false || r.final?.error?.code !== "DEPLOY_FAILED") fail(`${what}: expected {ok:false, error.code: DEPLOY_FAILED}`, r);
  if (!r.events.some((e) => e.type === "rolled-back")) fail(`${what}: no rolled-back event`, r);
  const image = await deploymentImage(ns);
  if (image !== imageOf(REV1)) fail(`${what}: the Deployment runs ${image} afterwards, not revision 1's image`, r);
  const failed = r.events.find((e) => e.type === "failed");
  const phases = phaseTimes(r.events);
  const counted = Object.values(phases).reduce((a, b) => a + b, 0);
  // The failed phase and the rollback have no phase-finished event: what is left of the wall time
  // (minus Node's start-up, ~0.15 s) went there.
  phases[`${failed?.phase ?? "?"} (failed) + rollback + process start`] = Math.round(r.ms - counted);
  return {
    ms: r.ms,
    code: r.code,
    cls: failed?.failure?.class ?? "?",
    phase: failed?.phase ?? "?",
    phases,
    message: r.final?.error?.message,
  };
}

async function helmFailure(name, i) {
  const f = FAILURES[name];
  const ns = nsFor(`helm-${name}-${i}`.slice(0, 60));
  const chart = await setupHelm(ns, f.migrate);
  log(`helm ${name} #${i}: upgrade to ${f.tag} (waits up to --timeout ${opts.helmTimeout})`);
  const r = await helmDeploy(chart, ns, f.tag);
  const what = `helm upgrade --install … ${helmFailFlags.join(" ")} --set image.tag=${f.tag} (${name}, namespace ${ns})`;
  if (r.code === 0) fail(`${what} exited 0 for a failing release`, r);
  if (!/rolled back/i.test(r.stderr)) fail(`${what}: exited ${r.code} without saying it rolled back`, r);
  const st = await helmStatus(ns);
  if (st.status !== "deployed") fail(`${what}: release status after the rollback is ${st.status}`, { ...r, stdout: JSON.stringify(st) });
  const image = await deploymentImage(ns);
  if (image !== imageOf(REV1)) fail(`${what}: the Deployment runs ${image} afterwards, not revision 1's image`, r);
  const reason = (r.stderr.match(/Error: (.*)/)?.[1] ?? "").replace(
    /^UPGRADE FAILED: release node-postgres failed, and has been rolled back due to [a-z-]+ being set: /,
    "",
  );
  return { ms: r.ms, code: r.code, reason };
}

async function failureScenarios(names) {
  // slipway first, one run at a time on a quiet cluster.
  const sw = {};
  for (const name of names) {
    sw[name] = [];
    for (let i = 1; i <= opts.failRuns; i++) {
      const res = await slipwayFailure(name, i);
      log(`slipway ${name} #${i}: ${sec(res.ms)} s, exit ${res.code}, ${res.phase}/${res.cls}: ${res.message}`);
      sw[name].push(res);
    }
  }
  // Helm: a run that is still waiting after --stagger seconds (its --timeout) overlaps with the
  // next one; Helm's time there is its own timer, not CPU. Quick runs are measured alone.
  const hm = Object.fromEntries(names.map((n) => [n, []]));
  const pending = [];
  for (const name of names) {
    for (let i = 1; i <= opts.failRuns; i++) {
      const p = helmFailure(name, i).then((res) => {
        log(`helm ${name} #${i}: ${sec(res.ms)} s, exit ${res.code}`);
        hm[name].push(res);
      });
      pending.push(p);
      await Promise.race([p, sleep(opts.stagger * 1000)]);
    }
  }
  await Promise.all(pending);

  out(`### Failing releases: deploy start → rolled back and exited non-zero (goal: Helm/slipway ≥ 20×)`);
  out();
  out(
    `| scenario | slipway s (median of ${opts.failRuns}) | slipway exit, failed phase/class | helm ${opts.helm} s (median of ${opts.failRuns}) | helm exit, reason | slipway/helm | helm/slipway | goal ≥ 20× |`,
  );
  out("|---|---|---|---|---|---|---|---|");
  for (const name of names) {
    const s = median(sw[name].map((r) => r.ms));
    const h = median(hm[name].map((r) => r.ms));
    const last = sw[name].at(-1);
    const reason = hm[name].at(-1).reason.replace(/\|/g, "\\|").slice(0, 140);
    out(
      `| ${name}: ${FAILURES[name].title} | ${sec(s)} | ${last.code}, ${last.phase}/${last.cls} | ${sec(h)} | ${hm[name].at(-1).code}, ${reason} | ${ratio(s, h)} | ${ratioWide(h, s)} | ${h / s >= 20 ? "met" : "NOT met"} |`,
    );
  }
  out();
  for (const n of names) out(`- slipway phase times, ${n} (ms, last run): ${JSON.stringify(sw[n].at(-1).phases)}`);
  out();
}

// ---------------------------------------------------------------------------------------------
// Scenario 3: healthy deploys, interleaved.
async function healthyScenario() {
  const swNs = nsFor("sw-healthy");
  const hmNs = nsFor("helm-healthy");
  const dir = await setupSlipway(swNs, true);
  const chart = await setupHelm(hmNs, true);
  const sw = [];
  const hm = [];
  const phases = [];
  for (let i = 1; i <= opts.healthy; i++) {
    const tag = `1.0.${i}`;
    const order = i % 2 ? ["slipway", "helm"] : ["helm", "slipway"];
    for (const tool of order) {
      if (tool === "slipway") {
        const r = await slipwayDeploy(dir, tag);
        if (r.code !== 0 || !r.final?.ok) fail(`slipway healthy deploy --tag ${tag} failed`, r);
        if ((await deploymentImage(swNs)) !== imageOf(tag)) fail(`slipway healthy deploy --tag ${tag}: Deployment not on the new image`, r);
        sw.push(r.ms);
        phases.push(phaseTimes(r.events));
      } else {
        const r = await helmDeploy(chart, hmNs, tag);
        if (r.code !== 0) fail(`helm healthy upgrade --set image.tag=${tag} failed`, r);
        if ((await deploymentImage(hmNs)) !== imageOf(tag)) fail(`helm healthy upgrade ${tag}: Deployment not on the new image`, r);
        hm.push(r.ms);
      }
    }
    log(`healthy #${i}: slipway ${sec(sw.at(-1))} s, helm ${sec(hm.at(-1))} s`);
  }
  const s = median(sw);
  const h = median(hm);
  out(`### Healthy deploy of a new tag (revision n → n+1), ${opts.healthy} interleaved runs each (goal: slipway/Helm ≤ 1.0×)`);
  out();
  out(`| tool | median s | min s | max s |`);
  out("|---|---|---|---|");
  out(`| slipway deploy | ${sec(s)} | ${sec(Math.min(...sw))} | ${sec(Math.max(...sw))} |`);
  out(`| helm ${opts.helm} upgrade ${helmFailFlags.join(" ")} | ${sec(h)} | ${sec(Math.min(...hm))} | ${sec(Math.max(...hm))} |`);
  out();
  out(`ratio slipway/helm (median): ${ratio(s, h)} (${s / h <= 1 ? "goal met" : "goal NOT met"}); helm/slipway: ${ratio(h, s)}`);
  const keys = [...new Set(phases.flatMap((p) => Object.keys(p)))];
  out(`slipway phase medians (ms): ${keys.map((k) => `${k} ${median(phases.map((p) => p[k] ?? 0))}`).join(", ")}`);
  out();
  return { s, h };
}

// ---------------------------------------------------------------------------------------------
// Scenario 4: chaos soak. Each iteration: a deploy of a new tag killed with SIGKILL after a random
// delay in [0, typical duration), then one clean deploy (no kill) of another tag.
async function chaosSlipway(K) {
  const ns = nsFor("sw-chaos");
  const dir = await setupSlipway(ns, true);
  const warm = [];
  for (let i = 0; i < 3; i++) {
    const r = await slipwayDeploy(dir, `0.9.${i}`);
    if (r.code !== 0) fail("slipway chaos warm-up deploy failed", r);
    warm.push(r.ms);
  }
  const typical = median(warm);
  const res = { typical, stuck: 0, stuckDetails: [], killedMidway: 0, clean: [], cleanOk: [], recovered: 0, ran: 0 };
  const t0 = Date.now();
  for (let i = 1; i <= K; i++) {
    if (Date.now() - t0 > opts.chaosBudget * 60_000) {
      log(`slipway chaos: --chaos-budget ${opts.chaosBudget} min used up after ${i - 1} iterations`);
      break;
    }
    res.ran = i;
    const { child, done } = run(process.execPath, [bin, "deploy", "-e", "staging", "--tag", `2.${i}.0`, "--json"], {
      cwd: dir,
      env: { KUBECONFIG: cluster.kubeconfig },
    });
    const delay = random() * typical;
    const raced = await Promise.race([done.then(() => "finished"), sleep(delay).then(() => "timer")]);
    if (raced === "timer") {
      child.kill("SIGKILL");
      res.killedMidway++;
    }
    await done;
    const tag = `2.${i}.1`;
    const r = await slipwayDeploy(dir, tag);
    res.clean.push(r.ms);
    if (r.events.some((e) => e.type === "recovered")) res.recovered++;
    const image = await deploymentImage(ns);
    if (r.code === 0 && image === imageOf(tag)) res.cleanOk.push(r.ms);
    if (r.code !== 0 || image !== imageOf(tag)) {
      res.stuck++;
      res.stuckDetails.push(
        `#${i} (killed after ${delay.toFixed(0)} ms): clean deploy exit ${r.code}, image ${image}: ${JSON.stringify(r.final?.error ?? r.stderr.slice(-300))}`,
      );
      log(`slipway chaos #${i}: STUCK (exit ${r.code}); unlocking by hand`);
      await exec(process.execPath, [bin, "unlock", "-e", "staging", "--force", "--json"], {
        cwd: dir,
        env: { KUBECONFIG: cluster.kubeconfig },
      });
      const again = await slipwayDeploy(dir, `${tag}-retry`);
      if (again.code !== 0) fail("slipway: the deploy after a manual unlock failed too; cannot continue the soak", again);
    }
    log(
      `slipway chaos #${i}/${K}: kill at ${delay.toFixed(0)} ms ${raced === "timer" ? "" : "(had already finished) "}→ clean deploy ${sec(r.ms)} s exit ${r.code}`,
    );
  }
  return res;
}

async function chaosHelm(K) {
  const ns = nsFor("helm-chaos");
  const chart = await setupHelm(ns, true);
  const warm = [];
  for (let i = 0; i < 3; i++) {
    const r = await helmDeploy(chart, ns, `0.9.${i}`);
    if (r.code !== 0) fail("helm chaos warm-up upgrade failed", r);
    warm.push(r.ms);
  }
  const typical = median(warm);
  const res = { typical, stuck: 0, stuckDetails: [], killedMidway: 0, clean: [], cleanOk: [], leftPending: 0, recoveries: {}, ran: 0 };
  for (let i = 1; i <= K; i++) {
    res.ran = i;
    const { child, done } = helmDeployRun(chart, ns, `2.${i}.0`);
    const delay = random() * typical;
    const raced = await Promise.race([done.then(() => "finished"), sleep(delay).then(() => "timer")]);
    if (raced === "timer") {
      child.kill("SIGKILL");
      res.killedMidway++;
    }
    await done;
    const after = await helmStatus(ns);
    if (/^pending/.test(after.status ?? "")) res.leftPending++;
    const tag = `2.${i}.1`;
    const r = await helmDeploy(chart, ns, tag);
    res.clean.push(r.ms);
    const image = await deploymentImage(ns);
    if (r.code === 0 && image === imageOf(tag)) res.cleanOk.push(r.ms);
    if (r.code !== 0 || image !== imageOf(tag)) {
      res.stuck++;
      const msg = (r.stderr.match(/Error: (.*)/)?.[1] ?? r.stderr.trim().split("\n").pop() ?? "").slice(0, 200);
      res.stuckDetails.push(
        `#${i} (killed after ${delay.toFixed(0)} ms, status then ${after.status}): exit ${r.code}, image ${image}: ${msg}`,
      );
      // Manual intervention, the usual way: roll back; when even that is refused, delete the
      // pending release records.
      let how = "helm rollback";
      const rb = await exec(helmBin, ["rollback", "node-postgres", "-n", ns, "--wait", "--timeout", "2m"], {
        env: { KUBECONFIG: cluster.kubeconfig },
      });
      if (rb.code !== 0) {
        how = "delete pending release Secrets";
        await kubectl([
          "-n",
          ns,
          "delete",
          "secret",
          "-l",
          "owner=helm,name=node-postgres,status in (pending-install,pending-upgrade,pending-rollback)",
        ]);
      }
      res.recoveries[how] = (res.recoveries[how] ?? 0) + 1;
      const again = await helmDeploy(chart, ns, `${tag}-retry`);
      if (again.code !== 0) fail(`helm: the upgrade after manual recovery (${how}) failed too; cannot continue the soak`, again);
      log(`helm chaos #${i}: STUCK (${msg}); recovered by ${how}`);
    }
    log(
      `helm chaos #${i}/${K}: kill at ${delay.toFixed(0)} ms ${raced === "timer" ? "" : "(had already finished) "}(status then ${after.status}) → clean upgrade ${sec(r.ms)} s exit ${r.code}`,
    );
  }
  return res;
}

async function chaosScenario() {
  const sw = await chaosSlipway(opts.chaos);
  const K = sw.ran;
  const hm = await chaosHelm(K);
  out(
    `### Chaos soak: ${K} deploys per tool killed with SIGKILL at a random moment, each followed by one clean deploy (goal: slipway 0 stuck)`,
  );
  out();
  out(
    `| tool | deploys killed | killed before it finished | typical deploy s (kill window) | left pending-* | successful clean deploys: median s | max s | stuck (clean deploy refused or failed) | goal |`,
  );
  out("|---|---|---|---|---|---|---|---|---|");
  out(
    `| slipway | ${K} | ${sw.killedMidway} | ${sec(sw.typical)} | n/a (${sw.recovered} clean deploys reported recovering leftovers) | ${sw.cleanOk.length ? sec(median(sw.cleanOk)) : "—"} | ${sw.cleanOk.length ? sec(Math.max(...sw.cleanOk)) : "—"} | ${sw.stuck} | ${sw.stuck === 0 ? "met" : "NOT met"} |`,
  );
  out(
    `| helm ${opts.helm} | ${K} | ${hm.killedMidway} | ${sec(hm.typical)} | ${hm.leftPending} | ${hm.cleanOk.length ? sec(median(hm.cleanOk)) : "—"} | ${hm.cleanOk.length ? sec(Math.max(...hm.cleanOk)) : "—"} | ${hm.stuck} | — |`,
  );
  out();
  for (const d of sw.stuckDetails) out(`- slipway stuck ${d}`);
  for (const d of hm.stuckDetails.slice(0, 5)) out(`- helm stuck ${d}`);
  if (hm.stuckDetails.length > 5) out(`- … and ${hm.stuckDetails.length - 5} more helm releases stuck the same way`);
  if (Object.keys(hm.recoveries).length) out(`- helm manual recoveries: ${JSON.stringify(hm.recoveries)}`);
  if (K < opts.chaos) out(`- asked for ${opts.chaos} per tool; ${K} fitted in --chaos-budget ${opts.chaosBudget} min`);
  out(`- kill delay: uniform in [0, the tool's median of 3 warm-up deploys); seed ${opts.seed}`);
  out();
}

/** Copies dist/ (retrying while a concurrent build has it half-written) and points `bin` at the copy. */
async function snapshotCli() {
  const snap = join(work, "cli");
  mkdirSync(snap);
  for (const f of ["package.json", "node_modules", "schema"])
    if (existsSync(join(opts.cli, f))) symlinkSync(join(opts.cli, f), join(snap, f));
  for (let attempt = 1; ; attempt++) {
    rmSync(join(snap, "dist"), { recursive: true, force: true });
    try {
      cpSync(join(opts.cli, "dist"), join(snap, "dist"), { recursive: true });
      const candidate = join(snap, "dist/bundle/bin.js");
      const r = await exec(process.execPath, [
        candidate,
        "render",
        "kubernetes",
        "-f",
        join(root, "examples/node-postgres/slipway.yaml"),
        "-e",
        "staging",
      ]);
      if (r.code === 0) {
        bin = candidate;
        return;
      }
    } catch {}
    if (attempt >= 30) throw new Error("dist/bundle/bin.js did not become usable (is a build running? run npm run build)");
    await sleep(2000);
  }
}

// ---------------------------------------------------------------------------------------------
async function main() {
  const started = new Date();
  const load0 = loadavg();
  work = mkdtempSync(join(tmpdir(), "slipway-bench-k8s-"));
  await snapshotCli();
  if (opts.kubeconfig) {
    cluster = { name: "(given)", kubeconfig: opts.kubeconfig, external: true };
    log(`using the running cluster of ${opts.kubeconfig}`);
  } else {
    const name = `bench-k8s-${process.pid}`;
    log(`starting cluster ${name}`);
    const st = await exec("bash", [join(root, "test/cluster/start.sh"), "--name", name]);
    const kv = Object.fromEntries(
      st.stdout
        .split("\n")
        .map((l) => l.match(/^([A-Z_]+)=(.*)$/))
        .filter(Boolean)
        .map((m) => [m[1], m[2]]),
    );
    if (st.code !== 0 || !kv.KUBECONFIG) {
      // start.sh deletes a cluster that failed to come up.
      fail("test/cluster/start.sh failed", st);
    }
    cluster = { name, kubeconfig: kv.KUBECONFIG };
    log(`cluster ready in ${kv.READY_SECONDS} s`);
  }
  const helmVersion = (await exec(helmBin, ["version", "--short"])).stdout.trim();
  const slipwayVersion = (await exec(process.execPath, [bin, "--version"])).stdout.trim();
  secretRefs = await referencedSecrets(slipwayWorkspace("secrets"));
  log(`Secrets referenced by the staging objects: ${[...secretRefs].map(([n, k]) => `${n}{${[...k].join(",")}}`).join(" ")}`);

  const failures = opts.scenarios.filter((s) => s in FAILURES);
  if (failures.length) await failureScenarios(failures);
  if (opts.scenarios.includes("healthy")) await healthyScenario();
  if (opts.scenarios.includes("chaos")) await chaosScenario();

  const load1 = loadavg();
  console.log(
    `Kubernetes deploy benchmark: slipway ${slipwayVersion} vs ${helmVersion} (${helmBin.split("/").pop()}), kube ${versions.KUBERNETES_VERSION} + kwok ${versions.KWOK_VERSION}, ` +
      `${cpus().length} cores, node ${process.version}; started ${started.toISOString()}, ${((Date.now() - started) / 60000).toFixed(1)} min; ` +
      `load average at start ${load0.map((x) => x.toFixed(2)).join(" ")}, at end ${load1.map((x) => x.toFixed(2)).join(" ")}`,
  );
  console.log(
    `arguments: ${process.argv.slice(2).join(" ") || "(defaults)"}; scenarios ${opts.scenarios.join(",")}; helm --timeout ${opts.helmTimeout}`,
  );
  console.log();
  console.log(report.join("\n"));
}

let code = 0;
try {
  await main();
} catch (e) {
  code = 1;
  console.error(e instanceof Misbehaved ? `\nA TOOL DID NOT BEHAVE AS EXPECTED:\n${e.message}` : e);
  if (report.length) console.error(`\nresults so far:\n${report.join("\n")}`);
} finally {
  cleanup();
}
process.exit(code);
