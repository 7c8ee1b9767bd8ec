#!/usr/bin/env bash
# Builds (or reuses from the cache) the `helm` binary the chart tests run: there is no helm package in
# apt or npm, but the Go module proxy serves helm.sh/helm/v3.
#
#   bash test/harness/build-helm.sh
#
# * Built with `go install helm.sh/helm/v3/cmd/helm@<version>` (helm's go.mod has no replace directives,
#   so the module builds exactly as released), with the ldflags of helm's Makefile: the version, and the
#   Kubernetes version helm assumes for `helm template`/`helm lint` (taken from its k8s.io/client-go pin).
# * The binary lives OUTSIDE the repo, next to build-binaries.sh's:
#     ${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}/bin/helm-<version>/helm
# * The LAST line on stdout is the path of the binary. Everything else goes to stderr; go output goes to
#   ${cache}/logs/build-helm-<version>.log.
#
# Env overrides: NET_HIGRESS_HELM_VERSION (default v3.22.0), NET_HIGRESS_GO_PARALLEL (go build -p, default 2).
set -euo pipefail

HELM_VERSION="${NET_HIGRESS_HELM_VERSION:-v3.22.0}"
GO_PARALLEL="${NET_HIGRESS_GO_PARALLEL:-2}"
CACHE="${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}"
HELM_DIR="$CACHE/bin/helm-$HELM_VERSION"
LOG_DIR="$CACHE/logs"

log() { echo "build-helm: $*" >&2; }
die() { echo "build-helm: ERROR: $*" >&2; exit 1; }

[[ "$HELM_VERSION" =~ ^v3\.[0-9]+\.[0-9]+$ ]] || die "NET_HIGRESS_HELM_VERSION must look like v3.Y.Z (got $HELM_VERSION)"

# Fast path: cached -> no Go needed.
if [[ -x "$HELM_DIR/helm" && -f "$HELM_DIR/.complete" ]]; then
  log "cached: $HELM_DIR/helm"
  echo "$HELM_DIR/helm"
  exit 0
fi

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || die "go is not on PATH (expected Go >= 1.26, e.g. /usr/local/go/bin)"
mkdir -p "$HELM_DIR" "$LOG_DIR"

# One build at a time per version (parallel Jest workers may all call this script).
exec 9>"$HELM_DIR/.build.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [[ -x "$HELM_DIR/helm" && -f "$HELM_DIR/.complete" ]]; then echo "$HELM_DIR/helm"; exit 0; fi

export GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off CGO_ENABLED=0
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
logfile="$LOG_DIR/build-helm-$HELM_VERSION.log"
: >"$logfile"
start=$SECONDS
log "building helm $HELM_VERSION from helm.sh/helm/v3 (cold build ~2-4 min on 2 cores; log: $logfile)"

# helm's Makefile derives the assumed Kubernetes version from its k8s.io/client-go pin (v0.Y.Z -> 1.Y).
gomod_json="$(cd "$HELM_DIR" && go mod download -json "helm.sh/helm/v3@$HELM_VERSION" 2>>"$logfile")" \
  || die "go mod download helm.sh/helm/v3@$HELM_VERSION failed (see $logfile)"
gomod="$(echo "$gomod_json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
client_go="$(awk '$1 == "k8s.io/client-go" { print $2; exit }' "$gomod")"
[[ "$client_go" =~ ^v0\.([0-9]+)\. ]] || die "cannot read the k8s.io/client-go version from $gomod"
k8s_minor="${BASH_REMATCH[1]}"

ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
done

tmp_bin="$HELM_DIR/.tmp-bin"
rm -rf "$tmp_bin"
echo "+ go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >>"$logfile"
if ! GOBIN="$tmp_bin" go install -p "$GO_PARALLEL" -trimpath -ldflags "$ldflags" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >>"$logfile" 2>&1; then
  tail -n 40 "$logfile" >&2
  die "go install helm failed (see $logfile)"
fi
"$tmp_bin/helm" version --short >>"$logfile" 2>&1 || die "the built helm does not run (see $logfile)"
mv -f "$tmp_bin/helm" "$HELM_DIR/helm"
rm -rf "$tmp_bin"
date -u +%FT%TZ >"$HELM_DIR/.complete"
log "helm $HELM_VERSION built in $((SECONDS - start))s: $("$HELM_DIR/helm" version --short)"
echo "$HELM_DIR/helm"
