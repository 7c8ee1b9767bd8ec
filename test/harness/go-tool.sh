# Sourced by build-helm.sh and build-actionlint.sh: a Go command built once with `go install <pkg>@<version>`
# into ${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}/bin/<name>-<version>/<name>, outside the repo.
#
#   go_tool_begin NAME VERSION   prints the cached path and exits when it is built; else takes the build lock
#                                (parallel Jest workers may all ask) and sets TOOL_DIR, TOOL_LOG
#   go_tool_install PKG LDFLAGS VERSION_ARGS...
#                                builds, checks the binary runs with VERSION_ARGS, marks it complete, prints its path
# Env: NET_HIGRESS_GO_PARALLEL (go build -p, default 2).

go_tool_log() { echo "build-$TOOL_NAME: $*" >&2; }
go_tool_die() { echo "build-$TOOL_NAME: ERROR: $*" >&2; exit 1; }

go_tool_begin() {
  TOOL_NAME="$1"
  TOOL_VERSION="$2"
  local cache="${NET_HIGRESS_CACHE:-$HOME/.cache/net-higress}"
  TOOL_DIR="$cache/bin/$TOOL_NAME-$TOOL_VERSION"
  TOOL_LOG="$cache/logs/build-$TOOL_NAME-$TOOL_VERSION.log"
  if [[ -x "$TOOL_DIR/$TOOL_NAME" && -f "$TOOL_DIR/.complete" ]]; then
    go_tool_log "cached: $TOOL_DIR/$TOOL_NAME"
    echo "$TOOL_DIR/$TOOL_NAME"
    exit 0
  fi
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
  command -v go >/dev/null 2>&1 || go_tool_die "go is not on PATH (expected Go >= 1.26, e.g. /usr/local/go/bin)"
  mkdir -p "$TOOL_DIR" "$(dirname "$TOOL_LOG")"
  exec 9>"$TOOL_DIR/.build.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if [[ -x "$TOOL_DIR/$TOOL_NAME" && -f "$TOOL_DIR/.complete" ]]; then echo "$TOOL_DIR/$TOOL_NAME"; exit 0; fi
  export GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off CGO_ENABLED=0
  export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  : >"$TOOL_LOG"
  TOOL_START=$SECONDS
}

go_tool_install() {
  local pkg="$1" ldflags="$2"
  shift 2
  local tmp_bin="$TOOL_DIR/.tmp-bin"
  rm -rf "$tmp_bin"
  echo "+ go install $pkg@$TOOL_VERSION" >>"$TOOL_LOG"
  if ! GOBIN="$tmp_bin" go install -p "${NET_HIGRESS_GO_PARALLEL:-2}" -trimpath -ldflags "$ldflags" "$pkg@$TOOL_VERSION" >>"$TOOL_LOG" 2>&1; then
    tail -n 40 "$TOOL_LOG" >&2
    go_tool_die "go install $TOOL_NAME failed (see $TOOL_LOG)"
  fi
  "$tmp_bin/$TOOL_NAME" "$@" >>"$TOOL_LOG" 2>&1 || go_tool_die "the built $TOOL_NAME does not run (see $TOOL_LOG)"
  mv -f "$tmp_bin/$TOOL_NAME" "$TOOL_DIR/$TOOL_NAME"
  rm -rf "$tmp_bin"
  date -u +%FT%TZ >"$TOOL_DIR/.complete"
  go_tool_log "$TOOL_NAME $TOOL_VERSION built in $((SECONDS - TOOL_START))s"
  echo "$TOOL_DIR/$TOOL_NAME"
}
