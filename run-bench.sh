#!/usr/bin/env bash
# The benchmark a quant can run: every layer, its peers and the machine's limits in one run.
# Usage: ./run-bench.sh            full run (under 30 minutes on 2 cores)
#        ./run-bench.sh --quick    short run (under 5 minutes): same measurements, fewer repetitions
# Writes perf/results/<UTC timestamp>/: summary.md, summary.json, plots (*.png), fragments/ (one JSON per
# measurement), bdn/ (raw BenchmarkDotNet reports), logs/; prints summary.md. See perf/results/README.md.
set -uo pipefail
cd "$(dirname "$0")"

mode=full
quick=()
case "${1:-}" in
  --quick) mode=quick; quick=(--quick) ;;
  "") ;;
  *) echo "usage: ./run-bench.sh [--quick]" >&2; exit 2 ;;
esac

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="perf/results/$stamp"
mkdir -p "$out/fragments" "$out/bdn" "$out/logs"
cores=$(nproc)
load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo NaN; }
busy() { awk -v l="$1" -v c="$cores" 'BEGIN { exit !(l > c / 2) }'; }
warnings=()
warn() { echo "run-bench: WARNING: $*" >&2; warnings+=("$*"); }

load_before=$(load)
echo "run-bench: $mode run into $out; $cores cores; load average before: $load_before"
busy "$load_before" && warn "machine busy before the run (load $load_before > $cores/2): figures will be pessimistic, tails especially"

# The Java peer: Debian's LMAX Disruptor and a JDK, installed here (never by hand) when missing.
if [ ! -f /usr/share/java/disruptor.jar ] || ! command -v javac >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "run-bench: installing libdisruptor-java and a JDK (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libdisruptor-java default-jdk-headless) >"$out/logs/apt.log" 2>&1 \
      || warn "apt-get could not install libdisruptor-java/default-jdk-headless (see $out/logs/apt.log)"
  else
    warn "libdisruptor-java or javac missing and cannot install (not root or no apt-get): the LMAX peer is skipped"
  fi
fi

echo "run-bench: building perf/CrossMargin.Bench (Release)"
if ! dotnet build perf/CrossMargin.Bench/CrossMargin.Bench.csproj -c Release -nologo -v q >"$out/logs/build.log" 2>&1; then
  tail -20 "$out/logs/build.log" >&2
  echo "run-bench: build failed" >&2
  exit 1
fi
bench=(dotnet perf/CrossMargin.Bench/bin/Release/net10.0/CrossMargin.Bench.dll)

# One measurement per process, in turn (never two at once on 2 cores). A failed part is reported
# and its keys stay null in summary.json; the rest of the run goes on.
step() {
  local name=$1 limit=$2; shift 2
  echo "run-bench: [$name]"
  local rc
  if [ "${QUIET_STEP:-}" = 1 ]; then
    timeout "$limit" "$@" >"$out/logs/$name.log" 2>&1
    rc=$?
  else
    timeout "$limit" "$@" 2>&1 | tee "$out/logs/$name.log"
    rc=${PIPESTATUS[0]}
  fi
  [ "$rc" = 0 ] || warn "$name failed (exit $rc; 124 = timed out after $limit s): see $out/logs/$name.log"
}
big=$([ "$mode" = quick ] && echo 240 || echo 900)
step limits "$big" "${bench[@]}" limits "${quick[@]}" --out "$out/fragments"
step ring "$big" "${bench[@]}" ring "${quick[@]}" --out "$out/fragments"
if [ -f /usr/share/java/disruptor.jar ] && command -v javac >/dev/null 2>&1; then
  mkdir -p "$out/peers"
  if javac -d "$out/peers" -cp /usr/share/java/disruptor.jar perf/peers/disruptor/DisruptorPeer.java >"$out/logs/javac.log" 2>&1; then
    peer_version=$(dpkg-query -W -f='${Version}' libdisruptor-java 2>/dev/null || echo unknown)
    step lmax "$big" java "-Dpeer.version=$peer_version (Debian libdisruptor-java)" -cp "/usr/share/java/disruptor.jar:$out/peers" DisruptorPeer "$out/fragments/lmax.json" "${quick[@]}"
  else
    warn "javac failed on perf/peers/disruptor/DisruptorPeer.java (see $out/logs/javac.log)"
  fi
fi
step udp "$big" "${bench[@]}" udp "${quick[@]}" --out "$out/fragments"
step engine "$big" "${bench[@]}" engine "${quick[@]}" --out "$out/fragments"
step inproc "$big" "${bench[@]}" inproc "${quick[@]}" --out "$out/fragments"
step e2e "$big" "${bench[@]}" e2e "${quick[@]}" --out "$out/fragments"
# BenchmarkDotNet suites (in-process toolchain; CROSSMARGIN_BENCH_QUICK shortens the job).
[ "$mode" = quick ] && export CROSSMARGIN_BENCH_QUICK=1
# Its progress is verbose: into the log; the result tables are printed.
QUIET_STEP=1 step bdn "$big" "${bench[@]}" bdn "$out/bdn" --filter '*'
unset CROSSMARGIN_BENCH_QUICK
cat "$out"/bdn/results/*-report-github.md 2>/dev/null | grep '^|' || warn "no BenchmarkDotNet report"

# Full runs: the raw revaluation kernel alone (internal to CrossMargin.Core, so measured by the Core
# benchmarks' own BenchmarkDotNet suite, run as a subprocess) for its SIMD/scalar ratio.
if [ "$mode" = full ]; then
  core=perf/CrossMargin.Core.Benchmarks
  QUIET_STEP=1 step kernel "$big" dotnet run -c Release --project "$core" -- bdn KernelBenchmarks
  csv=$(ls -t "$core"/bin/Release/net10.0/BenchmarkDotNet.Artifacts/results/*KernelBenchmarks-report.csv 2>/dev/null | head -1)
  if [ -n "$csv" ]; then
    mkdir -p "$out/bdn/core" && cp "$(dirname "$csv")"/*KernelBenchmarks-report* "$out/bdn/core/"
    "${bench[@]}" kernel-import "$csv" "$out/fragments" || warn "could not read $csv"
  else
    warn "no KernelBenchmarks report from $core (see $out/logs/kernel.log)"
  fi
fi

load_after=$(load)
busy "$load_after" && warn "machine busy after the run (load $load_after > $cores/2)"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
"${bench[@]}" report "$out" "$mode" "$load_before" "$load_after" "$commit" || { echo "run-bench: report failed" >&2; exit 1; }
echo
cat "$out/summary.md"
echo
for w in "${warnings[@]}"; do echo "run-bench: WARNING: $w"; done
echo "run-bench: results in $out (summary.md, summary.json, *.png, bdn/, logs/); load average before $load_before, after $load_after"
