#!/usr/bin/env bash
# One host against two (docs/scale-out.md, Sizing): starts a private PostgreSQL and Redis and the web hosts through
# scripts/start-cluster.sh (in a fresh folder under /tmp, on ports of its own), measures registrations/s and /recognize
# requests/s with benchmarks/Scarlet.LoadTest on one host, then starts a second host and measures the same load spread
# over both (clients take the hosts in turn, like a round-robin balancer), prints one line per set-up and stops everything.
#   hosts=1 registrations_per_s=... recognize_per_s=... register_p50_ms=... ... load_average=...
#   hosts=2 ...
# Every process (hosts, PostgreSQL, Redis, load generator) shares this machine's cores: on a busy machine the figures are
# upper bounds on the latencies and lower bounds on the rates; the load average before and after each run is printed.
# Usage: ./scripts/bench-cluster.sh [--seconds 30] [--clients 4]
# Environment: SCARLET_LFW_IMAGES (../shared/data/faces/lfw/images), SCARLET_PG_PORT (55532), SCARLET_REDIS_PORT (56479),
# SCARLET_BENCH_PORTS ("8101 8102").
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=30
clients=4
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--clients N]" >&2; exit 2 ;;
  esac
done
people="${SCARLET_LFW_IMAGES:-../shared/data/faces/lfw/images}"
[ -d "$people" ] || { echo "LFW images not found at $people (set SCARLET_LFW_IMAGES)" >&2; exit 2; }
people="$(realpath "$people")"
read -r port1 port2 <<< "${SCARLET_BENCH_PORTS:-8101 8102}"

# A cluster of its own: never the folder, ports or data of a cluster started by hand.
SCARLET_CLUSTER_DIR="$(mktemp -d /tmp/scarlet-bench-cluster.XXXXXX)"
chmod 755 "$SCARLET_CLUSTER_DIR" # PostgreSQL runs as the postgres user when this runs as root
export SCARLET_CLUSTER_DIR
export SCARLET_PG_PORT="${SCARLET_PG_PORT:-55532}"
export SCARLET_REDIS_PORT="${SCARLET_REDIS_PORT:-56479}"
cleanup() {
  ./scripts/start-cluster.sh --stop >/dev/null 2>&1 || true
  rm -rf "$SCARLET_CLUSTER_DIR"
}
trap cleanup EXIT

dotnet build benchmarks/Scarlet.LoadTest -c Release -nologo -v q >/dev/null
loadtest="$(pwd)/artifacts/bin/Scarlet.LoadTest/release/Scarlet.LoadTest.dll"

# A number before (field) or after (after) a label in the load generator's summary line ("... 3.20 requests/s ... p50 1171 ms").
field() { sed -n "s|.* \([0-9.]*\) $2.*|\1|p" <<< "$1"; }
after() { sed -n "s/.*$2 \([0-9.]*\).*/\1/p" <<< "$1"; }
# Failed requests of a run; a run that printed no summary (the load generator failed) counts as one failure.
failed() { local n; n="$(after "$1" failed)"; echo "${n:-1}"; }

# measure HOSTS URLS SKIP: registrations of people from SKIP on, then /recognize of the same people's photos.
measure() {
  local hosts="$1" urls="$2" skip="$3" token reg rec
  token="$(curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$(cat "$SCARLET_CLUSTER_DIR/bootstrap-admin.txt")\"}" \
    "http://127.0.0.1:$port1/admin/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
  [ -n "$token" ] || { echo "admin log-in failed" >&2; exit 1; }
  reg="$(SCARLET_TOKEN="$token" dotnet "$loadtest" --scale register --hosts "$urls" --people "$people" \
    --clients "$clients" --seconds "$seconds" --skip "$skip" || true)"
  rec="$(SCARLET_TOKEN="$token" dotnet "$loadtest" --scale recognize --hosts "$urls" --people "$people" \
    --clients "$clients" --seconds "$seconds" --skip "$skip" || true)"
  echo "# $reg" >&2
  echo "# $rec" >&2
  echo "hosts=$hosts registrations_per_s=$(field "$reg" requests/s) recognize_per_s=$(field "$rec" requests/s)" \
    "register_p50_ms=$(after "$reg" p50) register_p99_ms=$(after "$reg" p99)" \
    "recognize_p50_ms=$(after "$rec" p50) recognize_p99_ms=$(after "$rec" p99)" \
    "failed=$(( $(failed "$reg") + $(failed "$rec") ))" \
    "clients=$clients seconds=$seconds load_average=\"$(sed -n 's/.*load average \(.*\)/\1/p' <<< "$rec")\""
}

SCARLET_HOST_PORTS="$port1" ./scripts/start-cluster.sh >&2
measure 1 "http://127.0.0.1:$port1" 0

# The second host joins the running cluster (its gallery builds from PostgreSQL at start); other people register.
SCARLET_HOST_PORTS="$port1 $port2" ./scripts/start-cluster.sh >&2
measure 2 "http://127.0.0.1:$port1,http://127.0.0.1:$port2" 2500
