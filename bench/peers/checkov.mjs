// Adapter for bench/peers-agreement.mjs: Checkov's own check tests (a Checkov checkout or git dir)
// read as cases, where they follow a pattern a script can read:
// - Terraform: tests/terraform/checks/<type>/<provider>/test_X.py that run a check over an example_X
//   folder and list passing_resources / failing_resources (one case per resource, `object` = its
//   address), or that scan one inline hcl2.loads("""…""") resource and assert CheckResult.PASSED /
//   FAILED; graph checks: tests/terraform/graph/checks/resources/<Name>/ with expected.yaml.
// - Kubernetes: tests/kubernetes/checks/test_X.py over example_X, files named …-PASSED / …-FAILED
//   (one case per file); graph checks: tests/kubernetes/graph/checks/resources/<Name>/expected.yaml.
// - Dockerfile: tests/dockerfile/checks/test_X.py, passing/failing "/dir/Dockerfile.INSTRUCTION"
//   (one case per Dockerfile: fail when any of its instructions is listed as failing).
// - GitHub Actions: test_runner.py methods that run one check on one workflow file and assert the
//   number of failed checks, and graph checks with expected.yaml.
// Check ids come from the check's own source (`id = "CKV_…"`, or `id:` in a graph check's YAML).
// Files are read where they are and handed to the harness, never copied into this repository.
import { dirname, posix } from "node:path";
import { listFiles, prefetch, readText } from "./read-checkout.mjs";

export const peer = "checkov";

