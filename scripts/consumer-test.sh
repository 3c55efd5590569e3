#!/usr/bin/env bash
# Consumer test: uses the Scarlet packages the way a .NET developer meets them (docs/packages.md), not through project
# references. Packs the five libraries and the template into a temporary folder feed; then, in a clean temporary folder
# whose nuget.config lists only that feed and nuget.org,
#   1. builds and runs an app made of the code blocks marked <!-- consumer-test --> in the packages' READMEs (so a
#      README that does not compile fails here): faces in a photo, enrol and recognise, a camera pipeline over the demo
#      video for ten frames, register a customer from one photo, recognise another photo of them, get the promotion,
#      score a tracker's MOTChallenge output;
#      the other C# blocks of the READMEs and docs/*.md are compiled in the same app (not run);
#   2. installs the template package, runs `dotnet new scarlet-store`, builds the app, starts it on a free 127.0.0.1
#      port and calls /register and /recognize with real photos, then stops it.
# Both builds treat warnings as errors, so the packages' missing-native-runtime warnings (SCARLET001/002) and any
# other warning fail them. Prints one line per check and ends with "consumer-test: N passed, N failed (S s)".
# Needs: the .NET SDK, curl, models (SCARLET_MODELS, models/ or ../shared/models) and ../shared/data.
# KEEP=1 keeps the temporary folder.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS
passed=0
failed=0
store_pid=""

pass() { echo "consumer: PASS $1"; passed=$((passed + 1)); }
fail() { echo "consumer: FAIL $1"; failed=$((failed + 1)); }
summary() { echo "consumer-test: $passed passed, $failed failed ($((SECONDS - start)) s)"; }
finish() { summary; [ "$failed" -eq 0 ]; exit $?; }

work=$(mktemp -d "${TMPDIR:-/tmp}/scarlet-consumer.XXXXXX")
cleanup() {
  [ -n "$store_pid" ] && kill "$store_pid" 2>/dev/null && wait "$store_pid" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "consumer: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Inputs: the same search order as ModelLocator; the research data is read in place, never copied into a package.
models=${SCARLET_MODELS:-}
[ -z "$models" ] && ls "$root"/models/*.onnx >/dev/null 2>&1 && models=$root/models
[ -z "$models" ] && models=$root/../shared/models
models=$(cd "$models" && pwd) || { fail "models found (SCARLET_MODELS, models/, ../shared/models)"; finish; }
data=$root/../shared/data
photo1=$data/faces/lfw/images/Colin_Powell/Colin_Powell_0040.jpg
photo2=$data/faces/lfw/images/Colin_Powell/Colin_Powell_0049.jpg
video=$data/video/vtest.avi
mot_gt=$data/mot15/train/TUD-Campus/gt/gt.txt
mot_tracker=$data/mot15/trackers/py-motmetrics-test/data/TUD-Campus.txt
for f in "$photo1" "$photo2" "$video" "$mot_gt" "$mot_tracker"; do
  [ -f "$f" ] || { fail "test data present ($f)"; finish; }
done

# --- Pack ------------------------------------------------------------------------------------------------------------
feed=$work/feed
if dotnet pack Scarlet.Packages.slnf -c Release -o "$feed" -nologo -v q >"$work/pack.log" 2>&1; then
  pass "pack: 5 libraries + template"
else
  cat "$work/pack.log"; fail "pack: 5 libraries + template"; finish
fi
nupkg=$(ls "$feed"/Scarlet.Retail.*.nupkg)
version=${nupkg##*/Scarlet.Retail.}
version=${version%.nupkg}
echo "consumer: version $version"

# Every library has symbols; no package carries a model, a video or a photo.
bad=""
for id in Scarlet.Vision Scarlet.Recognition Scarlet.Tracking Scarlet.Retail Scarlet.Evaluation; do
  [ -f "$feed/$id.$version.snupkg" ] || bad="$bad $id.snupkg-missing"
