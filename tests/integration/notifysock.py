#!/usr/bin/env python3
"""notifysock.py - a stand-in for systemd's notification socket (sd_notify(3) protocol).

Binds a unix datagram socket (a path, or "@name" in the abstract namespace), writes its
name to READY_FILE once bound, and appends every datagram received to LOG_FILE as one line
per KEY=VALUE, each datagram ended by a line "--".  Runs until killed or --seconds pass."""
import argparse
import os
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("name", help="socket path, or @name for the abstract namespace")
ap.add_argument("ready_file")
ap.add_argument("log_file")
ap.add_argument("--seconds", type=float, default=120)
a = ap.parse_args()

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + a.name[1:] if a.name.startswith("@") else a.name)
with open(a.ready_file, "w") as f:
    f.write(a.name + "\n")
end = time.monotonic() + a.seconds
while time.monotonic() < end:
    s.settimeout(max(0.1, end - time.monotonic()))
    try:
        data = s.recv(4096)
    except socket.timeout:
        continue
    with open(a.log_file, "a") as f:
        f.write(data.decode(errors="replace").rstrip("\n") + "\n--\n")
        f.flush()
        os.fsync(f.fileno())
