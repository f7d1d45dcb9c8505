# Nested NDJSON log events for measuring `eiw run` end to end
# (docs/PERFORMANCE.md): python3 bench/nested_events.py > events.ndjson
import json
for i in range(200000):
    print(json.dumps({"@timestamp": "2026-11-30T08:%02d:%02d.%03dZ" % (i//60%60, i%60, i%1000),
      "message": "10.0.%d.%d GET /api/v1/items/%d?page=%d HTTP/1.1 200 %d \"Mozilla/5.0 (X11; Linux)\"" % (i%256, i%7, i, i%13, 100+i),
      "log": {"level": "debug" if i%10==0 else "info", "logger": "access", "origin": {"file": {"line": i%400}}},
      "host": {"name": "web-%d" % (i%4), "ip": ["10.0.0.1", "fe80::1"], "os": {"family": "debian"}},
      "http": {"request": {"method": "GET", "bytes": 120+i}, "response": {"status_code": 200, "bytes": 512+i}},
      "url": {"path": "/api/v1/items/%d" % i, "query": "page=%d" % (i%13)},
      "user_agent": {"original": "Mozilla/5.0", "device": {"name": "Other"}},
      "event": {"duration": 1000*i, "ratio": 947865360.6090633 + i},
      "tags": ["web", "prod", "eu-west-1"], "service": {"name": "shop", "version": "1.4.2"}}, separators=(",", ":")))