done
for p in "$feed"/*.nupkg "$feed"/*.snupkg; do
  unzip -Z1 "$p" | grep -qiE '\.(onnx|avi|mp4|jpe?g|png|db)$' && bad="$bad $(basename "$p")-has-data"
done
if [ -z "$bad" ]; then pass "packages: symbols present, no models or data"; else fail "packages:$bad"; fi

# The versions the libraries were built against, for the application's native runtime packages.
central() { sed -n "s/.*PackageVersion Include=\"$1\" Version=\"\([^\"]*\)\".*/\1/p" Directory.Packages.props; }
opencv_version=$(central OpenCvSharp4)
onnx_version=$(central Microsoft.ML.OnnxRuntime)
extensions_version=$(sed -n 's/.*<MicrosoftExtensionsVersion>\([^<]*\)<.*/\1/p' Directory.Packages.props)

# A clean consumer: only the folder feed (for Scarlet.*) and nuget.org. A fresh packages folder, so a package of the
# same version packed earlier (uncommitted changes keep the version) is never taken from a cache; the machine's cache
# is a read-only fallback so third-party packages need not be downloaded again.
export NUGET_PACKAGES=$work/packages
cat >"$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="scarlet-local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="scarlet-local"><package pattern="Scarlet.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
  <fallbackPackageFolders>
    <add key="machine-cache" value="$HOME/.nuget/packages" />
  </fallbackPackageFolders>
</configuration>
EOF

# --- 1. The README app -------------------------------------------------------------------------------------------------
app=$work/ReadmeApp
mkdir -p "$app"
cat >"$app/ReadmeApp.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
    <InvariantGlobalization>true</InvariantGlobalization>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Scarlet.Retail" Version="$version" />
    <PackageReference Include="Scarlet.Evaluation" Version="$version" />
    <PackageReference Include="OpenCvSharp4.official.runtime.linux-x64" Version="$opencv_version" />
    <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="$onnx_version" />
    <!-- A console app brings the container and logging itself (the packages need only their abstractions). -->
    <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="$extensions_version" />
    <PackageReference Include="Microsoft.Extensions.Logging" Version="$extensions_version" />
  </ItemGroup>
</Project>
EOF

