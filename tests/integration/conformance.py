#!/usr/bin/env python3
"""conformance.py - send the RFC 4475 / RFC 5118 torture messages to a running sipd and judge.

Run by conformance_4475.sh / conformance_5118.sh inside a network namespace holding only
loopback.  For each row of conformance_expect.tsv of the chosen suite: send the message (UDP, or
TCP when EXPECTED.tsv gives TCP/TLS as its top Via transport) with the top Via sent-by rewritten
to our own address, collect what comes back, compare with the row's expectation, then require
a 200 to an OPTIONS probe.  Prints a PASS/FAIL table and a count; exit 0 when all passed.
"""

import argparse
import csv
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sipsend  # noqa: E402


def load_expect(path, suite):
    rows = []
    with open(path, newline="") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\r\n").split("\t")
            if len(cols) != 5:
                raise SystemExit("%s: bad line: %r" % (path, line))
            if cols[0] == suite:
                rows.append(dict(zip(("suite", "name", "file", "expect", "checks"), cols)))
    return rows


def load_transports(path):
    """name -> top_via_transport from a shared EXPECTED.tsv."""
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            out[r["name"]] = r["top_via_transport"].strip().upper()
    return out


def token_matches(tok, code):
    """Does one expectation token (without ~) accept a final response code / None (drop)?"""
    if tok == "drop":
        return code is None
    if code is None:
        return False
    if tok == "any":
        return True
    if tok == "any-non-400":
        return code != 400
    if re.fullmatch(r"[1-6]xx", tok):
        return code // 100 == int(tok[0])
    return tok.isdigit() and code == int(tok)


def judge(expect, code):
    """(ok, tolerated) for a final code (None = no response) against an expect column."""
    for tok in expect.split("|"):
        tol = tok.startswith("~")
        if token_matches(tok.lstrip("~"), code):
            return True, tol
    return False, False


def run_checks(checks, resp, code):
    """Problems found by the checks column in the final response (a list of strings)."""
    problems = []
    for c in [c for c in checks.split(";") if c and c != "-"]:
        if c.startswith("linger="):
            continue
        if c.startswith("cseq="):
            v = sipsend.header_values(resp, "CSeq") if resp else []
            meth = v[0].split()[-1] if v and v[0].split() else ""
            if resp is not None and meth != c[5:]:
                problems.append("CSeq method %r, want %r" % (meth, c[5:]))
            continue
        m = re.fullmatch(r"([0-9]{3}):([A-Za-z-]+)(?:~(.*))?", c)
        if not m:
            problems.append("bad check %r" % c)
            continue
        if code != int(m.group(1)):
            continue
        vals = sipsend.header_values(resp, m.group(2))
        if not vals:
            problems.append("%s without %s" % (code, m.group(2)))
        elif m.group(3) and not any(re.search(m.group(3), v, re.I) for v in vals):
            problems.append("%s: %s does not match %s" % (m.group(2), ", ".join(vals), m.group(3)))
    return problems


def linger_of(checks):
    m = re.search(r"linger=([0-9.]+)", checks)
    return float(m.group(1)) if m else 0.25


def probe(port, transport):
    """Status code of an OPTIONS to the server, or None."""
    try:
        ev = sipsend.exchange("127.0.0.1", port, transport,
                              [sipsend.make_request("OPTIONS", "sip:127.0.0.1:%d" % port, [])],
                              subst=True, wait=2.0, final_count=1)
    except OSError:
        return None
    codes = [sipsend.status_of(m) for k, m, _ in ev if k == "msg"]
    codes = [c for c in codes if c is not None]
    return codes[0] if codes else None


