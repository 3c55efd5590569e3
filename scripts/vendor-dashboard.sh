#!/usr/bin/env bash
# Vendors the dashboard's chart library into the static files: Chart.js from npm, pinned version, tarball checked
# against a pinned sha256, the UMD build and its licence copied to samples/Scarlet.WebHost/wwwroot/lib/chartjs/.
# The result is committed (a 200 KB MIT-licensed script), so builds and tests need no npm and the page no CDN; run
# this only to change the version (update VERSION and SHA256 together). Idempotent.
set -euo pipefail
VERSION=4.5.1
SHA256=f540d98468457ac7a0aabb32006dfb066297e096c5ea063a5d80aa973d1c337a
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/samples/Scarlet.WebHost/wwwroot/lib/chartjs"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "chart.js@$VERSION" >/dev/null)
echo "$SHA256  $work/chart.js-$VERSION.tgz" | sha256sum -c --quiet -
tar -xzf "$work/chart.js-$VERSION.tgz" -C "$work"
mkdir -p "$dest"
cp "$work/package/dist/chart.umd.min.js" "$dest/chart.umd.min.js"
cp "$work/package/LICENSE.md" "$dest/LICENSE.md"
echo "chart.js $VERSION" > "$dest/VERSION"
echo "vendored chart.js $VERSION into $dest"
