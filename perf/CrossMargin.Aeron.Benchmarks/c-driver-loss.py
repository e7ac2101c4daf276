#!/usr/bin/env python3
"""Loss repair against the real Aeron C driver (by hand, never in CI; needs /tmp/aeron-build from
/work/shared/tools/build-aeron.sh). A receiving aeronmd drops 5 % of incoming DATA frames (its loss
interceptor); a C basic_subscriber on it timestamps every message. The same 2000 x 32 B are sent
(a) by the C streaming_publisher through a second aeronmd, (b) by this project's embedded driver
(`CrossMargin.Aeron.Benchmarks loss-send`). Reported: first-to-last message time at the subscriber.
Usage: c-driver-loss.py [trials] [messages]"""
import os, re, subprocess, sys, time, shutil, threading, statistics

B = "/tmp/aeron-build/binaries"
HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "bin/Release/net10.0/CrossMargin.Aeron.Benchmarks.dll")
trials = int(sys.argv[1]) if len(sys.argv) > 1 else 5
messages = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
port = 40555
channel = f"aeron:udp?endpoint=127.0.0.1:{port}"
rdir, pdir = "/dev/shm/cm-aeron-r", "/dev/shm/cm-aeron-p"
for d in (rdir, pdir): shutil.rmtree(d, ignore_errors=True)

env_r = dict(os.environ, AERON_DIR=rdir, AERON_UDP_CHANNEL_INCOMING_INTERCEPTORS="loss",
             AERON_UDP_CHANNEL_TRANSPORT_BINDINGS_LOSS_ARGS="rate=0.05|seed=7|recv-msg-mask=0x2")
env_p = dict(os.environ, AERON_DIR=pdir)
drv_r = subprocess.Popen([f"{B}/aeronmd"], env=env_r, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
drv_p = subprocess.Popen([f"{B}/aeronmd"], env=env_p, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.5)
sub = subprocess.Popen(["stdbuf", "-oL", f"{B}/basic_subscriber", "-p", rdir, "-c", channel, "-s", "1001"],
                       stdout=subprocess.PIPE, text=True, errors="replace", bufsize=1)
sessions = {}  # session -> [first_time, last_time, count]
lock = threading.Lock()
pat = re.compile(r"from session (-?\d+)")
def reader():
    for line in sub.stdout:
        m = pat.search(line)
        if not m: continue
        now = time.monotonic()
        with lock:
            s = sessions.setdefault(m.group(1), [now, now, 0])
            s[1] = now; s[2] += 1
threading.Thread(target=reader, daemon=True).start()
time.sleep(1.0)

def wait_new_session(before, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with lock:
            done = [k for k, v in sessions.items() if k not in before and v[2] >= messages]
        if done: return sessions[done[0]]
        time.sleep(0.01)
    with lock:
        new = [v for k, v in sessions.items() if k not in before]
    return new[0] if new else None

results = {"C streaming_publisher": [], "CrossMargin embedded driver": []}
for t in range(trials):
    for name in results:
        with lock: before = set(sessions)
        if name.startswith("C "):
            p = subprocess.Popen([f"{B}/streaming_publisher", "-p", pdir, "-c", channel, "-s", "1001", "-m", str(messages), "-L", "32", "-l", "2"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            p = subprocess.Popen(["dotnet", BENCH, "loss-send", channel, "1001", str(messages), "32"], stdout=subprocess.PIPE, text=True)
        s = wait_new_session(before)
        try:
            out = p.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            p.kill(); out = p.communicate()[0]
        if s is None or s[2] < messages:
            print(f"{name}: incomplete ({s[2] if s else 0}/{messages})"); continue
        ms = (s[1] - s[0]) * 1000
        results[name].append(ms)
        print(f"trial {t + 1}: {name}: {ms:.1f} ms first-to-last at the subscriber" + (f"  [{out.strip()}]" if out else ""), flush=True)
        time.sleep(0.5)

for name, v in results.items():
    if v: print(f"{name}: median {statistics.median(v):.1f} ms over {len(v)} trials (min {min(v):.1f}, max {max(v):.1f})")
a, b = results["CrossMargin embedded driver"], results["C streaming_publisher"]
if a and b: print(f"ratio CrossMargin / C sender (medians): {statistics.median(a) / statistics.median(b):.2f}")
for p in (sub, drv_p, drv_r): p.terminate()
for d in (rdir, pdir): shutil.rmtree(d, ignore_errors=True)
