#!/usr/bin/env bash
# Measures the gate's memory under a hostile SETUP flood on loopback (issue 10, bounded resources).
# Starts `crossmargin run` on the default configuration (its aeron.limits: 16 MiB terms, 4 images per
# stream, 256 MiB of images), then sends SETUPs from one raw UDP socket to market data and order flow:
# one per session id, term lengths cycling 1 GiB / 256 MiB / 16 MiB / 64 KiB, for SECONDS (default 30,
# longer than the 10 s image liveness so hostile images time out and are replaced). Samples the gate's
# RSS every 100 ms and prints idle RSS, peak RSS (VmHWM) and SETUPs sent.
# Usage: fuzz/setup-flood.sh [SECONDS]      (binds 127.0.0.1:40456-40458 like the default config)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
command -v python3 >/dev/null || { echo "setup-flood: python3 is needed for the sender" >&2; exit 2; }
dotnet build src/CrossMargin.Gate -c Release -v quiet -nologo >/dev/null
dotnet src/CrossMargin.Gate/bin/Release/net10.0/crossmargin.dll run --seconds $((seconds + 15)) > /tmp/setup-flood-gate.log 2>&1 &
gate=$!
trap 'kill $gate 2>/dev/null || true' EXIT
# Idle RSS once the gate is up (engine, rings and its own images allocated), not while it is still starting.
for _ in $(seq 1 600); do grep -q "gate running" /tmp/setup-flood-gate.log 2>/dev/null && break; sleep 0.1; done
sleep 2
rss() { awk '/^VmRSS/ { print $2 }' /proc/$gate/status; }
idle=$(rss)
python3 - "$seconds" <<'PY' &
import socket, struct, sys, time
seconds = float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
targets = [(("127.0.0.1", 40456), 1001), (("127.0.0.1", 40457), 1002)]
terms = [1 << 30, 256 << 20, 16 << 20, 64 << 10]
end = time.time() + seconds
session = 1000
sent = 0
while time.time() < end:
    for _ in range(200):
        session += 1
        for addr, stream in targets:
            # SETUP: frame_length, version 0, flags 0, type 5; term_offset, session, stream, initial/active term, term length, mtu, ttl
            frame = struct.pack("<iBBhiiiiiiii", 40, 0, 0, 5, 0, session, stream, 0, 0, terms[session % 4], 1408, 0)
            s.sendto(frame, addr)
            sent += 1
    time.sleep(0.002)
print(f"setups sent: {sent}", flush=True)
PY
sender=$!
peak=0
while kill -0 $sender 2>/dev/null; do
  r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
  sleep 0.1
done
hwm=$(awk '/^VmHWM/ { print $2 }' /proc/$gate/status)
alive=yes; kill -0 $gate 2>/dev/null || alive=no
echo "idle RSS: $((idle / 1024)) MiB; peak RSS during the flood: $((peak / 1024)) MiB; VmHWM: $((hwm / 1024)) MiB; gate alive: $alive"
echo "configured image bound (maxTermMemoryMiB): 256 MiB"
kill -INT $gate 2>/dev/null || true
wait $gate 2>/dev/null || true
grep -E "failed|Exception" /tmp/setup-flood-gate.log && exit 1 || true
