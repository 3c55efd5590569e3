#!/usr/bin/env bash
# Repeatable load on the web host with Debian's wrk (scripts/setup.sh --load installs it): /recognize, /process-frame
# and /register at 1, 4 and 16 connections (DURATION seconds each, default 20), then /recognize with a 6000x6000 PNG
# (past the bomb pre-check, 108 MB decoded) at 16 connections to show where the host sheds load (503 + Retry-After).
# Each endpoint gets a fresh host (Release build, Production, demo camera off) and a device API key made through the
# API. Prints one line per run: throughput, p50/p99 and the status codes seen.
# Usage: [ENDPOINTS="recognize process-frame register"] [BOMB=1] scripts/load.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
for tool in wrk curl python3; do command -v $tool >/dev/null || { echo "$tool is missing: ./scripts/setup.sh --load" >&2; exit 2; }; done
dotnet build samples/Scarlet.WebHost -c Release -nologo -v q >/dev/null
host_dll=artifacts/bin/Scarlet.WebHost/release/Scarlet.WebHost.dll
shared=$(cd .. && pwd)/shared
lfw=$shared/data/faces/lfw/images
work=$(mktemp -d)
trap 'kill $(cat "$work"/pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

# Bodies: one probe photo for the look-ups; for /register a different person per request (a face registered twice is 409).
b64() { base64 -w0 "$1"; }
probe=$(ls "$lfw"/Amelia_Vega/* | sort | sed -n 2p)
echo "{\"face_image_b64\":\"$(b64 "$probe")\"}" > "$work/recognize.jsonl"
echo "{\"frame_b64\":\"$(b64 "$probe")\",\"camera_id\":\"till-1\"}" > "$work/process-frame.jsonl"
for d in $(ls -d "$lfw"/*/ | grep -v /Amelia_Vega/ | sort | head -400); do
  f=$(ls "$d" | sort | head -1)
  echo "{\"name\":\"Load $(basename "$d")\",\"face_image_b64\":\"$(b64 "$d/$f")\"}"
done > "$work/register.jsonl"
python3 - "$work/bomb.png" <<'PY'
import sys, zlib, struct, os
w = h = 6000
band = 540_000 // w
rows = []
for y in range(h):
    rows.append(b"\0" + (os.urandom(w) if y < band else bytes(w)))
raw = zlib.compress(b"".join(rows), 9)
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
echo "{\"face_image_b64\":\"$(b64 "$work/bomb.png")\"}" > "$work/bomb.jsonl"

start_host() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$work/data"; mkdir -p "$work/data"
  ASPNETCORE_ENVIRONMENT=Production Scarlet__Storage__Path="$work/data/scarlet.db" \
  Scarlet__Jwt__Secret=load-secret-0123456789-abcdefghijklmnopqrstuvwxyz Scarlet__Admin__Username=admin \
  Scarlet__Admin__Password=correct-horse-battery-staple Scarlet__Demo__Enabled=false \
  Scarlet__Models__Directory="$shared/models" \
    dotnet "$host_dll" --urls "http://127.0.0.1:$port" >"$work/host.log" 2>&1 &
  echo $! > "$work/pid"
  url=http://127.0.0.1:$port
  for _ in $(seq 300); do curl -fs "$url/health" >/dev/null 2>&1 && break; sleep 0.3; done
  local token
  token=$(curl -fs "$url/admin/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"correct-horse-battery-staple"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  KEY=$(curl -fs "$url/api/keys" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"load","scopes":["device"]}' | sed -E 's/.*"key":"([^"]+)".*/\1/')
  export KEY
  # Warm-up: models loaded, one registered customer for the look-ups to find.
  curl -fs "$url/register" -H "X-Api-Key: $KEY" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Amelia Vega\",\"face_image_b64\":\"$(b64 "$(ls "$lfw"/Amelia_Vega/* | sort | head -1)")\"}" >/dev/null
}

stop_host() { kill "$(cat "$work/pid")" 2>/dev/null || true; wait "$(cat "$work/pid")" 2>/dev/null || true; }

run() { # endpoint bodies connections
  local out
  out=$(BODIES="$work/$2.jsonl" wrk -t1 -c"$3" -d"${duration}s" --timeout 30s -s benchmarks/load/bodies.lua "$url$1" | grep '^RESULT')
  echo "$1 connections=$3 ${out#RESULT }"
}

for ep in ${ENDPOINTS:-recognize process-frame register}; do
  start_host
  for c in 1 4 16; do
    # Registration runs each get an empty store: the bodies start again from the first person.
    if [ "$ep" = register ] && [ "$c" != 1 ]; then stop_host; start_host; fi
    run "/$ep" "$ep" "$c"
  done
  stop_host
done
if [ "${BOMB:-1}" = 1 ]; then
  start_host
  run /recognize bomb 16
  echo "host RSS after the bomb run: $(awk '/VmRSS/ {print $2 / 1024 " MB"}' /proc/"$(cat "$work/pid")"/status), peak $(awk '/VmHWM/ {print $2 / 1024 " MB"}' /proc/"$(cat "$work/pid")"/status)"
  stop_host
fi
