#!/usr/bin/env bash
# Runs the gate's main job: the demo on the embedded default config (native-config/gate.json)
# with a simulated exchange over Aeron UDP on loopback. Extra arguments go to `crossmargin demo`.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build src/CrossMargin.Gate -c Release -v quiet -nologo
exec dotnet src/CrossMargin.Gate/bin/Release/net10.0/crossmargin.dll demo "$@"
