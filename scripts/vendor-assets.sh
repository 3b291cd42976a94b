#!/usr/bin/env bash
# Re-create the vendored front-end files of the web UI from the npm registry (no Node build step,
# nothing fetched at run time): htmx, Apache ECharts and CodeMirror 5 (the rules editor), each
# with its LICENSE, under
# api/ui/static/vendor/<package>-<version>/, and the versions in api/ui/static/vendor/VERSIONS.
# Usage: scripts/vendor-assets.sh [htmx-version] [echarts-version] [codemirror-version]
set -euo pipefail

HTMX_VERSION="${1:-2.0.11}"
ECHARTS_VERSION="${2:-6.1.0}"
CODEMIRROR_VERSION="${3:-5.65.21}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/api/ui/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# vendor PACKAGE VERSION FILE...: unpack PACKAGE@VERSION and keep FILE... (paths in the package).
vendor() {
  local package="$1" version="$2"
  shift 2
  local tarball
  tarball="$(cd "$WORK" && npm pack --silent "$package@$version")"
  mkdir -p "$WORK/$package"
  tar xzf "$WORK/$tarball" -C "$WORK/$package"
  rm -rf "$VENDOR/$package"-[0-9]*
  local target="$VENDOR/$package-$version"
  mkdir -p "$target"
  for file in "$@"; do
    cp "$WORK/$package/package/$file" "$target/$(basename "$file")"
  done
  echo "$package@$version → ${target#"$ROOT"/}"
}

mkdir -p "$VENDOR"
vendor htmx.org "$HTMX_VERSION" dist/htmx.min.js LICENSE
vendor echarts "$ECHARTS_VERSION" dist/echarts.min.js LICENSE NOTICE
vendor codemirror "$CODEMIRROR_VERSION" LICENSE lib/codemirror.js lib/codemirror.css \
  mode/yaml/yaml.js addon/hint/show-hint.js addon/hint/show-hint.css addon/lint/lint.js \
  addon/lint/lint.css
{
  echo "# Written by scripts/vendor-assets.sh: npm package and exact version of each vendored asset."
  echo "htmx.org@$HTMX_VERSION"
  echo "echarts@$ECHARTS_VERSION"
  echo "codemirror@$CODEMIRROR_VERSION"
} > "$VENDOR/VERSIONS"
