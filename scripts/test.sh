#!/usr/bin/env bash
# Runs the whole test suite (every tests/*.Tests project) in Release and ends with one line
# "tests: N passed, N failed, N skipped" summed over the projects.
set -uo pipefail
cd "$(dirname "$0")/.."
dotnet build Scarlet.Sdk.sln -c Release -nologo -v q || exit 1
log=$(mktemp)
dotnet test Scarlet.Sdk.sln -c Release --no-build -nologo -v q --logger "console;verbosity=minimal" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
awk '/(Passed|Failed)!  - Failed:/ {
       gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$rc"
