#!/usr/bin/env bash
# Runs the whole test suite (every tests/*.Tests project) in Release, then the recognition and tracking tests a second
# time on the AVX2 code path, then three minutes of the soak benchmark, then the consumer test (scripts/consumer-test.sh: the packed packages used from a folder
# feed), and ends with one line "tests: N passed, N failed, N skipped" summed over every run (each consumer-test check
# counts as one test).
set -uo pipefail
cd "$(dirname "$0")/.."
dotnet build Scarlet.Sdk.sln -c Release -nologo -v q || exit 1
log=$(mktemp)
# A test host that dies (a native fault, an unhandled exception on a background thread) writes a crash report with
# its stacks (createdump); the end of this script prints the crashing thread of each (scripts/crash-stacks.py).
crash_dir="$PWD/artifacts/crash"
rm -rf "$crash_dir" && mkdir -p "$crash_dir"
export DOTNET_DbgEnableMiniDump=1 DOTNET_DbgMiniDumpType=1 DOTNET_EnableCrashReport=1 \
  DOTNET_DbgMiniDumpName="$crash_dir/core.%p"
# --blame: if a test host crashes, the log names the test that was running (the sequence file lands in TestResults).
# --blame-hang-timeout: a test that runs longer than this (the longest take about 2 minutes) is taken for a hang: its
# host is stopped and reported like a crash, instead of the run waiting until CI's limit (one did: a fake clock that
# was never advanced past a wait).
hang=(--blame-hang-timeout "${SCARLET_TEST_HANG_TIMEOUT:-8m}" --blame-hang-dump-type none)
first=$(mktemp)
dotnet test Scarlet.Sdk.sln -c Release --no-build -nologo -v q --blame "${hang[@]}" --logger "console;verbosity=minimal" 2>&1 | tee "$first"
rc=${PIPESTATUS[0]}

# A test host that crashed (or hung) is rerun once, alone, and says so: the crash and its stack are printed either way (end of
# this script), and its partial counts give way to the rerun's. Every other failure stands as it is. Why: in about 40
# runs of this suite one test host died without a stack (stop 27: the Vision tests, never reproduced here, 12 runs
# under load); a second crash in the rerun fails the run.
crashed=$(grep -oE 'tests/Scarlet\.[A-Za-z.]+\.Tests/TestResults/[^ ]*/Sequence_[^ ]*\.xml' "$first" | cut -d/ -f2 | sort -u)
if [ -n "$crashed" ]; then
  other_failures=$(grep -E 'Failed!  - |\[Test (Collection|Class|Assembly) Cleanup Failure' "$first" | grep -cvF "$(printf '%s.dll\n' $crashed)")
  # keep every line but the crashed assemblies' counts and the abort notices; the reruns bring their own
  grep -vE 'Test host process crashed|Test Run Aborted' "$first" | grep -vF "$(printf '%s.dll (\n' $crashed)" > "$log"
  rerun_rc=0
  for name in $crashed; do
    echo "== test host crashed or hung in $name: rerun once (a crash report, if any, is printed at the end)" | tee -a "$log"
    echo "test host crashes: $name" >> "$log"
    dotnet test "tests/$name" -c Release --no-build -nologo -v q --blame "${hang[@]}" --logger "console;verbosity=minimal" 2>&1 | tee -a "$log"
    r=${PIPESTATUS[0]}
    [ "$r" -ne 0 ] && rerun_rc=$r
  done
  if [ "$other_failures" -eq 0 ] && [ "$rerun_rc" -eq 0 ]; then rc=0; else [ "$rc" -eq 0 ] && rc=1; [ "$rerun_rc" -ne 0 ] && rc=$rerun_rc; fi
else
  cat "$first" > "$log"
fi
rm -f "$first"

# .NET picks the vector width from the CPU, so a machine with AVX-512 never runs the 256-bit paths that an AVX2-only
# machine runs. DOTNET_EnableAVX512=0 turns AVX-512 off (.NET 10 ignores the older DOTNET_EnableAVX512F=0), and
# SCARLET_TEST_MAX_VECTOR_BITS makes a test fail if the knob stops working. On a CPU without AVX-512 this pass repeats
# the first one.
# The held-out gender accuracy test (40 s) is left out of this pass: its time is ONNX Runtime's, native code that the
# .NET knob does not switch, and its few managed lines run in the other recognition tests too.
for project in tests/Scarlet.Recognition.Tests tests/Scarlet.Tracking.Tests; do
  echo "== $project again with DOTNET_EnableAVX512=0 (AVX2 path)"
  DOTNET_EnableAVX512=0 SCARLET_TEST_MAX_VECTOR_BITS=256 \
    dotnet test "$project" -c Release --no-build -nologo -v q --blame "${hang[@]}" --logger "console;verbosity=minimal" \
      --filter "FullyQualifiedName!~FaceAttributeTests.Held_out_gender_accuracy" 2>&1 | tee -a "$log"
  r=${PIPESTATUS[0]}
  [ "$r" -ne 0 ] && rc=$r
done

# Three minutes of the soak benchmark (benchmarks/Scarlet.Soak): a host process with two cameras under /recognize,
# /process-frame and socket load fails when open handles or live native objects (frames, tensors) grow after the
# warm-up, or RSS passes 1 GB (healthy runs peak at 0.6-0.71 GB). No RSS slope is enforced here: in 3 minutes on a
# loaded machine the managed heap is still building up to its first full collections (healthy runs measured +160 and
# +343 MB per 10 minutes); the 25-minute run against the 1 MB per 10 minutes target is in docs/benchmarks.md.
echo "== soak, 3 minutes (benchmarks/Scarlet.Soak)"
dotnet artifacts/bin/Scarlet.Soak/release/Scarlet.Soak.dll --minutes 3 --warmup 1.5 --sample 5 \
  --max-rss-slope 1e9 --max-rss-mb 1024 --max-handle-growth 20 --max-native-growth 5 --out artifacts/soak-ci 2>&1 | tee -a "$log"
r=${PIPESTATUS[0]}
[ "$r" -ne 0 ] && rc=$r

echo "== scripts/consumer-test.sh (the packages from a folder feed)"
./scripts/consumer-test.sh 2>&1 | tee -a "$log"
r=${PIPESTATUS[0]}
[ "$r" -ne 0 ] && rc=$r

# The reports are kept (artifacts/crash/*.crashreport.json); the dumps themselves are large and go.
if compgen -G "$crash_dir/*.crashreport.json" > /dev/null; then
  python3 scripts/crash-stacks.py "$crash_dir" 2>&1 | tee -a "$log"
fi
find "$crash_dir" -name 'core.*' ! -name '*.json' -delete

awk '/^consumer-test: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
     /^soak: passed/ { p += 1 }
     /^soak: FAILED/ { f += 1 }
     # a fixture that throws while cleaning up fails the run (exit 1) with every test passed: count it, so the line agrees
     /\[Test (Collection|Class|Assembly) Cleanup Failure/ { f += 1 }
     /Test host process crashed|Test Run Aborted/ { f += 1 }
     /(Passed|Failed)!  - Failed:/ {
       gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     /^test host crashes: / { c += 1 }
     END { if (c) printf "test host crashes or hangs (rerun once): %d\n", c; printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$rc"
