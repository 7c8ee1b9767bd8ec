#!/usr/bin/env bash
# Builds (or reuses from the cache) `actionlint`, which checks .github/workflows: it is a Go module
# (github.com/rhysd/actionlint), built the way build-helm.sh builds helm (test/harness/go-tool.sh).
#
#   bash test/harness/build-actionlint.sh
#
# * The binary lives OUTSIDE the repo: ${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}/bin/actionlint-<version>/actionlint
#   (cold build about 1 minute on 2 cores).
# * The LAST line on stdout is its path; everything else goes to stderr, go output to
#   ${cache}/logs/build-actionlint-<version>.log.
#
# Env overrides: NET_HIGRESS_ACTIONLINT_VERSION (default v1.7.12), NET_HIGRESS_GO_PARALLEL (go build -p, default 2).
set -euo pipefail
source "$(dirname "$0")/go-tool.sh"

VERSION="${NET_HIGRESS_ACTIONLINT_VERSION:-v1.7.12}"
[[ "$VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "build-actionlint: NET_HIGRESS_ACTIONLINT_VERSION must look like vX.Y.Z (got $VERSION)" >&2; exit 1; }

go_tool_begin actionlint "$VERSION"
go_tool_log "building actionlint $VERSION (log: $TOOL_LOG)"
# The version `actionlint -version` prints, set as its Makefile does.
go_tool_install github.com/rhysd/actionlint/cmd/actionlint "-s -w -X github.com/rhysd/actionlint.version=$VERSION" -version