# Each marked block is a complete top-level program; it becomes a method of its own class (its using directives stay
# at the top of the file) so that one app runs them all, in dependency order.
program="// Generated by scripts/consumer-test.sh from the package READMEs."$'\n'
blocks=0
for pkg in Scarlet.Vision Scarlet.Recognition Scarlet.Tracking Scarlet.Retail Scarlet.Evaluation Scarlet; do
  cls=Readme_${pkg//./_}
  readme=src/$pkg/README.md
  [ "$pkg" = Scarlet ] && readme=README.md   # the repository README's "Using the packages"
  n=$(awk -v dir="$app" -v cls="$cls" '
    /^<!-- consumer-test[ :>-]/ { armed = 1; next }
    armed && /^```csharp/ { armed = 0; inside = 1; n++; usings = ""; body = ""; started = 0; next }
    inside && /^```/ {
      inside = 0
      out = dir "/" cls "_" n ".cs"
      printf "%s\ninternal static class %s_%d\n{\n    public static async Task RunAsync()\n    {\n%s        await Task.CompletedTask;\n    }\n}\n", usings, cls, n, body > out
      close(out)
      next
    }
    inside && !started && /^using [A-Za-z0-9_.]+;$/ { usings = usings $0 "\n"; next }
    inside && !started && /^$/ { next }
    inside { started = 1; body = body "        " $0 "\n" }
    END { print n + 0 }' "$readme")
  if [ "$n" -lt 1 ]; then
    fail "$pkg README has a <!-- consumer-test --> csharp block"
  fi
  for i in $(seq 1 "$n"); do
    program+="Console.WriteLine(\"== $pkg README, block $i\");"$'\n'"await ${cls}_$i.RunAsync();"$'\n'
    blocks=$((blocks + 1))
  done
done
printf '%s' "$program" >"$app/Program.cs"

# Every other C# block of the docs and READMEs is compiled too (not run: they name cameras, databases and Redis
# servers), each as a method of its own class in the same app, so a snippet that no longer compiles fails the build
# below. A block that is deliberately a fragment is preceded by a line "<!-- doc-snippet: skip (why) -->".
doc_blocks=0
for readme in README.md src/*/README.md samples/*/README.md docs/*.md docs/*/*.md; do
  [ -f "$readme" ] || continue
  cls=Doc_$(echo "${readme%.md}" | tr -c 'A-Za-z0-9\n' '_')
  n=$(awk -v dir="$app" -v cls="$cls" '
    /^<!-- (consumer-test|doc-snippet: skip)/ { skip = 1; next }
    !inside && /^ *```(csharp|cs)$/ {
      inside = 1; indent = index($0, "`") - 1
      if (skip) { skip = 0; skipping = 1; next }
      n++; usings = ""; body = ""; started = 0; next
    }
    inside && /^ *```$/ {
      inside = 0
      if (skipping) { skipping = 0; next }
      out = dir "/" cls "_" n ".cs"
      printf "// From %s, C# block %d.\n%s\ninternal static class %s_%d\n{\n    public static async Task CompileOnlyAsync()\n    {\n%s        await Task.CompletedTask;\n    }\n}\n", FILENAME, n, usings, cls, n, body > out
      close(out)
      next
    }
    inside && skipping { next }
    inside {
      line = substr($0, indent + 1)
      if (!started && line ~ /^using [A-Za-z0-9_.]+;$/) { usings = usings line "\n"; next }
      if (!started && line ~ /^$/) { next }
      started = 1; body = body "        " line "\n"
    }
    END { print n + 0 }' "$readme")
  doc_blocks=$((doc_blocks + n))
done

ln -s "$models" "$app/models"
cp "$photo1" "$app/customer.jpg"
cp "$photo1" "$app/photo.jpg"
cp "$photo2" "$app/customer-at-the-door.jpg"
ln -s "$video" "$app/entrance.avi"
ln -s "$mot_gt" "$app/gt.txt"
ln -s "$mot_tracker" "$app/tracker.txt"

if (cd "$app" && dotnet build -c Release -nologo -v q >"$work/readme-build.log" 2>&1); then
  pass "README app ($blocks blocks) and the docs' other C# blocks ($doc_blocks) build from the packages, no warnings"
  if (cd "$app" && timeout 180 dotnet bin/Release/net10.0/ReadmeApp.dll >"$work/readme-run.log" 2>&1); then
    pass "README app runs"
  else
    fail "README app runs"
  fi
  out=$work/readme-run.log
  grep -qE '^face .* score 0\.[0-9]+' "$out" && pass "Vision README: a face in the photo" || fail "Vision README: a face in the photo"
  grep -q '^recognition: Matched customer-42' "$out" && pass "Recognition README: the enrolled face recognised" || fail "Recognition README: the enrolled face recognised"
  [ "$(grep -c '^camera entrance frame' "$out")" -ge 10 ] && pass "Tracking README: ten camera frames" || fail "Tracking README: ten camera frames"
  grep -q '^recognition: Matched Ada Lovelace' "$out" && grep -q '^promotion: Welcome back' "$out" \
    && pass "Retail README: registered, recognised, promotion" || fail "Retail README: registered, recognised, promotion"
  grep -qE '^mot: MOTA [0-9.-]+ ?% IDF1 [0-9.]+ ?% HOTA [0-9.]+ ?%' "$out" && pass "Evaluation README: MOT metrics" || fail "Evaluation README: MOT metrics"
  sed 's/^/  | /' "$out" | head -40
else
  grep -E 'error|warning' "$work/readme-build.log" | sort -u | head -30
  fail "README app ($blocks blocks) and the docs' other C# blocks ($doc_blocks) build from the packages, no warnings"
fi

# The build warning for an application without the native runtimes (SCARLET001/002): restore and resolve only.
bare=$work/NoNativeRuntimes
mkdir -p "$bare"
cat >"$bare/NoNativeRuntimes.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Scarlet.Vision" Version="$version" />
  </ItemGroup>
</Project>
EOF
(cd "$bare" && dotnet msbuild -restore -t:ResolvePackageAssets -nologo -v q >"$work/bare.log" 2>&1)
if grep -q 'warning SCARLET001' "$work/bare.log" && grep -q 'warning SCARLET002' "$work/bare.log"; then
  pass "an app without native runtimes is warned (SCARLET001, SCARLET002)"
else
  cat "$work/bare.log"; fail "an app without native runtimes is warned (SCARLET001, SCARLET002)"
fi

# --- 2. The template -------------------------------------------------------------------------------------------------
hive=$work/template-hive   # a private template store: the user's installed templates are left alone
store=$work/MyStore
if dotnet new install "$feed/Scarlet.Templates.$version.nupkg" --debug:custom-hive "$hive" >"$work/template.log" 2>&1 \
  && (cd "$work" && dotnet new scarlet-store -n MyStore -o MyStore --debug:custom-hive "$hive" >>"$work/template.log" 2>&1); then
  pass "template: dotnet new scarlet-store"
else
  cat "$work/template.log"; fail "template: dotnet new scarlet-store"; finish
fi

if (cd "$store" && dotnet build -c Release -nologo -v q >"$work/store-build.log" 2>&1); then
  pass "template app builds, no warnings"
else
  grep -E 'error|warning' "$work/store-build.log" | sort -u | head -30
  fail "template app builds, no warnings"; finish
fi

# Port 0: Kestrel takes a free port and logs it.
(cd "$store" && exec env ASPNETCORE_URLS=http://127.0.0.1:0 \
  Scarlet__Vision__Models__ModelsDirectory="$models" Scarlet__Vision__Models__AllowDownload=false \
  Scarlet__Camera__Source="$video" \
  dotnet bin/Release/net10.0/MyStore.dll) >"$work/store.log" 2>&1 &
store_pid=$!
url=""
for _ in $(seq 1 120); do
  url=$(sed -n 's/.*Now listening on: \(http:[^ ]*\).*/\1/p' "$work/store.log" | head -1)
  [ -n "$url" ] && break
  kill -0 "$store_pid" 2>/dev/null || break
  sleep 0.5
done
if [ -n "$url" ]; then
  pass "template app starts ($url)"
else
  cat "$work/store.log"; fail "template app starts"; finish
fi

# The template generated the app's API key into its appsettings.json; every endpoint needs it.
key=$(grep -o '"ApiKey": "[^"]*"' "$work/MyStore/appsettings.json" | cut -d'"' -f4)
post() { # path body-file -> prints the response body; fails unless HTTP 200
  local code
  code=$(curl -sS -m 60 -o "$work/response" -w '%{http_code}' -H "X-Api-Key: $key" -H 'Content-Type: application/json' --data-binary "@$2" "$url$1") || return 1
  cat "$work/response"; echo
  [ "$code" = 200 ]
}
printf '{"name":"Ada Lovelace","email":"ada@example.com","face_image_b64":"%s"}' "$(base64 -w0 "$photo1")" >"$work/register.json"
printf '{"face_image_b64":"%s","zone":"entrance"}' "$(base64 -w0 "$photo2")" >"$work/recognize.json"
anon=$(curl -sS -m 60 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$work/register.json" "$url/register")
[ "${#key}" -ge 32 ] && [ "$anon" = 401 ] && pass "template app: generated API key, 401 without it" || fail "template app: generated API key, 401 without it (key length ${#key}, status $anon)"
if reg=$(post /register "$work/register.json") && grep -q '"customer_id"' <<<"$reg"; then
  pass "template app: POST /register"
else
  echo "$reg"; fail "template app: POST /register"
fi
if rec=$(post /recognize "$work/recognize.json") && grep -q '"status":"MATCHED"' <<<"$rec" && grep -q '"name":"Ada Lovelace"' <<<"$rec" \
  && grep -q '"title":"Welcome: 10% off' <<<"$rec"; then
  pass "template app: POST /recognize matches, with the welcome promotion"
else
  echo "$rec"; fail "template app: POST /recognize matches, with the welcome promotion"
fi
echo "  | register: $(cut -c1-200 <<<"$reg")"
echo "  | recognize: $(cut -c1-300 <<<"$rec")"
cam=$(curl -sS -m 10 -H "X-Api-Key: $key" "$url/camera")
grep -q '"camera_id":"entrance"' <<<"$cam" && pass "template app: GET /camera shows the configured camera" || fail "template app: GET /camera shows the configured camera"
echo "  | camera: $(cut -c1-200 <<<"$cam")"

kill "$store_pid" 2>/dev/null
wait "$store_pid" 2>/dev/null
store_pid=""
finish
