#!/usr/bin/env bash
# Runs the whole test suite (every tests/*.Tests project) in Release.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Scarlet.Sdk.sln -c Release -nologo -v q
dotnet test Scarlet.Sdk.sln -c Release --no-build -nologo -v q --logger "console;verbosity=minimal"
