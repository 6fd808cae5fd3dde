#!/usr/bin/env python3
"""svbind.py ADDR TOOL ARGS... - run a sipvicious tool (svwar, svcrack) with its socket bound to
ADDR: their -b option only changes the Via, and the tests need each attacker on its own
loopback address (sipd bans by address)."""
import os
import runpy
import shutil
import socket
import sys

addr, tool = sys.argv[1], sys.argv[2]
_bind = socket.socket.bind


def bind(self, a):
    if isinstance(a, tuple) and a[0] in ("", "0.0.0.0"):
        a = (addr,) + tuple(a[1:])
    return _bind(self, a)


socket.socket.bind = bind
path = os.path.realpath(shutil.which(tool))
sys.path.insert(0, os.path.dirname(path))	# where Debian keeps its package and metadata
sys.argv = [tool] + sys.argv[3:]
runpy.run_path(path, run_name="__main__")
