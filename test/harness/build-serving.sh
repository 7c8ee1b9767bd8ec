#!/usr/bin/env bash
# Builds (or reuses from the cache) what the Knative Serving scenarios run: kube-controller-manager and kubectl
# (through build-binaries.sh, which shares kube-apiserver's module graph and build cache) and Knative Serving's
# controller, autoscaler and webhook from the Go module knative.dev/serving. Serving's install files
# (config/core of that module, plus the networking and caching modules its CRDs come from) are linked from
# the Go module cache, never copied into the repository.
#
#   bash test/harness/build-serving.sh
#
# * Output directory (OUTSIDE the repo): ${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}/bin/knative-serving-<version>/
#     controller, autoscaler, webhook, kube-controller-manager and kubectl (symlinks)
#     serving/ networking/ caching/   (symlinks to the modules' directories in the Go module cache)
# * The LAST line on stdout is that directory. Everything else goes to stderr; go output goes to
#   ${cache}/logs/build-knative-serving-<version>.log.
#
# Env overrides: NET_HIGRESS_SERVING_VERSION (default v0.50.0: the newest release whose knative.dev/pkg and
# knative.dev/networking the module proxy serves), NET_HIGRESS_GO_PARALLEL (go build -p, default 2).
set -euo pipefail

SERVING_VERSION="${NET_HIGRESS_SERVING_VERSION:-v0.50.0}"
GO_PARALLEL="${NET_HIGRESS_GO_PARALLEL:-2}"
CACHE="${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}"
OUT="$CACHE/bin/knative-serving-$SERVING_VERSION"
WORK="$CACHE/build/knative-serving-$SERVING_VERSION"
LOG_DIR="$CACHE/logs"
COMMANDS=(controller autoscaler webhook)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { echo "build-serving: $*" >&2; }
die() { echo "build-serving: ERROR: $*" >&2; exit 1; }

[[ "$SERVING_VERSION" =~ ^v0\.[0-9]+\.[0-9]+$ ]] || die "NET_HIGRESS_SERVING_VERSION must look like v0.Y.Z (got $SERVING_VERSION)"
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || die "go is not on PATH (expected Go >= 1.26, e.g. /usr/local/go/bin)"
export GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

declare -A k8s_dirs
for cmd in kube-controller-manager kubectl; do
  k8s_dirs[$cmd]="$(bash "$here/build-binaries.sh" "$cmd" | tail -n1)"
  [[ -x "${k8s_dirs[$cmd]}/$cmd" ]] || die "build-binaries.sh printed no $cmd directory (got ${k8s_dirs[$cmd]})"
done

mkdir -p "$OUT" "$LOG_DIR"
exec 9>"$OUT/.build.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
logfile="$LOG_DIR/build-knative-serving-$SERVING_VERSION.log"

# A wrapper module requiring only knative.dev/serving: its own go.mod decides every other version.
write_wrapper() {
  rm -rf "$WORK"; mkdir -p "$WORK"
  printf 'module net-higress.invalid/knative-serving-build\n\ngo 1.25.0\n\nrequire knative.dev/serving %s\n' "$SERVING_VERSION" >"$WORK/go.mod"
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    local c; for c in "${COMMANDS[@]}"; do printf '\t_ "knative.dev/serving/cmd/%s"\n' "$c"; done
    printf ')\n'
  } >"$WORK/tools.go"
  echo "+ go mod tidy" >>"$logfile"
  (cd "$WORK" && go mod tidy >>"$logfile" 2>&1) || { tail -n 40 "$logfile" >&2; die "go mod tidy failed (see $logfile)"; }
}

built() { local c; for c in "${COMMANDS[@]}"; do [[ -x "$OUT/$c" ]] || return 1; done; [[ -f "$OUT/.complete" ]]; }

if ! built; then
  : >"$logfile"
  start=$SECONDS
  log "building knative.dev/serving $SERVING_VERSION ${COMMANDS[*]} (cold build ~5 min on 2 cores; log: $logfile)"
  write_wrapper
  pkgs=(); for c in "${COMMANDS[@]}"; do pkgs+=("knative.dev/serving/cmd/$c"); done
  echo "+ go build ${pkgs[*]}" >>"$logfile"
  (cd "$WORK" && go build -p "$GO_PARALLEL" -trimpath -ldflags "-s -w" -o "$WORK/bin/" "${pkgs[@]}" >>"$logfile" 2>&1) \
    || { tail -n 40 "$logfile" >&2; die "go build failed (see $logfile)"; }
  for c in "${COMMANDS[@]}"; do mv -f "$WORK/bin/$c" "$OUT/$c"; done
  cp "$WORK/go.mod" "$OUT/build.go.mod"
  date -u +%FT%TZ >"$OUT/.complete"
  log "knative.dev/serving $SERVING_VERSION built in $((SECONDS - start))s"
fi

# The install files, from the module cache (downloaded again if the cache was cleaned). The versions of
# networking and caching are the ones Serving's go.mod selects, as recorded in the build's go.mod.
[[ -f "$WORK/go.mod" ]] || write_wrapper
for m in serving networking caching; do
  dir="$(cd "$WORK" && go mod download -json "knative.dev/$m" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
  [[ -d "$dir/config" ]] || die "no config directory in knative.dev/$m (got '$dir')"
  ln -sfn "$dir" "$OUT/$m"
done
for cmd in "${!k8s_dirs[@]}"; do ln -sfn "${k8s_dirs[$cmd]}/$cmd" "$OUT/$cmd"; done
echo "$OUT"
