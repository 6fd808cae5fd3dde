#!/usr/bin/env python3
"""console_poll.py BASE USER PASSWORD SECONDS INTERVAL: log in to the sipd console and GET
/api/dashboard every INTERVAL seconds (0: back to back, one keep-alive connection) for SECONDS;
prints requests, requests/s and latency p50/p99/max in ms."""
import http.client, re, sys, time, urllib.parse

base, user, pw, secs, interval = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
host = urllib.parse.urlparse(base).netloc
c = http.client.HTTPConnection(host, timeout=10)
c.request("GET", "/api/pre")
r = c.getresponse(); r.read()
pre = re.search(r"sipd_pre=([A-Za-z0-9]+)", r.getheader("Set-Cookie")).group(1)
body = urllib.parse.urlencode({"name": user, "password": pw})
c.request("POST", "/api/login", body, {"Content-Type": "application/x-www-form-urlencoded",
          "X-CSRF-Token": pre, "Cookie": "sipd_pre=" + pre})
r = c.getresponse(); r.read()
sess = re.search(r"sipd_session=([A-Za-z0-9]+)", r.getheader("Set-Cookie")).group(1)
print("ready", flush=True)	# logged in: the password check (scrypt, ~0.1 s of sipd CPU) is over
lat, end = [], time.time() + secs
while time.time() < end:
    t0 = time.perf_counter()
    c.request("GET", "/api/dashboard", headers={"Cookie": "sipd_session=" + sess})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
    lat.append((time.perf_counter() - t0) * 1000)
    if interval > 0:
        time.sleep(interval)
lat.sort()
n = len(lat)
print("requests=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f" % (
    n, n / secs, lat[n // 2], lat[min(n - 1, int(n * 0.99))], lat[-1]))
