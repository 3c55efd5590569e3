#!/usr/bin/env bash
# The main job: start the Scarlet web host on embedded defaults (SQLite file, in-memory HNSW gallery, in-process
# events, the looping demo camera). One-time set-up done here: OpenCV's Debian libraries, a JWT signing secret and a
# bootstrap admin password, both generated once into scarlet-data/ (mode 600) unless given in the environment.
# Usage: ./scripts/start.sh [--urls http://0.0.0.0:8000]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
urls="http://127.0.0.1:8000"
if [ "${1:-}" = "--urls" ] && [ -n "${2:-}" ]; then urls="$2"; fi
data="$(realpath -m "${SCARLET_DATA:-scarlet-data}")"
mkdir -p "$data"
# `dotnet run` starts a web project in its own folder, so hand it absolute model and media folders (the documented
# SCARLET_MODELS / SCARLET_MEDIA) when the shared folder sits beside the checkout.
if [ -z "${SCARLET_MODELS:-}" ] && [ -d ../shared/models ]; then export SCARLET_MODELS="$(realpath ../shared/models)"; fi
if [ -z "${SCARLET_MEDIA:-}" ] && [ -d ../shared/data/video ]; then export SCARLET_MEDIA="$(realpath ../shared/data/video)"; fi
umask 077
if [ -z "${Scarlet__Jwt__Secret:-}" ]; then
  [ -s "$data/jwt.secret" ] || head -c 48 /dev/urandom | base64 -w0 > "$data/jwt.secret"
  export Scarlet__Jwt__Secret="$(cat "$data/jwt.secret")"
fi
export Scarlet__Admin__Username="${Scarlet__Admin__Username:-admin}"
if [ -z "${Scarlet__Admin__Password:-}" ]; then
  [ -s "$data/bootstrap-admin.txt" ] || head -c 18 /dev/urandom | base64 -w0 | tr '+/' '-_' > "$data/bootstrap-admin.txt"
  export Scarlet__Admin__Password="$(cat "$data/bootstrap-admin.txt")"
  pw_note="its password is in $data/bootstrap-admin.txt (generated once; used only while no admin exists)"
else
  pw_note="its password is the one you set in Scarlet__Admin__Password"
fi
export Scarlet__Storage__Path="${Scarlet__Storage__Path:-$data/scarlet.db}"
# The demo: a second camera whose clip shows two enrolled demo customers (docs: README, "Main job").
export Scarlet__Demo__Customers="${Scarlet__Demo__Customers:-true}"
echo "Scarlet web host: dashboard $urls/  API docs $urls/docs  metrics $urls/metrics"
echo "Bootstrap admin: user '$Scarlet__Admin__Username'; $pw_note. Add admins in the dashboard or with POST /admin/users."
exec dotnet run -c Release --project samples/Scarlet.WebHost -- --urls "$urls"
