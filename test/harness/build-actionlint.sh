#!/usr/bin/env bash
# Builds (or reuses from the cache) `actionlint`, which checks .github/workflows: it is a Go module
# (github.com/rhysd/actionlint), built like build-helm.sh builds helm.
#
#   bash test/harness/build-actionlint.sh
#
# * The binary lives OUTSIDE the repo: ${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}/bin/actionlint-<version>/actionlint
# * The LAST line on stdout is its path; everything else goes to stderr, go output to
#   ${cache}/logs/build-actionlint-<version>.log.
#
# Env overrides: NET_HIGRESS_ACTIONLINT_VERSION (default v1.7.12), NET_HIGRESS_GO_PARALLEL (go build -p, default 2).
set -euo pipefail

VERSION="${NET_HIGRESS_ACTIONLINT_VERSION:-v1.7.12}"
GO_PARALLEL="${NET_HIGRESS_GO_PARALLEL:-2}"
CACHE="${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}"
DIR="$CACHE/bin/actionlint-$VERSION"
LOG_DIR="$CACHE/logs"

log() { echo "build-actionlint: $*" >&2; }
die() { echo "build-actionlint: ERROR: $*" >&2; exit 1; }

[[ "$VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "NET_HIGRESS_ACTIONLINT_VERSION must look like vX.Y.Z (got $VERSION)"

if [[ -x "$DIR/actionlint" && -f "$DIR/.complete" ]]; then
  log "cached: $DIR/actionlint"
  echo "$DIR/actionlint"
  exit 0
fi

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || die "go is not on PATH (expected Go >= 1.26, e.g. /usr/local/go/bin)"
mkdir -p "$DIR" "$LOG_DIR"

# One build at a time (parallel Jest workers may all call this script).
exec 9>"$DIR/.build.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [[ -x "$DIR/actionlint" && -f "$DIR/.complete" ]]; then echo "$DIR/actionlint"; exit 0; fi

export GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
logfile="$LOG_DIR/build-actionlint-$VERSION.log"
: >"$logfile"
start=$SECONDS
log "building actionlint $VERSION (cold build ~1 min on 2 cores; log: $logfile)"

tmp_bin="$DIR/.tmp-bin"
rm -rf "$tmp_bin"
# The version actionlint -version prints (its Makefile sets it the same way).
if ! GOBIN="$tmp_bin" go install -p "$GO_PARALLEL" -trimpath \
    -ldflags "-s -w -X github.com/rhysd/actionlint.version=$VERSION" \
    "github.com/rhysd/actionlint/cmd/actionlint@$VERSION" >>"$logfile" 2>&1; then
  tail -n 40 "$logfile" >&2
  die "go install actionlint failed (see $logfile)"
fi
"$tmp_bin/actionlint" -version >>"$logfile" 2>&1 || die "the built actionlint does not run (see $logfile)"
mv -f "$tmp_bin/actionlint" "$DIR/actionlint"
rm -rf "$tmp_bin"
date -u +%FT%TZ >"$DIR/.complete"
log "actionlint $VERSION built in $((SECONDS - start))s"
echo "$DIR/actionlint"