def one(row, base, port, transport, extra_listen, verbose):
    """Send one message; returns (verdict, got, notes)."""
    with open(os.path.join(base, row["file"]), "rb") as f:
        msg = f.read()
    notes = []
    try:
        ev = sipsend.exchange("127.0.0.1", port, transport, [msg], via=True, wait=1.0,
                              final_count=1, linger=linger_of(row["checks"]),
                              extra_listen=extra_listen if transport == "udp" else ())
    except OSError as e:
        return "FAIL", "error", ["send: %s" % e]
    finals, prov, other = [], [], []
    for kind, m, _ in ev:
        if kind == "msg":
            c = sipsend.status_of(m)
            if c is None:
                other.append("request " + m.split(b" ", 1)[0].decode("latin-1"))
            elif c >= 200:
                finals.append((c, m))
            else:
                prov.append(c)
        elif kind in ("closed", "reset", "senderr"):
            other.append(kind)
    got = ",".join(str(c) for c, _ in finals) or "drop"
    if prov:
        got += " (+%s)" % ",".join(map(str, prov))
    if other:
        notes.append("also: " + ", ".join(other))
    if verbose:
        for c, m in finals:
            sys.stdout.write("    | " + m.decode("latin-1").replace("\r\n", "\n    | ") + "\n")
    ok, tol = False, False
    if len(finals) > 1:
        notes.append("%d final responses to one message" % len(finals))
    else:
        code, resp = finals[0] if finals else (None, None)
        ok, tol = judge(row["expect"], code)
        if resp is not None:
            reason = resp.split(b"\r\n", 1)[0].decode("latin-1")
            notes.append(reason)
            probs = run_checks(row["checks"], resp, code)
            if probs:
                ok = False
                notes += probs
    p = probe(port, "udp")
    if p != 200:
        ok = False
        notes.append("afterwards OPTIONS/udp probe got %s (want 200)" % (p or "nothing"))
    if transport == "tcp":
        p = probe(port, "tcp")
        if p != 200:
            ok = False
            notes.append("afterwards OPTIONS/tcp probe got %s (want 200)" % (p or "nothing"))
    verdict = ("PASS~" if tol else "PASS") if ok else "FAIL"
    return verdict, got, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--suite", required=True, choices=("rfc4475", "rfc5118"))
    ap.add_argument("--corpus", required=True, help="the shared/conformance directory")
    ap.add_argument("--expect", required=True, help="conformance_expect.tsv")
    ap.add_argument("--listen", action="append", default=[], help="also listen here (UDP)")
    ap.add_argument("--only", default="", help="comma-separated names to run")
    ap.add_argument("--both", action="store_true",
                    help="send each message over UDP and over TCP (rows NAME@udp / NAME@tcp of "
                         "the expect file give what differs on the other transport)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    rows = load_expect(a.expect, a.suite)
    overrides = {r["name"]: r for r in rows if "@" in r["name"]}
    rows = [r for r in rows if "@" not in r["name"]]
    if a.only:
        rows = [r for r in rows if r["name"] in a.only.split(",")]
    transports = load_transports(os.path.join(a.corpus, a.suite, "EXPECTED.tsv"))
    npass = ntol = nfail = 0
    failed = []
    print("%-5s %-28s %-4s %-22s %-18s %s" % ("", "message", "via", "expected", "got", "notes"))
    for row in rows:
        base_name = row["name"].split("+")[0]
        tv = transports.get(base_name)
        if tv is None:
            print("FAIL  %-28s not in EXPECTED.tsv" % row["name"])
            nfail += 1
            failed.append(row["name"])
            continue
        transport = "tcp" if tv in ("TCP", "TLS") else "udp"
        if not os.path.exists(os.path.join(a.corpus, row["file"])):
            print("FAIL  %-28s %s missing" % (row["name"], row["file"]))
            nfail += 1
            failed.append(row["name"])
            continue
        runs = [(transport, row)]
        if a.both:
            other = "udp" if transport == "tcp" else "tcp"
            runs.append((other, overrides.get(row["name"] + "@" + other, row)))
        for tr, r in runs:
            if r["expect"] == "n/a":
                print("%-5s %-28s %-4s %-22s %-18s %s" % ("N/A", row["name"], tr, "n/a", "-",
                                                           r["checks"]))
                continue
            verdict, got, notes = one(r, a.corpus, a.port, tr, a.listen, a.verbose)
            print("%-5s %-28s %-4s %-22s %-18s %s" % (verdict, row["name"], tr,
                                                       r["expect"], got, "; ".join(notes)))
            sys.stdout.flush()
            if verdict == "FAIL":
                nfail += 1
                failed.append(row["name"] + "/" + tr)
            elif verdict == "PASS~":
                ntol += 1
            else:
                npass += 1
    print("%s: %d messages, %d runs: %d passed, %d passed as tolerated (PASS~), %d failed%s"
          % (a.suite, len(rows), npass + ntol + nfail, npass, ntol, nfail,
             (": " + " ".join(failed)) if failed else ""))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
