#!/usr/bin/env bash
# Builds (or reuses from the cache) the test control-plane binaries: kube-apiserver and etcd.
#
#   bash test/harness/build-binaries.sh
#   bash test/harness/build-binaries.sh kube-controller-manager   # also another k8s.io/kubernetes command
#
# * kube-apiserver is built from the published Go module k8s.io/kubernetes (a wrapper go.mod pins
#   every k8s.io/* staging module to the matching v0.Y.Z; the list is read from k/k's own go.mod).
# * etcd is built from go.etcd.io/etcd/server/v3 (a tiny wrapper main calling etcdmain.Main).
# * Binaries live OUTSIDE the repo:  ${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}/bin/<component>-<version>/
#   and a combined directory bin/envtest-<k8s>-<etcd>/ (symlinks) that can be used as KUBEBUILDER_ASSETS.
# * If KUBEBUILDER_ASSETS is set and holds both binaries, nothing is built.
# * Other commands of k8s.io/kubernetes named as arguments are built with kube-apiserver's wrapper module
#   (same module graph and flags, so the Go build cache makes them cheap) into bin/<command>-<k8s>/.
# * The LAST line on stdout is the directory holding both binaries (with arguments: the directory of the
#   last command named). Everything else goes to stderr;
#   go build output goes to log files under ${cache}/logs/.
#
# Env overrides: NET_HIGRESS_K8S_VERSION (default v1.36.3), NET_HIGRESS_ETCD_VERSION (default v3.6.16),
# NET_HIGRESS_GO_PARALLEL (go build -p, default 2).
set -euo pipefail

K8S_VERSION="${NET_HIGRESS_K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${NET_HIGRESS_ETCD_VERSION:-v3.6.16}"
GO_PARALLEL="${NET_HIGRESS_GO_PARALLEL:-2}"
# Fallback toolchain (served by the Go module proxy) when a module needs a newer Go than installed.
FALLBACK_TOOLCHAIN="go1.27.3"

CACHE="${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}"
BIN_ROOT="$CACHE/bin"
LOG_DIR="$CACHE/logs"
BUILD_ROOT="$CACHE/build"

log() { echo "build-binaries: $*" >&2; }
die() { echo "build-binaries: ERROR: $*" >&2; exit 1; }

