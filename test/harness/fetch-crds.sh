#!/usr/bin/env bash
# Fetches the pinned upstream CRD files (crds/pins.json) from their published Go modules,
# verifies each file's sha256, and prints the absolute path of each file, one per line, in pin order.
#
#   bash test/harness/fetch-crds.sh            # uses crds/pins.json of this checkout
#   bash test/harness/fetch-crds.sh PINS.json  # another pin list
#
# Files come from the Go module cache (`go mod download -json module@version`, run in a temp dir
# outside the repo); nothing is copied into the repository. Diagnostics go to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pins="${1:-$here/../../crds/pins.json}"
[[ -f "$pins" ]] || { echo "fetch-crds: pin list not found: $pins" >&2; exit 1; }
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || { echo "fetch-crds: go is not on PATH" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "fetch-crds: node is not on PATH" >&2; exit 1; }

# module<TAB>version<TAB>path<TAB>sha256 per pin (node parses the JSON; no jq needed).
entries="$(node -e '
  const pins = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const p of pins.crds) {
    for (const k of ["module", "version", "path", "sha256"]) {
      if (typeof p[k] !== "string" || !p[k]) { console.error(`fetch-crds: pin ${JSON.stringify(p)} lacks ${k}`); process.exit(1); }
    }
    console.log([p.module, p.version, p.path, p.sha256.toLowerCase()].join("\t"));
  }' "$pins")"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/net-higress-fetch-crds.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
while IFS=$'\t' read -r module version path sha; do
  [[ -n "$module" ]] || continue
  if ! json="$(cd "$tmp" && go mod download -json "$module@$version" 2>"$tmp/err")"; then
    echo "fetch-crds: go mod download $module@$version failed:" >&2
    cat "$tmp/err" >&2; echo "$json" >&2
    exit 1
  fi
  dir="$(printf '%s' "$json" | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      const j = JSON.parse(s);
      if (j.Error || !j.Dir) { console.error("fetch-crds: " + (j.Error || "no Dir in go mod download output")); process.exit(1); }
      console.log(j.Dir);
    });')"
  file="$dir/$path"
  [[ -f "$file" ]] || { echo "fetch-crds: $path does not exist in $module@$version ($dir)" >&2; exit 1; }
  got="$(sha256sum "$file" | cut -d' ' -f1)"
  if [[ "$got" != "$sha" ]]; then
    echo "fetch-crds: sha256 mismatch for $module@$version/$path: pinned $sha, got $got" >&2
    exit 1
  fi
  echo "$file"
done <<<"$entries"
