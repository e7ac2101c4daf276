#!/usr/bin/env bash
# Runs the default test suite (everything except the [Trait("Category","Slow")] tests).
# Usage: ./test.sh            default run (CI)
#        ./test.sh --slow     also the slow tests (100k-account cascade, long stress)
set -euo pipefail
cd "$(dirname "$0")"
# Debian tools the transport tests use (network namespaces for multicast). Installed here,
# never by hand, so a fresh machine needs nothing else; absent tools make those tests skip.
if ! command -v ip >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2) >/dev/null 2>&1 \
    || echo "test.sh: could not install iproute2; namespace tests will report themselves skipped" >&2
fi
filter="Category!=Slow"
[ "${1:-}" = "--slow" ] && filter=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test CrossMargin.sln -c Release ${filter:+--filter "$filter"} --logger "console;verbosity=normal" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One closing line over all test projects, in the plain form CI reads.
sum() { grep -E "^\s+$1: +[0-9]+" "$log" | awk '{ s += $2 } END { print s + 0 }'; }
# Failures again at the very end, with their messages: CI keeps only the tail of the output.
if grep -qE "^\s+Failed [A-Za-z]" "$log"; then
  echo "---- failed tests ----"
  awk '/^[ \t]+Failed [A-Za-z]/ { n = 25 } n > 0 { print; n-- }' "$log" | cut -c1-400
  echo "----------------------"
fi
echo "tests: $(sum Passed) passed, $(sum Failed) failed, $(sum Skipped) skipped"
exit "$rc"
