#!/usr/bin/env bash
# The main job on a fresh machine: install what OpenCV needs, build, and run `scarlet detect` over the demo video
# (PETS09-S2L1 vtest.avi), writing an annotated overlay video. Extra arguments go to `scarlet detect`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
mkdir -p out
dotnet run --project samples/Scarlet.ConsoleHost -c Release -- detect demo --overlay out/vtest-overlay.mp4 --json "$@" > out/vtest-detections.jsonl
echo "wrote out/vtest-overlay.mp4 and out/vtest-detections.jsonl"
