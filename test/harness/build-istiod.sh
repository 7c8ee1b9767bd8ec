#!/usr/bin/env bash
# Builds (or reuses from the cache) upstream Istio's control plane for the gateway conformance tests:
# `pilot-discovery` (istiod), `istioctl` (for `analyze`), and our xDS client `xds-dump`
# (test/harness/xds-dump/main.go), all in ONE module graph: a wrapper go.mod requiring istio.io/istio.
#
#   bash test/harness/build-istiod.sh
#
# * istio.io/istio has no replace directives, so `go mod tidy` in the wrapper builds it as released.
# * Binaries live OUTSIDE the repo:
#     ${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}/bin/istio-<version>/{pilot-discovery,istioctl}
#     .../bin/istio-<version>/xds-dump-<sha of main.go>/xds-dump   (rebuilt when main.go changes; seconds when warm)
# * The LAST line on stdout is a directory holding all three (symlinks). Everything else goes to stderr;
#   go output goes to ${cache}/logs/build-istiod-<version>.log.
# * Cold: about 8 minutes on 2 cores alone (31 minutes measured beside two other large Go builds; 2.2 GB of Go
#   build cache); cached: instant, no Go needed; a changed xds-dump: about 40 s.
#
# Env overrides: NET_HIGRESS_ISTIO_VERSION (a module version of istio.io/istio), NET_HIGRESS_GO_PARALLEL (default 2).
set -euo pipefail

# Istio 1.31 (master on 2026-08-27); the pseudo-version the Go module proxy serves.
ISTIO_VERSION="${NET_HIGRESS_ISTIO_VERSION:-v0.0.0-20260827124520-eed52ebb66ad}"
GO_PARALLEL="${NET_HIGRESS_GO_PARALLEL:-2}"
FALLBACK_TOOLCHAIN="go1.27.3"
CACHE="${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}"
HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="$HERE/xds-dump/main.go"

short="${ISTIO_VERSION##*-}"
ISTIO_DIR="$CACHE/bin/istio-$short"
LOG_DIR="$CACHE/logs"
WORK="$CACHE/build/istiod-$short"

log() { echo "build-istiod: $*" >&2; }
die() { echo "build-istiod: ERROR: $*" >&2; exit 1; }

[[ -f "$SRC" ]] || die "missing $SRC"
src_sha="$(sha256sum "$SRC" | cut -c1-12)"
XDS_DIR="$ISTIO_DIR/xds-dump-$src_sha"
OUT="$CACHE/bin/istio-$short-xds-$src_sha"

is_built() { [[ -x "$1/$2" && -f "$1/.complete" ]]; }
link_out() {
  mkdir -p "$OUT"
  ln -sfn "$ISTIO_DIR/pilot-discovery" "$OUT/pilot-discovery"
  ln -sfn "$ISTIO_DIR/istioctl" "$OUT/istioctl"
  ln -sfn "$XDS_DIR/xds-dump" "$OUT/xds-dump"
  echo "$OUT"
}

if is_built "$ISTIO_DIR" pilot-discovery && is_built "$ISTIO_DIR" istioctl && is_built "$XDS_DIR" xds-dump; then
  log "cached: $OUT"
  link_out
  exit 0
fi

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || die "go is not on PATH (expected Go >= 1.26, e.g. /usr/local/go/bin)"
mkdir -p "$ISTIO_DIR" "$LOG_DIR" "$WORK"

# One build at a time (parallel Jest workers or CI may call this script together).
exec 9>"$ISTIO_DIR/.build.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

export GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
logfile="$LOG_DIR/build-istiod-$short.log"
start=$SECONDS

run_logged() {
  echo "+ $*" >>"$logfile"
  if ! "$@" >>"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    die "command failed: $* (see $logfile)"
  fi
}

version_ge() { [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" == "$2" ]]; }

# The wrapper module: istio.io/istio and our client, resolved together by `go mod tidy`.
prepare() {
  local json gomod need have
  json="$(cd "$WORK" && go mod download -json "istio.io/istio@$ISTIO_VERSION" 2>>"$logfile")" \
    || die "go mod download istio.io/istio@$ISTIO_VERSION failed (see $logfile)"
  gomod="$(echo "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
  need="$(awk '$1 == "go" { print $2; exit }' "$gomod")"
  have="$(GOTOOLCHAIN=local go env GOVERSION)"; have="${have#go}"
  if [[ -n "$need" ]] && ! version_ge "$have" "$need"; then
    log "istio needs go $need, installed go $have: using GOTOOLCHAIN=$FALLBACK_TOOLCHAIN"
    export GOTOOLCHAIN="$FALLBACK_TOOLCHAIN"
  fi
  mkdir -p "$WORK/xds-dump"
  printf 'module net-higress.invalid/istiod-build\n\ngo %s\n\nrequire istio.io/istio %s\n' "$need" "$ISTIO_VERSION" >"$WORK/go.mod"
  cat >"$WORK/tools.go" <<'EOF'
//go:build tools

package tools

import (
	_ "istio.io/istio/istioctl/cmd/istioctl"
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
EOF
  cp "$SRC" "$WORK/xds-dump/main.go"
  (cd "$WORK" && run_logged go mod tidy)
}

: >"$logfile"
prepare
if ! is_built "$ISTIO_DIR" pilot-discovery || ! is_built "$ISTIO_DIR" istioctl; then
  log "building pilot-discovery and istioctl from istio.io/istio@$ISTIO_VERSION (cold: ~8 min on 2 cores alone; log: $logfile)"
  rm -f "$ISTIO_DIR/.complete"
  (cd "$WORK" && run_logged go build -p "$GO_PARALLEL" -trimpath -ldflags "-s -w" -o "$WORK/out/" \
    istio.io/istio/pilot/cmd/pilot-discovery istio.io/istio/istioctl/cmd/istioctl)
  "$WORK/out/pilot-discovery" version -s >>"$logfile" 2>&1 || die "the built pilot-discovery does not run (see $logfile)"
  mv -f "$WORK/out/pilot-discovery" "$WORK/out/istioctl" "$ISTIO_DIR/"
  date -u +%FT%TZ >"$ISTIO_DIR/.complete"
fi
if ! is_built "$XDS_DIR" xds-dump; then
  log "building xds-dump ($src_sha)"
  mkdir -p "$XDS_DIR"
  (cd "$WORK" && run_logged go build -p "$GO_PARALLEL" -trimpath -ldflags "-s -w" -o "$XDS_DIR/xds-dump" ./xds-dump)
  date -u +%FT%TZ >"$XDS_DIR/.complete"
fi
log "done in $((SECONDS - start))s"
link_out
