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

source "$(dirname "$0")/go-tool.sh"

HELM_VERSION="${NET_HIGRESS_HELM_VERSION:-v3.22.0}"
[[ "$HELM_VERSION" =~ ^v3\.[0-9]+\.[0-9]+$ ]] || { echo "build-helm: NET_HIGRESS_HELM_VERSION must look like v3.Y.Z (got $HELM_VERSION)" >&2; exit 1; }

# Fast path: cached -> no Go needed.
go_tool_begin helm "$HELM_VERSION"
go_tool_log "building helm $HELM_VERSION from helm.sh/helm/v3 (cold build ~2-4 min on 2 cores; log: $TOOL_LOG)"

# helm's Makefile derives the assumed Kubernetes version from its k8s.io/client-go pin (v0.Y.Z -> 1.Y).
gomod_json="$(cd "$TOOL_DIR" && go mod download -json "helm.sh/helm/v3@$HELM_VERSION" 2>>"$TOOL_LOG")" \
  || go_tool_die "go mod download helm.sh/helm/v3@$HELM_VERSION failed (see $TOOL_LOG)"
gomod="$(echo "$gomod_json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
client_go="$(awk '$1 == "k8s.io/client-go" { print $2; exit }' "$gomod")"
[[ "$client_go" =~ ^v0\.([0-9]+)\. ]] || go_tool_die "cannot read the k8s.io/client-go version from $gomod"
k8s_minor="${BASH_REMATCH[1]}"

ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
done
go_tool_install helm.sh/helm/v3/cmd/helm "$ldflags" version --short
