#!/usr/bin/env bash
# `npm run release`: the files of a release, in release/ (gitignored):
#   net-higress.yaml            everything the chart installs with its defaults, for `kubectl apply -f`, except
#                               the uninstall hook (kubectl would run it at once) and the Namespaces
#                               (`kubectl delete -f` would delete them, and Higress or Knative with them)
#   net-higress-<version>.tgz   the chart (`helm package`), its default image set to the release image
#   image.txt                   the image reference both use: <repository>:<version>
#   SHA256SUMS
#
# Env: RELEASE_IMAGE_REPOSITORY (default ghcr.io/net-higress/net-higress), RELEASE_DIR (default release),
# NET_HIGRESS_HELM (a helm binary; else `helm` on PATH, else test/harness/build-helm.sh builds one),
# GIT_COMMIT (else `git rev-parse HEAD`): written into net-higress.yaml's header.
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(node -p 'require("./package.json").version')"
repository="${RELEASE_IMAGE_REPOSITORY:-ghcr.io/net-higress/net-higress}"
image="$repository:$version"
out="${RELEASE_DIR:-release}"
commit="${GIT_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"

helm="${NET_HIGRESS_HELM:-}"
if [[ -z "$helm" ]]; then
  if command -v helm >/dev/null 2>&1; then helm="$(command -v helm)"; else helm="$(bash test/harness/build-helm.sh | tail -n1)"; fi
fi

chart_version="$(awk '$1 == "version:" { print $2; exit }' charts/net-higress/Chart.yaml)"
app_version="$(awk '$1 == "appVersion:" { gsub(/"/, "", $2); print $2; exit }' charts/net-higress/Chart.yaml)"
if [[ "$chart_version" != "$version" || "$app_version" != "$version" ]]; then
  echo "release: package.json is $version but Chart.yaml has version $chart_version, appVersion $app_version" >&2
  exit 1
fi

# The chart as released: the same files, only the default image repository changed.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -R charts/net-higress "$stage/net-higress"
values="$stage/net-higress/values.yaml"
grep -q '^    repository: net-higress$' "$values" || { echo "release: controller.image.repository not found in values.yaml" >&2; exit 1; }
sed -i.orig "s|^    repository: net-higress\$|    repository: $repository|" "$values" && rm -f "$values.orig"

rm -rf "$out"
mkdir -p "$out"
"$helm" lint --strict "$stage/net-higress" >/dev/null
"$helm" package "$stage/net-higress" --destination "$out" >/dev/null
{
  echo "# net-higress $version (commit $commit): the chart's defaults, for kubectl apply -f net-higress.yaml"
  echo "# Image: $image. Needs the namespaces knative-serving and higress-system and the Istio CRDs (Knative"
  echo "# Serving, and Higress with global.enableIstioAPI=true, installed first)."
  echo "# Uninstall: net-higress uninstall --controller knative-serving/net-higress, then kubectl delete -f net-higress.yaml."
  "$helm" template net-higress "$stage/net-higress" --namespace knative-serving --no-hooks \
    --set higress.createNamespace=false,knative.createNamespace=false \
    | sed -e '/^# Source: /d'
} >"$out/net-higress.yaml"
echo "$image" >"$out/image.txt"
(cd "$out" && sha256sum net-higress.yaml "net-higress-$version.tgz" image.txt >SHA256SUMS)
ls -1 "$out" | sed "s|^|$out/|"
