#!/usr/bin/env bash
# Runs the gate's main job: the demo on the embedded default config (native-config/gate.json)
# with a simulated exchange over Aeron UDP on loopback. Extra arguments go to `crossmargin demo`.
#   ./run.sh                         10 s demo, 2,000 accounts, 50,000 inputs/s offered
#   ./run.sh --duration 30 --rate 100000 --accounts 10000
#   ./run.sh --help                  the demo's options (answers without building)
set -euo pipefail
cd "$(dirname "$0")"
for a in "$@"; do
  if [ "$a" = "--help" ] || [ "$a" = "-h" ]; then
    cat <<'USAGE'
usage: ./run.sh [demo options]     builds src/CrossMargin.Gate (Release) and runs `crossmargin demo`

demo options (crossmargin demo --help has the full text):
  --duration N      seconds of offered load (alias --seconds; default 10)
  --accounts N      simulated accounts (default 2000)
  --rate N          inputs per second offered (default 50000)
  --config FILE     gate configuration (default: native-config/gate.json, embedded)
  --journal DIR     keep the input journal in DIR (must not exist)
  --plain           plain progress lines even on a terminal
  --counters FILE   counters file for `crossmargin stat`
  --prometheus PORT Prometheus metrics on 127.0.0.1:PORT (off by default)

other tools (see README.md): crossmargin run|send|feed|stat|scenario|replay|config|help, aeron-samples
USAGE
    exit 0
  fi
done
dotnet build src/CrossMargin.Gate -c Release -v quiet -nologo
exec dotnet src/CrossMargin.Gate/bin/Release/net10.0/crossmargin.dll demo "$@"
