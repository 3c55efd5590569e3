#!/usr/bin/env bash
# Installs @tensorflow/tfjs (pinned with its whole tree by tfjs/package-lock.json) into .tfjs/ at the repository root
# (git-ignored): the reference runtime of the conversion test (tfjs-reference.mjs). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/../../.tfjs"
if [ -f "$dest/node_modules/@tensorflow/tfjs/package.json" ] && cmp -s "$here/tfjs/package-lock.json" "$dest/package-lock.json"; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-tfjs: npm is not installed" >&2; exit 3; }
mkdir -p "$dest"
cp "$here/tfjs/package.json" "$here/tfjs/package-lock.json" "$dest/"
(cd "$dest" && npm ci --silent --no-audit --no-fund --ignore-scripts) || { echo "install-tfjs: npm ci failed" >&2; exit 3; }
echo "install-tfjs: @tensorflow/tfjs in $dest"
