#!/usr/bin/env python3
"""Messages per second and CPU per message through syslog-ng, by parser
(docs/PERFORMANCE.md): none, syslog-ng's own rewrite doing a W1-like
change, and the eiw parser with passthrough and with the W1 module. Every
configuration parses the same ~550-byte nested JSON payloads (json-parser)
and writes JSON lines to a file. Run by `make bench-syslog-ng` (needs
`make syslog-ng wasm`).

usage: syslog_ng.py MODULE_PATH WASM_DIR [MESSAGES]
(MODULE_PATH: the module's directory, a colon, syslog-ng's own)"""
import json, os, socket, subprocess, sys, tempfile, time

modules, wasm = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
tick = os.sysconf("SC_CLK_TCK")

def payload(i):
    return json.dumps({"message": "10.0.%d.%d GET /api/v1/items/%d?page=%d HTTP/1.1 200 %d \"Mozilla/5.0 (X11; Linux)\"" % (i % 256, i % 7, i, i % 13, 100 + i),
        "log": {"level": "debug" if i % 10 == 0 else "info", "logger": "access", "origin": {"file": {"line": i % 400}}},
        "host": {"name": "web-%d" % (i % 4), "os": {"family": "debian"}},
        "http": {"request": {"method": "GET", "bytes": 120 + i}, "response": {"status_code": 200, "bytes": 512 + i}},
        "url": {"path": "/api/v1/items/%d" % i, "query": "page=%d" % (i % 13)},
        "user_agent": {"original": "Mozilla/5.0", "device": {"name": "Other"}},
        "event": {"duration": 1000 * i}, "service": {"name": "shop", "version": "1.4.2"}}, separators=(",", ":"))

lines = b"".join(("<13>Dec  1 05:00:00 web-1 app[42]: %s\n" % payload(i)).encode() for i in range(count))

w1_config = os.path.join(tempfile.gettempdir(), "eiw-bench-w1.json")
with open(w1_config, "w") as f:
    f.write('{"field": "labels.env", "value": "bench"}')

eiw = 'parser { eiw(option("module" "%s/%%s.wasm") %%s); };' % wasm
rows_all = [
    ("no parser", ""),
    ("syslog-ng rewrite: set, set, rename (W1-like)",
     'rewrite { set("bench" value("labels.env")); set("${ISODATE}" value("event.ingested")); '
     'rename("message" "event.original"); };'),
    ("eiw parser, passthrough", eiw % ("passthrough", "")),
    ("eiw parser, W1 transform", eiw % ("w1_transform", 'option("config" "%s")' % w1_config)),
]

def cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def run(parsers):
    d = tempfile.mkdtemp(prefix="eiw-sng-bench-")
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    out = os.path.join(d, "out.log")
    with open(os.path.join(d, "c.conf"), "w") as f:
        f.write('@version: 3.38\noptions { stats_freq(0); };\n'
                'source s { network(ip("127.0.0.1") port(%d) transport("tcp") log_iw_size(100000)); };\n'
                'destination o { file("%s" template("$(format-json --scope nv-pairs --exclude HOST_FROM --exclude SOURCE)\\n")); };\n'
                'log { source(s); parser { json-parser(prefix("")); }; %s destination(o); flags(flow-control); };\n' % (port, out, parsers))
    daemon = subprocess.Popen(["syslog-ng", "-F", "-f", os.path.join(d, "c.conf"),
        "--module-path=" + modules, "--persist-file=" + os.path.join(d, "p"),
        "--pidfile=" + os.path.join(d, "pid"), "--control=" + os.path.join(d, "ctl")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                c = socket.create_connection(("127.0.0.1", port)); break
            except OSError:
                time.sleep(0.02)
        time.sleep(0.3)
        cpu0, t0 = cpu(daemon.pid), time.time()
        c.sendall(lines); c.close()
        while True:
            try:
                with open(out, "rb") as f:
                    n = f.read().count(b"\n")
            except FileNotFoundError:
                n = 0
            if n >= count:
                break
            time.sleep(0.05)
        return count / (time.time() - t0), (cpu(daemon.pid) - cpu0) * 1e6 / count
    finally:
        daemon.kill(); daemon.wait()
        subprocess.run(["rm", "-rf", d])

print("| parser | messages/s | CPU µs per message | CPU over no parser |")
print("|---|---:|---:|---:|")
rows = [r for r in rows_all if os.environ.get("EIW_SNG_ONLY", "") in r[0]]
results = [(name, run(p)) for name, p in rows]
base = results[0][1][1]
for name, (rate, us) in results:
    print("| %s | %.0f | %.1f | %+.1f |" % (name, rate, us, us - base))
