#!/usr/bin/env bash
# Coverage-guided fuzzing of the trust-boundary parsers with afl++ and SharpFuzz (issue 10).
# Installs what it needs itself: afl++ from Debian (apt-get) and SharpFuzz's instrumenter as a local
# dotnet tool (fuzz/.tools). Builds fuzz/CrossMargin.Fuzz, instruments the project's assemblies, writes a
# seed corpus per target (valid messages / streams / config / scenarios / journals from the FsCheck
# generators), runs afl-fuzz for SECONDS per target, replays every crash it saved, and prints executions,
# paths and crashes per target (also in fuzz/.work/summary.txt).
# Usage: fuzz/run-afl.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
# Targets: input output snapshot input-error aeron-receive aeron-control config scenario journal
# Exit code 1 when any target saved a crash (each is then replayed with its exception printed).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(input output snapshot input-error aeron-receive aeron-control config scenario journal)

if ! command -v afl-fuzz >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "run-afl: afl-fuzz missing; run as root (apt-get install afl++)" >&2; exit 2; }
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++) >/dev/null
fi
tools=fuzz/.tools
[ -x "$tools/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null

work=fuzz/.work
bin="$work/bin"          # plain build: writes seeds, replays crashes (instrumented code needs afl's shared memory)
afl="$work/bin-afl"      # instrumented copy that afl-fuzz runs
rm -rf "$bin" "$afl"
dotnet build fuzz/CrossMargin.Fuzz -c Release -v quiet -nologo -o "$bin" >/dev/null
cp -r "$bin" "$afl"
# Instrument the code under test (not the harness, FsCheck or SharpFuzz): afl++ sees its branch coverage.
for dll in CrossMargin.Messages.dll CrossMargin.Aeron.dll CrossMargin.Core.dll crossmargin.dll; do
  "$tools/sharpfuzz" "$afl/$dll" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
       AFL_FORKSRV_INIT_TMOUT=60000 AFL_FAST_CAL=1
summary="$work/summary.txt"
printf "%-14s %12s %10s %8s %8s %6s\n" target execs execs/s paths crashes hangs > "$summary"
status=0
for t in "${targets[@]}"; do
  rm -rf "$work/$t"
  dotnet "$bin/CrossMargin.Fuzz.dll" seeds "$t" "$work/$t/in" 16 >/dev/null
  afl-fuzz -i "$work/$t/in" -o "$work/$t/out" -V "$seconds" -t 5000 -m none -- dotnet "$afl/CrossMargin.Fuzz.dll" "$t" > "$work/$t/afl.log" 2>&1 || true
  stats="$work/$t/out/default/fuzzer_stats"
  get() { awk -F: -v k="$1" '$1 ~ "^"k" *$" { gsub(/ /, "", $2); print $2 }' "$stats"; }
  if [ ! -f "$stats" ]; then echo "run-afl: $t did not start; see $work/$t/afl.log" >&2; tail -5 "$work/$t/afl.log" >&2; status=1; continue; fi
  crashes=$(get saved_crashes); crashes=${crashes:-$(get unique_crashes)}
  hangs=$(get saved_hangs); hangs=${hangs:-$(get unique_hangs)}
  printf "%-14s %12s %10s %8s %8s %6s\n" "$t" "$(get execs_done)" "$(get execs_per_sec)" "$(get corpus_count)" "$crashes" "$hangs" >> "$summary"
  if ls "$work/$t/out/default/crashes"/id* >/dev/null 2>&1; then
    status=1
    dotnet "$bin/CrossMargin.Fuzz.dll" replay "$t" "$work/$t/out/default/crashes"/id* | head -40 || true
  fi
done
cat "$summary"
exit $status
