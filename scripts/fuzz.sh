#!/usr/bin/env bash
# Fuzzes one target for a bounded time with afl-fuzz and SharpFuzz (docs/fuzzing.md):
#
#   scripts/fuzz.sh TARGET SECONDS [--merge]
#
# TARGET is image, mjpeg, base64 or json. The script installs Debian's afl++ and the SharpFuzz.CommandLine tool when
# missing, publishes fuzz/Scarlet.Fuzz, instruments Scarlet.Vision.dll (and Scarlet.WebHost.dll for json), runs
# afl-fuzz on fuzz/corpus/TARGET with nice -n 10 for SECONDS, prints the run's statistics and replays every crash and
# hang it found. Findings stay under artifacts/fuzz/findings/TARGET. --merge then minimises the queue with afl-cmin
# and copies the inputs that add coverage into fuzz/corpus/TARGET as afl-*, for the replay tests.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:-}
seconds=${2:-}
merge=${3:-}
case "$target" in image|mjpeg|base64|json) ;; *) echo "usage: $0 image|mjpeg|base64|json SECONDS [--merge]" >&2; exit 2 ;; esac
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 $target SECONDS [--merge]" >&2; exit 2; }

sharpfuzz_version=2.3.0
tools=artifacts/fuzz/tools
bin=artifacts/fuzz/bin
findings=artifacts/fuzz/findings/$target
corpus=fuzz/corpus/$target

if ! command -v afl-fuzz >/dev/null; then
  echo "== installing afl++ (Debian)"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y afl++ >/dev/null
fi

if [ ! -x "$tools/sharpfuzz" ]; then
  echo "== installing SharpFuzz.CommandLine $sharpfuzz_version"
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >/dev/null
fi

# A fresh publish each time: sharpfuzz rewrites the assemblies in place and refuses to instrument one twice.
echo "== publishing fuzz/Scarlet.Fuzz"
rm -rf "$bin"
nice -n 10 dotnet publish fuzz/Scarlet.Fuzz -c Release -r linux-x64 --self-contained false -o "$bin" -nologo -v q
instrument=(Scarlet.Vision.dll)
[ "$target" = json ] && instrument+=(Scarlet.WebHost.dll)
for dll in "${instrument[@]}"; do
  echo "== instrumenting $dll"
  "$tools/sharpfuzz" "$bin/$dll"
done

# dotnet itself carries no afl instrumentation (SKIP_BIN_CHECK); containers have no crash reporter to configure
# (MISSING_CRASHES) and no CPU governor to read (CPUFREQ). -t: a .NET start-up plus the first JIT takes seconds, and
# an input that runs past 5 s is a hang worth reporting.
dotnet=$(readlink -f "$(command -v dotnet)") # afl-cmin wants the real path of the binary
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
rm -rf "$findings"
mkdir -p "$findings"
echo "== afl-fuzz $target for $seconds s"
nice -n 10 afl-fuzz -i "$corpus" -o "$findings" -x "fuzz/dict/$target.dict" -t 5000 -m none -V "$seconds" \
  -- "$dotnet" "$bin/Scarlet.Fuzz.dll" fuzz "$target" >"$findings/afl.log" 2>&1 || { tail -30 "$findings/afl.log"; exit 1; }

stats=$findings/default/fuzzer_stats
echo "== $target: afl-fuzz statistics"
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|corpus_found|bitmap_cvg|edges_found|total_edges|saved_crashes|saved_hangs|stability) ' "$stats"

found=0
for kind in crashes hangs; do
  for f in "$findings/default/$kind"/id:*; do
    [ -e "$f" ] || continue
    found=1
    echo "== $kind: $f"
    timeout 60 dotnet "$bin/Scarlet.Fuzz.dll" replay "$target" "$f" | cut -c1-2000 || true
  done
done
[ "$found" -eq 0 ] && echo "== no crashes, no hangs"

if [ "$merge" = "--merge" ]; then
  echo "== afl-cmin: keeping the queue entries that add coverage to $corpus"
  min=artifacts/fuzz/cmin/$target # afl-cmin refuses to work under /tmp
  rm -rf "$min"; mkdir -p "$min"
  nice -n 10 afl-cmin -i "$findings/default/queue" -o "$min/out" -t 5000 -m none \
    -- "$dotnet" "$bin/Scarlet.Fuzz.dll" fuzz "$target" >"$findings/cmin.log" 2>&1 || { tail -20 "$findings/cmin.log"; exit 1; }
  added=0
  for f in "$min/out"/*; do
    [ -e "$f" ] || continue
    # Seeds are already in the corpus; name afl's own inputs by content so reruns do not duplicate them.
    name=afl-$(sha1sum "$f" | cut -c1-12)
    # The corpus stays small (the replay test fails over 200 KB): no input over 8 KB, and stop at 180 KB.
    [ "$(stat -c %s "$f")" -le 8192 ] || continue
    [ "$(du -sb fuzz/corpus | cut -f1)" -lt 184320 ] || { echo "== corpus at 180 KB: stopping the merge"; break; }
    if ! cmp -s "$f" "$corpus/$name" && ! grep -q orig: <<<"$(basename "$f")"; then
      cp "$f" "$corpus/$name"
      added=$((added + 1))
    fi
  done
  rm -rf "$min"
  echo "== added $added inputs to $corpus ($(du -sb fuzz/corpus | cut -f1) bytes in fuzz/corpus)"
fi
