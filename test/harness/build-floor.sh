#!/usr/bin/env bash
# Builds (or reuses from the cache) the floor client of the operator benchmark: test/harness/floor/main.go,
# a client-go program in the same module graph as the kube-apiserver build (its wrapper go.mod, written
# by build-binaries.sh, pins every k8s.io staging module to the release of the test control plane).
#
#   bash test/harness/build-floor.sh      # last line on stdout: the path of the binary
#
# The binary lives outside the repo: ${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}/bin/floor-<k8s>-<source hash>/floor
set -euo pipefail

K8S_VERSION="${NET_HIGRESS_K8S_VERSION:-v1.36.3}"
GO_PARALLEL="${NET_HIGRESS_GO_PARALLEL:-2}"
CACHE="${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$HERE/floor/main.go"
LOG_DIR="$CACHE/logs"

log() { echo "build-floor: $*" >&2; }
die() { echo "build-floor: ERROR: $*" >&2; exit 1; }

hash="$(sha256sum "$SRC" | cut -c1-12)"
OUT_DIR="$CACHE/bin/floor-$K8S_VERSION-$hash"
if [[ -x "$OUT_DIR/floor" && -f "$OUT_DIR/.complete" ]]; then
  log "cached: $OUT_DIR/floor"
  echo "$OUT_DIR/floor"
  exit 0
fi

# The kube-apiserver build leaves its wrapper go.mod next to the binary.
bash "$HERE/build-binaries.sh" >/dev/null
KAS_GOMOD="$CACHE/bin/kube-apiserver-$K8S_VERSION/build.go.mod"
[[ -f "$KAS_GOMOD" ]] || die "no $KAS_GOMOD (KUBEBUILDER_ASSETS binaries carry none; unset it to build the control plane here)"

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || die "go is not on PATH (expected Go >= 1.26)"
mkdir -p "$OUT_DIR" "$LOG_DIR"
exec 9>"$OUT_DIR/.build.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [[ -x "$OUT_DIR/floor" && -f "$OUT_DIR/.complete" ]]; then echo "$OUT_DIR/floor"; exit 0; fi

export GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
logfile="$LOG_DIR/build-floor-$K8S_VERSION.log"
: >"$logfile"
start=$SECONDS
work="$CACHE/build/floor-$K8S_VERSION"
rm -rf "$work"; mkdir -p "$work"
sed 's|^module .*|module net-higress.invalid/floor|' "$KAS_GOMOD" >"$work/go.mod"
cp "$SRC" "$work/main.go"
log "building the floor client (log: $logfile)"
(
  cd "$work"
  { go mod tidy && go build -p "$GO_PARALLEL" -trimpath -ldflags "-s -w" -o "$work/floor" . ; } >>"$logfile" 2>&1
) || { tail -n 40 "$logfile" >&2; die "building the floor client failed (see $logfile)"; }
mv -f "$work/floor" "$OUT_DIR/floor"
date -u +%FT%TZ >"$OUT_DIR/.complete"
log "floor client built in $((SECONDS - start))s"
echo "$OUT_DIR/floor"
