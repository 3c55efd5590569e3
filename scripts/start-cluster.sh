#!/usr/bin/env bash
# A two-host Scarlet cluster on one machine (docs/scale-out.md): a private PostgreSQL and a private Redis from the Debian
# packages (data under scarlet-cluster/ of the checkout, or $SCARLET_CLUSTER_DIR; never the system services), and two web
# hosts sharing them on two ports. Prints the hosts' URLs and the admin log-in; `--stop` stops everything it started.
# Usage: ./scripts/start-cluster.sh [--stop]
# Ports: SCARLET_PG_PORT (55432), SCARLET_REDIS_PORT (56379), SCARLET_HOST_PORTS ("8001 8002").
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(realpath -m "${SCARLET_CLUSTER_DIR:-scarlet-cluster}")"
pg_port="${SCARLET_PG_PORT:-55432}"
redis_port="${SCARLET_REDIS_PORT:-56379}"
read -r -a host_ports <<< "${SCARLET_HOST_PORTS:-8001 8002}"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
# PostgreSQL refuses to run as root: as root its folder belongs to, and it runs as, the Debian postgres user.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop() {
  for pidfile in "$dir"/host-*.pid; do
    [ -e "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$pidfile"
  done
  if [ -e "$dir/redis.pid" ]; then
    pid="$(cat "$dir/redis.pid")"
    kill -0 "$pid" 2>/dev/null && kill "$pid"
    rm -f "$dir/redis.pid"
  fi
  if [ -n "$pg_bin" ] && [ -e "$dir/pg/data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null
  fi
  echo "Scarlet cluster stopped (data kept in $dir)."
}

if [ "${1:-}" = "--stop" ]; then stop; exit 0; fi

./scripts/setup.sh --cluster
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
mkdir -p "$dir/pg" "$dir/redis"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pg"

# PostgreSQL: a cluster of our own, trust on the loopback interface only (a lab set-up: see docs/scale-out.md for production).
if [ ! -e "$dir/pg/data/PG_VERSION" ]; then
  as_pg "$pg_bin/initdb" -D "$dir/pg/data" -U scarlet --auth=trust --no-locale -E UTF8 >/dev/null
fi
if [ ! -e "$dir/pg/data/postmaster.pid" ]; then
  as_pg "$pg_bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
    -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1" start >/dev/null
fi
if ! as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U scarlet -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'scarlet'" | grep -q 1; then
  as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U scarlet scarlet
fi

# Redis: append-only file fsynced on every write, so an event Redis acknowledged survives its restart.
if [ ! -e "$dir/redis.pid" ] || ! kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --save '' --appendonly yes --appendfsync always \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis/redis.log"
  for _ in $(seq 50); do [ -s "$dir/redis.pid" ] && break; sleep 0.1; done
fi

# One build, two hosts: the same JWT secret (a token from one host is valid on the other) and bootstrap admin.
dotnet build samples/Scarlet.WebHost -c Release -nologo -v q >/dev/null
dll="$(pwd)/artifacts/bin/Scarlet.WebHost/release/Scarlet.WebHost.dll"
umask 077
[ -s "$dir/jwt.secret" ] || head -c 48 /dev/urandom | base64 -w0 > "$dir/jwt.secret"
[ -s "$dir/bootstrap-admin.txt" ] || head -c 18 /dev/urandom | base64 -w0 | tr '+/' '-_' > "$dir/bootstrap-admin.txt"
if [ -z "${SCARLET_MODELS:-}" ] && [ -d ../shared/models ]; then export SCARLET_MODELS="$(realpath ../shared/models)"; fi
export Scarlet__Jwt__Secret="$(cat "$dir/jwt.secret")"
export Scarlet__Admin__Username="${Scarlet__Admin__Username:-admin}"
export Scarlet__Admin__Password="$(cat "$dir/bootstrap-admin.txt")"
export Scarlet__Storage__Provider=Postgres
export Scarlet__Storage__ConnectionString="Host=127.0.0.1;Port=$pg_port;Username=scarlet;Database=scarlet"
export Scarlet__Bus__Provider=Redis
export Scarlet__Bus__Connection="127.0.0.1:$redis_port"
export Scarlet__Demo__Enabled="${Scarlet__Demo__Enabled:-false}"
export Logging__LogLevel__Default="${Logging__LogLevel__Default:-Warning}"
i=0
for port in "${host_ports[@]}"; do
  i=$((i + 1))
  name="host-$i"
  if [ -e "$dir/$name.pid" ] && kill -0 "$(cat "$dir/$name.pid")" 2>/dev/null; then continue; fi
  mkdir -p "$dir/$name"
  # From the project folder (its wwwroot is the dashboard); the pid file holds the host's own pid.
  (cd samples/Scarlet.WebHost || exit 1
   Scarlet__Bus__HostId="$name" Scarlet__Storage__Path="$dir/$name/scarlet.db" \
     nohup dotnet "$dll" --urls "http://127.0.0.1:$port" >"$dir/$name.log" 2>&1 </dev/null &
   echo $! > "$dir/$name.pid")
done

for port in "${host_ports[@]}"; do
  for _ in $(seq 300); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { echo "host on port $port did not start: see $dir/host-*.log" >&2; exit 1; }
done

echo "Scarlet cluster: PostgreSQL 127.0.0.1:$pg_port (database scarlet), Redis 127.0.0.1:$redis_port, data in $dir"
i=0
for port in "${host_ports[@]}"; do i=$((i + 1)); echo "host-$i: http://127.0.0.1:$port/  (log $dir/host-$i.log)"; done
echo "Admin: user '$Scarlet__Admin__Username', password in $dir/bootstrap-admin.txt. Stop with ./scripts/start-cluster.sh --stop"