# ---------------------------------------------------------------- KUBEBUILDER_ASSETS
if [[ -n "${KUBEBUILDER_ASSETS:-}" && $# -eq 0 ]]; then
  if [[ -x "$KUBEBUILDER_ASSETS/kube-apiserver" && -x "$KUBEBUILDER_ASSETS/etcd" ]]; then
    log "using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS (nothing built)"
    (cd "$KUBEBUILDER_ASSETS" && pwd)
    exit 0
  fi
  log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS does not contain executable kube-apiserver and etcd; building"
fi

[[ "$K8S_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || die "NET_HIGRESS_K8S_VERSION must look like v1.Y.Z (got $K8S_VERSION)"
K8S_MINOR="${BASH_REMATCH[1]}"
K8S_PATCH="${BASH_REMATCH[2]}"
STAGING_VERSION="v0.${K8S_MINOR}.${K8S_PATCH}"

KAS_DIR="$BIN_ROOT/kube-apiserver-$K8S_VERSION"
ETCD_DIR="$BIN_ROOT/etcd-$ETCD_VERSION"
ASSETS_DIR="$BIN_ROOT/envtest-$K8S_VERSION-etcd-$ETCD_VERSION"

is_built() { [[ -x "$1/$2" && -f "$1/.complete" ]]; }

link_assets() {
  mkdir -p "$ASSETS_DIR"
  ln -sfn "$KAS_DIR/kube-apiserver" "$ASSETS_DIR/kube-apiserver"
  ln -sfn "$ETCD_DIR/etcd" "$ASSETS_DIR/etcd"
}

# extra_built: when every command named as an argument is built, print the last one's directory (or, with
# no arguments, the assets directory) and exit.
extra_built() {
  local cmd last="$ASSETS_DIR"
  for cmd in "$@"; do is_built "$BIN_ROOT/$cmd-$K8S_VERSION" "$cmd" || return 0; last="$BIN_ROOT/$cmd-$K8S_VERSION"; done
  echo "$last"
  exit 0
}

# Fast path: everything cached -> no Go needed at all.
if command -v openssl >/dev/null 2>&1 && is_built "$KAS_DIR" kube-apiserver && is_built "$ETCD_DIR" etcd; then
  link_assets
  log "cached: $ASSETS_DIR"
  extra_built "$@"
fi

# The control plane harness makes its certificates with openssl.
if ! command -v openssl >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing openssl (apt)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl; } >&2 || die "apt-get install openssl failed"
  else
    die "openssl is not installed (needed for the test certificates)"
  fi
fi

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || die "go is not on PATH (expected Go >= 1.26, e.g. /usr/local/go/bin)"
mkdir -p "$BIN_ROOT" "$LOG_DIR" "$BUILD_ROOT"

# One build at a time per cache (global-setup may call this script while CI already does).
exec 9>"$CACHE/.build.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi

export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0
export GOWORK=off

# version_ge A B : true if Go version A >= B (e.g. 1.26.8 >= 1.26.0)
version_ge() { [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" == "$2" ]]; }

# Pick a toolchain that satisfies the `go` line of a go.mod.
choose_toolchain() {
  local gomod="$1" need have
  need="$(awk '$1 == "go" { print $2; exit }' "$gomod")"
  have="$(GOTOOLCHAIN=local go env GOVERSION)"; have="${have#go}"
  if [[ -n "$need" ]] && ! version_ge "$have" "$need"; then
    log "module needs go $need, installed go $have: using GOTOOLCHAIN=$FALLBACK_TOOLCHAIN"
    export GOTOOLCHAIN="$FALLBACK_TOOLCHAIN"
  fi
}

# run_logged LOGFILE cmd... : run with output appended to LOGFILE; on failure show its tail.
run_logged() {
  local logfile="$1"; shift
  echo "+ $*" >>"$logfile"
  if ! "$@" >>"$logfile" 2>&1; then
    echo "build-binaries: command failed: $*" >&2
    echo "---- last 40 lines of $logfile ----" >&2
    tail -n 40 "$logfile" >&2
    exit 1
  fi
}

# Path of the downloaded go.mod (GoMod field) of module@version.
gomod_of() {
  local json
  json="$(cd "$BUILD_ROOT" && GOFLAGS=-mod=mod go mod download -json "$1")" || die "go mod download $1 failed"
  echo "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' | head -n1
}

# ---------------------------------------------------------------- k8s.io/kubernetes commands
# build_k8s_command NAME: cmd/NAME of k8s.io/kubernetes into bin/NAME-<k8s>/ (one wrapper module per command,
# all with the same requirements, so the packages they share come from the build cache).
build_k8s_command() {
  local cmd="$1" dir="$BIN_ROOT/$1-$K8S_VERSION"
  local work="$BUILD_ROOT/$cmd-$K8S_VERSION" logfile="$LOG_DIR/build-$cmd-$K8S_VERSION.log"
  local start=$SECONDS kk_gomod staging
  : >"$logfile"
  log "building $cmd $K8S_VERSION (cold build ~5-10 min on 2 cores; log: $logfile)"
  kk_gomod="$(gomod_of "k8s.io/kubernetes@$K8S_VERSION")"
  [[ -f "$kk_gomod" ]] || die "could not locate go.mod of k8s.io/kubernetes@$K8S_VERSION"
  choose_toolchain "$kk_gomod"
  # Staging modules = the local `k8s.io/x => ./staging/src/k8s.io/x` replaces of k/k's go.mod.
  staging="$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$kk_gomod" | sort -u)"
  [[ -n "$staging" ]] || die "no staging replaces found in $kk_gomod"
  log "pinning $(echo "$staging" | wc -l) staging modules to $STAGING_VERSION"

  rm -rf "$work"; mkdir -p "$work"
  {
    echo "module net-higress.invalid/$cmd-build"
    echo
    echo "go $(awk '$1 == "go" { print $2; exit }' "$kk_gomod")"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    local m; for m in $staging; do echo "	$m => $m $STAGING_VERSION"; done
    echo ")"
  } >"$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "k8s.io/kubernetes/cmd/%s"\n' "$cmd" >"$work/tools.go"
  (
    cd "$work"
    run_logged "$logfile" go mod tidy
    local pkg=k8s.io/component-base/version ldflags
    ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$K8S_MINOR"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    run_logged "$logfile" go build -p "$GO_PARALLEL" -trimpath -ldflags "$ldflags" \
      -o "$work/$cmd" "k8s.io/kubernetes/cmd/$cmd"
  )
  # kubectl has a version command instead of the servers' --version flag.
  local version=(--version); [[ "$cmd" == kubectl ]] && version=(version --client)
  "$work/$cmd" "${version[@]}" >>"$logfile" 2>&1 || die "built $cmd does not run (see $logfile)"
  mkdir -p "$dir"
  mv -f "$work/$cmd" "$dir/$cmd"
  cp "$work/go.mod" "$dir/build.go.mod"
  date -u +%FT%TZ >"$dir/.complete"
  log "$cmd $K8S_VERSION built in $((SECONDS - start))s: $("$dir/$cmd" "${version[@]}" 2>&1 | head -n1)"
}

# ---------------------------------------------------------------- etcd
build_etcd() {
  local work="$BUILD_ROOT/etcd-$ETCD_VERSION" logfile="$LOG_DIR/build-etcd-$ETCD_VERSION.log"
  local start=$SECONDS server_gomod
  : >"$logfile"
  log "building etcd $ETCD_VERSION (log: $logfile)"
  server_gomod="$(gomod_of "go.etcd.io/etcd/server/v3@$ETCD_VERSION")"
  [[ -f "$server_gomod" ]] || die "could not locate go.mod of go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  choose_toolchain "$server_gomod"
  rm -rf "$work"; mkdir -p "$work"
  # etcd's own go.mod replaces its sibling modules with ../ paths (ignored for dependencies),
  # so pin all of them to the same release.
  cat >"$work/go.mod" <<EOF
module net-higress.invalid/etcd-build

go $(awk '$1 == "go" { print $2; exit }' "$server_gomod")

require (
	go.etcd.io/etcd/api/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/client/v3 $ETCD_VERSION
	go.etcd.io/etcd/pkg/v3 $ETCD_VERSION
	go.etcd.io/etcd/server/v3 $ETCD_VERSION
)
EOF
  cat >"$work/main.go" <<'EOF'
// Wrapper main: the etcd server binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  (
    cd "$work"
    run_logged "$logfile" go mod tidy
    run_logged "$logfile" go build -p "$GO_PARALLEL" -trimpath -ldflags "-s -w" -o "$work/etcd" .
  )
  "$work/etcd" --version >>"$logfile" 2>&1 || die "built etcd does not run (see $logfile)"
  mkdir -p "$ETCD_DIR"
  mv -f "$work/etcd" "$ETCD_DIR/etcd"
  cp "$work/go.mod" "$ETCD_DIR/build.go.mod"
  date -u +%FT%TZ >"$ETCD_DIR/.complete"
  log "etcd $ETCD_VERSION built in $((SECONDS - start))s"
}

if is_built "$ETCD_DIR" etcd; then log "cached: $ETCD_DIR/etcd"; else build_etcd; fi
if is_built "$KAS_DIR" kube-apiserver; then log "cached: $KAS_DIR/kube-apiserver"; else build_k8s_command kube-apiserver; fi
link_assets
extra_built "$@"

for cmd in "$@"; do
  if is_built "$BIN_ROOT/$cmd-$K8S_VERSION" "$cmd"; then log "cached: $BIN_ROOT/$cmd-$K8S_VERSION/$cmd"; else build_k8s_command "$cmd"; fi
done
extra_built "$@"