/** Python module path `checkov.terraform.checks.resource.aws.X` → that check's id. */
function checkIdOfModule(repo, module, cache) {
  if (cache.has(module)) return cache.get(module);
  const path = `${module.replace(/\./g, "/")}.py`;
  let id;
  try {
    id = /\b(?:check_)?id\s*=\s*["']([A-Z0-9_]+)["']/.exec(readText(repo, path))?.[1];
  } catch {
    id = undefined;
  }
  cache.set(module, id);
  return id;
}

/** A graph check's YAML (checkov/<framework>/checks/graph_checks/**\/<Name>.yaml) → its id. */
function graphCheckId(repo, files, framework, name) {
  const path = files.find((f) => f.startsWith(`checkov/${framework}/checks/graph_checks/`) && posix.basename(f) === `${name}.yaml`);
  if (!path) return undefined;
  return /^\s*id:\s*["']?([A-Z0-9_]+)/m.exec(readText(repo, path))?.[1];
}

/** Python string literals inside `name = { … }` (a set) in a block of source; undefined when absent. */
function stringSet(block, name) {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:set\\(\\)|\\{([^}]*)\\}|\\[([^\\]]*)\\])`).exec(block);
  if (!m) return undefined;
  const body = m[1] ?? m[2] ?? "";
  return [...body.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g)].map((x) => (x[1] ?? x[2]).replace(/\\(.)/g, "$1"));
}

/** `test_x` methods of a test file: [name, body, line]. */
function methods(py) {
  const out = [];
  const re = /^[ \t]+def (test\w*)\s*\(/gm;
  const starts = [...py.matchAll(re)];
  starts.forEach((m, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].index : py.length;
    out.push({ name: m[1], body: py.slice(m.index, end), line: py.slice(0, m.index).split("\n").length });
  });
  return out;
}

/** The example folder a method (or its file) runs on, relative to the repository. */
function exampleFolder(testFile, body, py) {
  const pick = (text) => [...text.matchAll(/["']\/?((?:example|resources)[\w./-]*)["']/g)].map((m) => m[1]);
  const own = pick(body);
  const all = own.length > 0 ? own : pick(py);
  if (all.length !== 1) return undefined;
  return posix.join(dirname(testFile), all[0].replace(/\/$/, ""));
}

const filesUnder = (files, folder, filter) => files.filter((f) => f.startsWith(`${folder}/`) && filter(f));

function readFiles(repo, paths, folder) {
  return Object.fromEntries(paths.map((p) => [p.slice(folder.length + 1), readText(repo, p)]));
}

function terraformCases(repo, files, ids) {
  const cases = [];
  // The Terraform kubernetes provider (tests/terraform/checks/resource/kubernetes) reuses the
  // CKV_K8S ids for kubernetes_* resources in HCL; slipway's Kubernetes rules read manifests, so
  // those tests are left out rather than counted against the manifest mappings.
  const tests = files.filter(
    (f) => /^tests\/terraform\/checks\/(resource|data|module|provider)\/.+\/test_\w+\.py$/.test(f) && !f.includes("/kubernetes/"),
  );
  for (const test of tests) {
    const py = readText(repo, test);
    const imp = /from (checkov\.terraform\.checks\.[\w.]+) import check\b/.exec(py);
    if (!imp) continue;
    const check = checkIdOfModule(repo, imp[1], ids);
    if (!check) continue;
    const isModule = imp[1].includes(".module.");
    for (const m of methods(py)) {
      const passing = stringSet(m.body, "passing_resources");
      const failing = stringSet(m.body, "failing_resources");
      const folder = exampleFolder(test, m.body, py);
      if ((passing || failing) && folder) {
        const tf = filesUnder(files, folder, (f) => /\.(tf|tf\.json|tfvars)$/.test(f));
        if (tf.length === 0) continue;
        const content = readFiles(repo, tf, folder);
        for (const [list, expected] of [
          [passing ?? [], "pass"],
          [failing ?? [], "fail"],
        ])
          for (const resource of list) {
            const object = isModule && !resource.startsWith("module.") ? `module.${resource}` : resource;
            cases.push({ id: `${test}:${m.line}:${resource}`, check, kind: "terraform", files: content, expected, object });
          }
        continue;
      }
      // One inline resource and one asserted result.
      const hcl = [...m.body.matchAll(/hcl2\.loads\(\s*(?:r|f)?("""|''')([\s\S]*?)\1/g)];
      const results = [...m.body.matchAll(/CheckResult\.(PASSED|FAILED)/g)].map((x) => x[1]);
      if (hcl.length !== 1 || new Set(results).size !== 1) continue;
      const address = /\[['"]resource['"]\]\[0\]\[['"]([\w-]+)['"]\]\[['"]([\w-]+)['"]\]/.exec(m.body);
      cases.push({
        id: `${test}:${m.line}`,
        check,
        kind: "terraform",
        files: { "main.tf": hcl[0][2] },
        expected: results[0] === "FAILED" ? "fail" : "pass",
        ...(address ? { object: `${address[1]}.${address[2]}` } : {}),
      });
    }
  }
  return cases;
}

/** resources/<Name>/expected.yaml of graph-check tests: { pass: [...], fail: [...] }. */
function expectedYaml(text) {
  const out = { pass: [], fail: [] };
  let section;
  for (const line of text.split("\n")) {
    const head = /^(\w+):/.exec(line);
    if (head) section = head[1];
    const item = /^\s*-\s*["']?([^"'#]+?)["']?\s*$/.exec(line);
    if (item && (section === "pass" || section === "fail")) out[section].push(item[1]);
  }
  return out;
}

function graphCases(repo, files, framework, testsRoot, kind, toCase) {
  const cases = [];
  const expectations = files.filter((f) => f.startsWith(testsRoot) && f.endsWith("/expected.yaml"));
  for (const path of expectations) {
    const folder = dirname(path);
    const check = graphCheckId(repo, files, framework, posix.basename(folder));
    if (!check) continue;
    const expected = expectedYaml(readText(repo, path));
    const inputs = filesUnder(files, folder, (f) => f !== path && /\.(tf|ya?ml|json)$/.test(f));
    const content = readFiles(repo, inputs, folder);
    for (const verdict of ["pass", "fail"])
      for (const entry of expected[verdict]) {
        const c = toCase(entry, content);
        if (c) cases.push({ id: `${path}:${entry}`, check, kind, expected: verdict, ...c });
      }
  }
  return cases;
}

function kubernetesCases(repo, files, ids) {
  const cases = [];
  const tests = files.filter((f) => /^tests\/kubernetes\/checks\/test_\w+\.py$/.test(f));
  const runs = [];
  for (const test of tests) {
    const py = readText(repo, test);
    const imp = /from (checkov\.kubernetes\.checks\.[\w.]+) import check\b/.exec(py);
    if (!imp) continue;
    const check = checkIdOfModule(repo, imp[1], ids);
    const folder = check && exampleFolder(test, py, py);
    if (folder) runs.push({ check, folder, module: imp[1].split(".").at(-1) });
  }
  for (const run of runs) {
    // The -PASSED/-FAILED names are the verdicts of one check. When several checks' tests share a
    // folder, they belong to the check the folder is named after; the others assert only counts.
    const sharing = runs.filter((r) => r.folder === run.folder);
    if (sharing.length > 1 && posix.basename(run.folder) !== `example_${run.module}`) continue;
    for (const f of filesUnder(files, run.folder, (p) => /-(PASSED|FAILED)\d*\.(ya?ml|json)$/i.test(p))) {
      const expected = /-FAILED\d*\.\w+$/i.test(f) ? "fail" : "pass";
      cases.push({ id: f, check: run.check, kind: "kubernetes", files: { [posix.basename(f)]: readText(repo, f) }, expected });
    }
  }
  // Graph checks name objects Kind.namespace.name, and pods of a workload Pod.namespace.<workload>.<labels>.
  cases.push(
    ...graphCases(repo, files, "kubernetes", "tests/kubernetes/graph/checks/resources/", "kubernetes", (entry, content) => {
      const parts = entry.split(".");
      if (parts.length < 3) return undefined;
      const object = parts[0] === "Pod" && parts.length > 3 ? parts[2] : `${parts[0]}/${parts.slice(2).join(".")}`;
      return { files: content, object };
    }),
  );
  return cases;
}

function dockerfileCases(repo, files, ids) {
  const cases = [];
  const tests = files.filter((f) => /^tests\/dockerfile\/checks\/test_\w+\.py$/.test(f));
  for (const test of tests) {
    const py = readText(repo, test);
    const imp = /from (checkov\.dockerfile\.checks\.[\w.]+) import check\b/.exec(py);
    if (!imp) continue;
    const check = checkIdOfModule(repo, imp[1], ids);
    const folder = check && exampleFolder(test, py, py);
    if (!folder) continue;
    const verdicts = new Map();
    for (const [list, verdict] of [
      [stringSet(py, "passing_resources") ?? [], "pass"],
      [stringSet(py, "failing_resources") ?? [], "fail"],
    ])
      for (const resource of list) {
        const file = /^\/?(.*?)\.[A-Z]+$/.exec(resource)?.[1];
        if (file && (verdict === "fail" || !verdicts.has(file))) verdicts.set(file, verdict);
      }
    for (const [file, expected] of verdicts) {
      const path = `${folder}/${file}`;
      if (!files.includes(path)) continue;
      cases.push({ id: path, check, kind: "dockerfile", files: { Dockerfile: readText(repo, path) }, expected });
    }
  }
  return cases;
}

function githubActionsCases(repo, files) {
  const cases = [];
  const test = "tests/github_actions/test_runner.py";
  if (files.includes(test)) {
    const py = readText(repo, test);
    for (const m of methods(py)) {
      const file = /Path\(__file__\)\.parent\s*\/\s*["']([^"']+\.ya?ml)["']/.exec(m.body)?.[1];
      const checks = /checks\s*=\s*\[([^\]]*)\]/.exec(m.body)?.[1]?.match(/[A-Z0-9_]+/g) ?? [];
      const failed = /len\(report\.failed_checks\)\s*==\s*(\d+)|assertEqual\(len\(report\.failed_checks\),\s*(\d+)\)/.exec(m.body);
      if (!file || checks.length !== 1 || !failed) continue;
      const path = posix.join(dirname(test), file);
      if (!files.includes(path)) continue;
      const n = Number(failed[1] ?? failed[2]);
      const workflow = path.slice(path.indexOf(".github/"));
      cases.push({
        id: `${test}:${m.line}`,
        check: checks[0],
        kind: "github-actions",
        files: { [workflow]: readText(repo, path) },
        expected: n > 0 ? "fail" : "pass",
      });
    }
  }
  // Graph checks list `<file>.permissions…` entries: one case per workflow file.
  cases.push(
    ...graphCases(
      repo,
      files,
      "github_actions",
      "tests/github_actions/checks/graph_checks/resources/",
      "github-actions",
      (entry, content) => {
        const name = /^(.*?\.ya?ml)\./.exec(entry)?.[1];
        const rel = name && Object.keys(content).find((k) => posix.basename(k) === name);
        return rel ? { files: { [rel]: content[rel] } } : undefined;
      },
    ),
  );
  return cases;
}

export async function cases(repoDir) {
  const files = listFiles(repoDir);
  prefetch(
    repoDir,
    files.filter(
      (f) =>
        /^(tests|checkov)\/(terraform|kubernetes|dockerfile|github_actions)\//.test(f) && /\.(py|tf|json|ya?ml|tfvars)$|Dockerfile/.test(f),
    ),
  );
  const ids = new Map();
  const all = [
    ...terraformCases(repoDir, files, ids),
    ...graphCases(repoDir, files, "terraform", "tests/terraform/graph/checks/resources/", "terraform", (entry, content) => ({
      files: content,
      object: entry,
    })),
    ...kubernetesCases(repoDir, files, ids),
    ...dockerfileCases(repoDir, files, ids),
    ...githubActionsCases(repoDir, files),
  ];
  // Resource names can repeat within one test (for_each instances): keep case ids unique.
  const seen = new Map();
  for (const c of all) {
    const n = (seen.get(c.id) ?? 0) + 1;
    seen.set(c.id, n);
    if (n > 1) c.id = `${c.id}#${n}`;
  }
  return all;
}
