# proxy_lib.sh - helpers for the proxy tests (proxy_*.sh), sourced after lib.sh; not a test.
#
# The proxy tests put sipd between a caller and one or more callees that register first.  The
# callees (and the callers that need more than sipsend.py) are $TMP/peer.py, a small scriptable
# SIP user agent over UDP written out by this file.  It records every message it sends and
# receives byte for byte, so that a test can compare what left one side with what reached the
# other:  DIR/in.NNN (received), DIR/out.NNN (sent), and DIR/log, one line per message:
#   T in|out NNN FIRST-LINE | CSeq | top Via branch
#
#   callee NAME AOR [peer.py uas options...]   start a callee in $TMP/NAME (its port is chosen
#                                              here, in $CALLEE_PORT), registered for AOR from
#                                              that port; returns once the 200 arrived.  AOR -:
#                                              a phone that does not register (--port N to
#                                              listen where another one's Contact points)
#   dial NAME [peer.py uac options...]         run a caller in $TMP/NAME to completion
#   register NAME LPORT AOR CONTACT [EXPIRES] [PARAMS]  REGISTER from LPORT with sipsend.py
#                                              (from address $REG_BIND when set);
#                                              prints the status (PARAMS: after the Contact's >,
#                                              e.g. ";q=0.5")
#   mtime FILE                                 FILE's modification time, seconds (float)
#   msgs NAME in|out WHAT                      paths of NAME's messages: WHAT is a method
#                                              (INVITE) or CODE/METHOD (487/INVITE, 1xx/INVITE)
#   nmsgs NAME in|out WHAT                     how many of them
#   wait_msgs NAME in|out WHAT [N] [SECONDS]   wait (5 s) until NAME has at least N (1) of them
#   settle                                     wait until sipd has acted on sipctl's changes
#   codes NAME in|out METHOD                   the status codes of NAME's responses to METHOD
#                                              received (in) or sent (out), space-separated
#   hdr FILE HEADER                            every value of HEADER in FILE (compact forms too)
#   startline FILE                             its first line (nothing when FILE is empty)
#   gap A B                                    seconds from message file A to B (nothing when
#                                              one is missing, so a check on it fails)
#   body FILE                                  its body, as is
#   respcmp SENT RECEIVED                      RECEIVED is SENT less its first Via field, byte for
#                                              byte (a response through sipd); else prints a diff
#   show NAME                                  NAME's message log, indented (for failures)
#   sipp_split FILE NAME                       a SIPp -trace_msg file as $TMP/NAME/in.NNN, out.NNN
#                                              and log, the way peer.py records (msgs works on it)
#   peer ARGS...                               peer.py itself
#
# peer.py uas: registers (REGISTER from its own port, To/From AOR, Contact --contact), then
# answers: INVITE with the --invite plan (comma-separated CODE[@SECONDS], e.g. "180,200@1":
# 180 at once, 200 a second later; "180" rings for ever), CANCEL with 200 then 487 to a pending
# INVITE (481 when none matches; --ignore-cancel: no 487), any other request with 200.  Final
# responses to INVITE are retransmitted (Timer G, and 2xx per 13.3.1.4) until the ACK;
# --hangup S: a BYE S seconds after the ACK of a 200, along the INVITE's Record-Route.  Responses
# copy Via (--join-vias: all values in one field), Record-Route, From, Call-ID and CSeq from the
# request byte for byte and carry X-Peer: NAME.
# peer.py uac: sends one INVITE (or --request FILE, sipsend.py --subst words allowed), retransmits
# it (Timer A), CANCELs it --cancel-after seconds after the first provisional response, ACKs the
# final response (a 2xx end to end along the Record-Route route set, to the Contact, each 2xx
# dialog, after --ack-delay), then (--bye) sends a BYE the same way on each; answers requests
# to it (a BYE from the callee) with 200; lingers --linger seconds for strays.

[ -n "${TESTDIR:-}" ] || { echo "proxy_lib.sh is sourced by the proxy tests, it is not a test"; exit 77; }

PEER="$PYTHON $TMP/peer.py"
# sipd's config for these tests: nobody authenticates (REGISTER nor calls; 407 is tested elsewhere)
PROXY_NOAUTH='auth: { register = 0; calls = 0; };'

peer() { $PEER "$@"; }

# sipctl on this test's sipd: ctl ARGS... (output in $TMP/sipctl.out, failure ends the test);
# ctl ARGS...: sipctl on the test's config (fails the test when it fails).
# settle: wait until sipd has taken in sipctl's changes: it polls the admin queue once a second
# and deletes the notes it has acted on (so an empty queue means ring groups and forwards are
# reloaded by the next call).
SIPCTL=$(dirname "$SIPD")/sipctl
ctl() { "$SIPCTL" -c "$TMP/sipd.conf" "$@" >>"$TMP/sipctl.out" 2>&1 || fail "sipctl $*"; }
admin_done() { [ "$(db 'SELECT count(*) FROM admin_queue')" = 0 ]; }
settle() { wait_until 5 admin_done || fail "sipd did not act on sipctl's changes within 5 s"; }

# sipp_listening SOCKTYPE PORT PID OUT [HOST]: wait (5 s at most) until the SIPp callee PID holds
# HOST:PORT (127.0.0.1; SOCKTYPE SOCK_DGRAM or SOCK_STREAM); fails the test, showing OUT, if it exits
sipp_listening() {
	wait_until 5 port_held "$1" "$2" "${5:-127.0.0.1}" "$3" || fail "the callee's sipp does not listen on $2"
	kill -0 "$3" 2>/dev/null || { cat "$4"; fail "the callee's sipp exited"; }
}
# port_held SOCKTYPE PORT HOST PID: HOST:PORT cannot be bound (someone holds it), or PID exited
port_held() {
	! "$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_INET, getattr(socket, sys.argv[1])).bind((sys.argv[3], int(sys.argv[2])))' \
	    "$1" "$2" "$3" 2>/dev/null || gone "$4"
}

# callee_up NAME PID: callee NAME has registered, or its process PID has exited
callee_up() { [ -e "$TMP/$1/ready" ] || gone "$2"; }

# callee NAME AOR [uas options...]
callee() {
	_cn=$1 _caor=$2
	shift 2
	case " $* " in
	*" --port "*) CALLEE_PORT=$(printf '%s\n' "$*" | sed -n 's/.*--port \([0-9]*\).*/\1/p') ;;
	*) CALLEE_PORT=$(free_port) || fail "no free port for callee $_cn"; set -- --port "$CALLEE_PORT" "$@" ;;
	esac
	mkdir -p "$TMP/$_cn"
	spawn $PEER uas --server-port "$PORT" --name "$_cn" --aor "$_caor" --dir "$TMP/$_cn" "$@"
	wait_until 10 callee_up "$_cn" "$BG_PID" || fail "callee $_cn did not register within 10 s"
	if [ ! -e "$TMP/$_cn/ready" ]; then
		sed 's/^/    | /' "$TMP/$_cn/log" 2>/dev/null
		fail "callee $_cn did not register (see above)"
	fi
	if [ "$_caor" = - ]; then say "phone $_cn listens on port $CALLEE_PORT"; else
		say "callee $_cn on 127.0.0.1:$CALLEE_PORT registered as $_caor"
	fi
}

# dial NAME [uac options...]: a caller
dial() {
	_cn=$1
	shift
	mkdir -p "$TMP/$_cn"
	timeout -k 2 30 $PEER uac --server-port "$PORT" --name "$_cn" --dir "$TMP/$_cn" "$@" \
	    >"$TMP/$_cn/stdout" 2>&1
}

# register NAME LPORT AOR CONTACT [EXPIRES] [PARAMS]: one REGISTER over UDP from 127.0.0.1:LPORT, without
# authentication; prints the final status code (or nothing).  The request is in $TMP/NAME.req,
# what came back in $TMP/NAME.resp.
register() {
	_rn=$1 _rl=$2 _ra=$3 _rc=$4 _re=${5:-300}
	{
		printf 'REGISTER sip:127.0.0.1:%s SIP/2.0\r\n' "$PORT"
		printf 'Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n'
		printf 'Max-Forwards: 70\r\n'
		printf 'From: <%s>;tag=[call_id]\r\n' "$_ra"
		printf 'To: <%s>\r\n' "$_ra"
		printf 'Call-ID: [call_id]@reg\r\n'
		printf 'CSeq: 1 REGISTER\r\n'
		printf 'Contact: <%s>%s\r\n' "$_rc" "${6:-}"
		printf 'Expires: %s\r\n' "$_re"
		printf 'Content-Length: 0\r\n\r\n'
	} >"$TMP/$_rn.req"
	$SIPSEND --subst -p "$PORT" ${REG_BIND:+-b "$REG_BIND"} -l "$_rl" -n 1 -w 5 -v "$TMP/$_rn.req" >"$TMP/$_rn.resp" 2>&1
	sed -n 's/^SIP\/2\.0 \([2-6][0-9][0-9]\) .*/\1/p' "$TMP/$_rn.resp" | tail -n 1
}

msgs() { $PEER find "$TMP/$1" "$2" "$3"; }
# codes NAME in|out METHOD: the status codes of NAME's responses to METHOD, in order, one line
codes() {
	awk -v w="$2" -v m="$3" '$2 == w && $4 == "SIP/2.0" { split($0, p, "|"); split(p[2], c, " ")
	    if (c[2] == m) printf "%s%s", (n++ ? " " : ""), $5 } END { print "" }' "$TMP/$1/log"
}
nmsgs() { msgs "$@" | grep -c .; }
# has_msgs NAME in|out WHAT [N]: NAME has at least N (1) such messages
has_msgs() { [ "$(nmsgs "$1" "$2" "$3")" -ge "${4:-1}" ]; }
# wait_msgs NAME in|out WHAT [N] [SECONDS]: wait (5 s at most) until NAME has at least N (1)
# such messages; returns 1 on timeout (the checks that follow then report what is missing)
wait_msgs() { wait_until "${5:-5}" has_msgs "$1" "$2" "$3" "${4:-1}"; }
sipp_split() { $PEER sipptrace "$1" "$TMP/$2"; }
hdr() { $PEER hdr "$1" "$2"; }
mtime() { "$PYTHON" -c 'import os, sys; print("%.6f" % os.path.getmtime(sys.argv[1]))' "$1"; }
startline() { [ -n "$1" ] && head -n 1 "$1" | tr -d '\r'; }
# gap A B: seconds from recorded message A to B (files), one decimal; nothing when one is missing
gap() { [ -n "$1" ] && [ -n "$2" ] && "$PYTHON" -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$(mtime "$1")" "$(mtime "$2")"; }
body() { $PEER body "$1"; }
respcmp() { $PEER respcmp "$1" "$2"; }
show() {
	echo "    ---- $1: messages ----"
	sed 's/^/    | /' "$TMP/$1/log" 2>/dev/null
}

cat >"$TMP/peer.py" <<'PEER_EOF'
#!/usr/bin/env python3
"""peer.py - a scriptable SIP UA over UDP for sipd's proxy tests (see proxy_lib.sh)."""
import argparse, os, re, select, signal, socket, sys, time

sys.path.insert(0, os.environ.get("TESTDIR", "."))
import sipsend  # noqa: E402  (substitute, header_values)

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type", "s": "subject", "k": "supported",
           "e": "content-encoding", "o": "event", "r": "refer-to", "b": "referred-by",
           "u": "allow-events", "x": "session-expires"}
T1 = 0.5


def split(msg):
    """(start line, [header fields, folded lines kept, no CRLF], body) of a message."""
    end = msg.find(b"\r\n\r\n")
    if end < 0:
        end = len(msg)
    lines = msg[:end].split(b"\r\n")
    fields = []
    for ln in lines[1:]:
        if ln[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + ln
        else:
            fields.append(ln)
    return lines[0], fields, msg[end + 4:]


def fname(field):
    n = field.split(b":", 1)[0].strip().lower().decode("latin-1")
    return COMPACT.get(n, n)


def fvalue(field):
    v = field.split(b":", 1)[1] if b":" in field else b""
    return re.sub(rb"\r\n[ \t]+", b" ", v).strip().decode("latin-1")


def values(msg, name):
    return [fvalue(f) for f in split(msg)[1] if fname(f) == name.lower()]


def first(msg, name):
    v = values(msg, name)
    return v[0] if v else ""


def branch(msg):
    m = re.search(r";\s*branch\s*=\s*([^;,\s]+)", first(msg, "via"), re.I)
    return m.group(1) if m else ""


def cseq(msg):
    p = first(msg, "cseq").split()
    return (int(p[0]) if p and p[0].isdigit() else 0), (p[1].upper() if len(p) > 1 else "")


def status(msg):
    m = re.match(rb"SIP/2\.0 ([0-9]{3})", msg)
    return int(m.group(1)) if m else 0


def method(msg):
    return "" if status(msg) else msg.split(b" ", 1)[0].decode("latin-1")


def tag_of(v):
    m = re.search(r";\s*tag\s*=\s*([^;\s>]+)", v, re.I)
    return m.group(1) if m else ""


def uri_of(v):
    """The URI in a name-addr (or a bare addr-spec, params cut)."""
    m = re.search(r"<([^>]*)>", v)
    return m.group(1) if m else v.split(";", 1)[0].strip()


def split_commas(v):
    out, cur, depth, q = [], "", 0, False
    for ch in v:
        if ch == '"':
            q = not q
        if not q and ch == "<":
            depth += 1
        if not q and ch == ">":
            depth -= 1
        if ch == "," and not q and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


class Peer:
    def __init__(self, a):
        self.a = a
        self.dir = a.dir
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((getattr(a, "bind", "127.0.0.1"), a.port))
        self.lport = self.sock.getsockname()[1]
        self.server = ("127.0.0.1", a.server_port)
        self.n = 0
        self.t0 = time.monotonic()
        self.timers = []          # [when, fn]
        self.logf = open(os.path.join(self.dir, "log"), "a")

    def now(self):
        return time.monotonic() - self.t0

    def record(self, way, data):
        self.n += 1
        with open(os.path.join(self.dir, "%s.%03d" % (way, self.n)), "wb") as fh:
            fh.write(data)
        n, m = cseq(data)
        self.logf.write("%.3f %s %03d %s | %d %s | %s\n" % (
            self.now(), way, self.n, data.split(b"\r\n", 1)[0].decode("latin-1"), n, m,
            branch(data)))
        self.logf.flush()

    def send(self, data, dst=None):
        self.record("out", data)
        self.sock.sendto(data, dst or self.server)

    def later(self, delay, fn):
        self.timers.append([time.monotonic() + delay, fn])

    def run(self, until, stop_at=None):
        """Serve until until() is true, or stop_at (monotonic), or --time runs out."""
        end = self.t0 + self.a.time
        if stop_at is not None:
            end = min(end, stop_at)
        while not until() and time.monotonic() < end:
            self.timers.sort(key=lambda x: x[0])
            wake = min([end] + [t[0] for t in self.timers])
            r, _, _ = select.select([self.sock], [], [], max(0.0, wake - time.monotonic()))
            if r:
                data, src = self.sock.recvfrom(65535)
                self.record("in", data)
                self.on_message(data, src)
            nowm = time.monotonic()
            due = [t for t in self.timers if t[0] <= nowm]
            self.timers = [t for t in self.timers if t[0] > nowm]
            for t in due:
                t[1]()

    def retransmit(self, data, dst, stop, interval=T1, limit=4.0, spent=0.0):
        """Send data again after interval, doubling (to 4 s), until stop() or 32 s."""
        def again():
            if stop() or spent + interval > 32:
                return
            self.send(data, dst)
            self.retransmit(data, dst, stop, min(interval * 2, limit), limit, spent + interval)
        self.later(interval, again)


class UAS(Peer):
    def __init__(self, a):
        super().__init__(a)
        self.invites = {}     # branch -> state dict
        self.registered = False
        self.bye_final = None
        self.plan = []
        for item in a.invite.split(","):
            code, _, at = item.strip().partition("@")
            self.plan.append((int(code), float(at or 0)))
        self.extra = b""
        if a.resp_headers:
            with open(a.resp_headers, "rb") as fh:
                self.extra = b"".join(ln.rstrip(b"\r\n") + b"\r\n" for ln in fh.read().splitlines()
                                      if ln.strip())

    def register(self):
        a = self.a
        if a.aor == "-":      # a phone that does not register (it listens at a Contact)
            open(os.path.join(self.dir, "ready"), "w").close()
            return
        contact = a.contact or "sip:%s@127.0.0.1:%d" % (a.name, self.lport)
        host = "127.0.0.1:%d" % a.server_port
        req = ("REGISTER sip:%s SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-reg-%s-%d\r\n"
               "Max-Forwards: 70\r\nFrom: <%s>;tag=reg-%s\r\nTo: <%s>\r\n"
               "Call-ID: reg-%s-%d@127.0.0.1\r\nCSeq: 1 REGISTER\r\nContact: <%s>\r\n"
               "Expires: %d\r\nContent-Length: 0\r\n\r\n") % (
            host, self.lport, a.name, os.getpid(), a.aor, a.name, a.aor, a.name, os.getpid(),
            contact, a.expires)
        self.send(req.encode())
        self.retransmit(req.encode(), None, lambda: self.registered, limit=T1 * 8)
        self.run(lambda: self.registered, time.monotonic() + 5)
        if not self.registered:
            sys.stderr.write("peer %s: no 200 for the REGISTER\n" % a.name)
            sys.exit(3)
        open(os.path.join(self.dir, "ready"), "w").close()

    def response(self, req, code, reason, totag=None, body=b"", ctype=None, dialog=False):
        _, fields, _ = split(req)
        out = [("SIP/2.0 %d %s" % (code, reason)).encode()]
        vias = [fvalue(f) for f in fields if fname(f) == "via"]
        for f in fields:
            n = fname(f)
            if n == "via" and self.a.join_vias:
                if f is next(x for x in fields if fname(x) == "via"):
                    out.append(("Via: " + ", ".join(vias)).encode("latin-1"))
            elif n in ("via", "from", "call-id", "cseq") or (dialog and n == "record-route"):
                out.append(f)
            elif n == "to":
                out.append(f if totag is None or tag_of(fvalue(f)) else f + b";tag=" + totag.encode())
        if dialog:
            out.append(("Contact: <sip:%s@%s:%d>" % (self.a.name, self.a.bind, self.lport)).encode())
        out.append(("X-Peer: %s" % self.a.name).encode())
        msg = b"\r\n".join(out) + b"\r\n" + self.extra
        if body:
            msg += ("Content-Type: %s\r\n" % ctype).encode()
        return msg + ("Content-Length: %d\r\n\r\n" % len(body)).encode() + body

    def on_message(self, data, src):
        if status(data):
            if cseq(data)[1] == "REGISTER" and status(data) >= 200:
                self.registered = status(data) == 200
            if cseq(data)[1] == "BYE" and status(data) >= 200:
                self.bye_final = status(data)
            return
        m = method(data)
        if m == "INVITE":
            self.on_invite(data, src)
        elif m == "ACK":
            st = self.invites.get(branch(data))
            if st is None:   # ACK for a 2xx: a new branch; match by Call-ID
                st = next((s for s in self.invites.values()
                           if first(s["req"], "call-id") == first(data, "call-id")), None)
            if st is not None:
                if self.a.hangup is not None and st["final"] == 200 and not st["acked"]:
                    self.later(self.a.hangup, lambda: self.hangup(st))
                st["acked"] = True
        elif m == "CANCEL":
            st = self.invites.get(branch(data))
            if st is None:
                self.send(self.response(data, 481, "Call/Transaction Does Not Exist", "c"), src)
                return
            self.send(self.response(data, 200, "OK", st["tag"]), src)
            if st["final"] is None and not self.a.ignore_cancel:
                self.final(st, 487, "Request Terminated")
        else:
            self.send(self.response(data, 200, "OK", "%s-%d" % (self.a.name, self.n)), src)

    def hangup(self, st):
        """BYE from the callee's side of the dialog (RFC 3261 12.1.1, 12.2.1.1): to the
        caller's Contact, along the INVITE's Record-Route in order, to the first hop."""
        inv = st["req"]
        routes = []
        for v in values(inv, "record-route"):
            routes += split_commas(v)
        lines = ["BYE %s SIP/2.0" % uri_of(first(inv, "contact")),
                 "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-bye-%s" % (
                     self.a.bind, self.lport, os.urandom(4).hex()),
                 "Max-Forwards: 70"]
        lines += ["Route: " + r for r in routes]
        lines += ["From: %s;tag=%s" % (first(inv, "to"), st["tag"]), "To: " + first(inv, "from"),
                  "Call-ID: " + first(inv, "call-id"), "CSeq: 1 BYE", "Content-Length: 0"]
        bye = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.send(bye)
        self.retransmit(bye, None, lambda: self.bye_final is not None, limit=4.0)

    def on_invite(self, data, src):
        b = branch(data)
        if b in self.invites:             # a retransmission: the last response again
            st = self.invites[b]
            if st["last"] is not None:
                self.send(st["last"], st["src"])
            return
        st = {"req": data, "src": src, "tag": "%s-%d" % (self.a.name, len(self.invites) + 1),
              "final": None, "last": None, "acked": False}
        self.invites[b] = st
        for code, at in self.plan:
            if at <= 0:
                self.step(st, code)
            else:
                self.later(at, lambda c=code: self.step(st, c))

    def step(self, st, code):
        if st["final"] is not None:
            return
        reasons = {100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK",
                   486: "Busy Here", 603: "Decline", 404: "Not Found", 480: "Temporarily Unavailable",
                   500: "Server Internal Error", 503: "Service Unavailable"}
        if code < 200:
            r = self.response(st["req"], code, reasons.get(code, "Whatever"),
                              None if code == 100 else st["tag"], dialog=code != 100)
            st["last"] = r
            self.send(r, st["src"])
        else:
            self.final(st, code, reasons.get(code, "Whatever"))

    def final(self, st, code, reason):
        body = b""
        if code == 200:
            body = (b"v=0\r\no=%s 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                    b"m=audio 4000 RTP/AVP 0\r\n" % self.a.name.encode())
        r = self.response(st["req"], code, reason, st["tag"], body, "application/sdp", code < 300)
        st["final"] = code
        st["last"] = r
        self.send(r, st["src"])
        self.retransmit(r, st["src"], lambda: st["acked"])


class UAC(Peer):
    def __init__(self, a):
        super().__init__(a)
        self.callid = "%s-%d-%s@127.0.0.1" % (a.name, os.getpid(), os.urandom(3).hex())
        self.finals = {}      # (cseq method) -> first final status
        self.done = False
        self.provisional = False
        self.acked_2xx = {}   # to-tag -> ACK bytes
        self.byes = {}        # branch -> BYE, one per 2xx dialog
        self.bye_done = set()

    def invite(self):
        a = self.a
        if a.request:
            with open(a.request, "rb") as fh:
                raw = fh.read()
            vals = {"local_ip": "127.0.0.1", "local_port": self.lport, "remote_ip": "127.0.0.1",
                    "remote_port": a.server_port, "transport": "UDP",
                    "call_id": self.callid.split("@")[0]}
            raw = sipsend.substitute(raw, vals, 1)
        else:
            body = (b"v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
                    b"t=0 0\r\nm=audio 5000 RTP/AVP 0\r\n")
            raw = ("INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s\r\n"
                   "Max-Forwards: 70\r\nFrom: <sip:%s@127.0.0.1>;tag=%s-tag\r\nTo: <%s>\r\n"
                   "Call-ID: %s\r\nCSeq: 1 INVITE\r\nContact: <sip:%s@127.0.0.1:%d>\r\n"
                   "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n") % (
                a.to, self.lport, self.callid.split("@")[0], a.name, a.name, a.to, self.callid,
                a.name, self.lport, len(body))
            raw = raw.encode() + body
        self.req = raw
        self.send(raw)
        self.retransmit(raw, None, lambda: self.provisional or "INVITE" in self.finals, limit=64)
        self.run(lambda: self.done)
        self.run(lambda: False, time.monotonic() + a.linger)

    def dialog_request(self, meth, resp, num, new_branch=True):
        """ACK for a 2xx, or BYE, along the route set of the 2xx (RFC 3261 12.1.2, 12.2.1.1)."""
        routes = []
        for v in values(resp, "record-route"):
            routes += split_commas(v)
        routes.reverse()
        target = uri_of(first(resp, "contact"))
        lines = ["%s %s SIP/2.0" % (meth, target),
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s-%s" % (
                     self.lport, meth.lower(), os.urandom(4).hex()),
                 "Max-Forwards: 70"]
        lines += ["Route: " + r for r in routes]
        lines += ["From: " + first(self.req, "from"), "To: " + first(resp, "to"),
                  "Call-ID: " + first(self.req, "call-id"), "CSeq: %d %s" % (num, meth),
                  "Content-Length: 0"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def on_message(self, data, src):
        code = status(data)
        if not code:   # a request to the caller (e.g. a BYE): 200
            if method(data) != "ACK":
                sipsend_resp = split(data)
                out = [b"SIP/2.0 200 OK"] + [f for f in sipsend_resp[1]
                                             if fname(f) in ("via", "from", "to", "call-id", "cseq")]
                self.send(b"\r\n".join(out) + b"\r\nContent-Length: 0\r\n\r\n", src)
            return
        num, meth = cseq(data)
        if meth == "INVITE":
            if code < 200:
                if not self.provisional and self.a.cancel_after is not None:
                    self.later(self.a.cancel_after, self.cancel)
                self.provisional = True
                return
            self.finals.setdefault("INVITE", code)
            if code >= 300:
                to = first(data, "to")
                cs = self.req_cseq()
                ack = ("ACK %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n"
                       "Call-ID: %s\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n") % (
                    self.ruri(), first(self.req, "via"), first(self.req, "from"), to,
                    first(self.req, "call-id"), cs)
                self.send(ack.encode("latin-1"))
                self.done = True
                return
            tag = tag_of(first(data, "to"))
            if tag in self.acked_2xx:             # a retransmitted 2xx: the same ACK again
                if self.acked_2xx[tag] is not None:
                    self.send(self.acked_2xx[tag])
                return
            self.acked_2xx[tag] = None
            ack = self.dialog_request("ACK", data, self.req_cseq())
            self.later(self.a.ack_delay, lambda: self.ack(tag, ack, data))
        elif code >= 200:
            self.finals.setdefault(meth, code)
            if meth == "BYE":
                self.bye_done.add(branch(data))
                self.done = len(self.bye_done) == len(self.byes)

    def ack(self, tag, ack, resp):
        """ACK a 2xx dialog (after --ack-delay); with --bye, a BYE for it 0.2 s later."""
        self.acked_2xx[tag] = ack
        self.send(ack)
        if self.a.bye:
            bye = self.dialog_request("BYE", resp, self.req_cseq() + 1)
            self.byes[branch(bye)] = bye
            self.later(0.2, lambda: (self.send(bye), self.retransmit(
                bye, None, lambda: branch(bye) in self.bye_done, limit=4.0)))
        else:
            self.done = True

    def req_cseq(self):
        return cseq(self.req)[0]

    def ruri(self):
        return self.req.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")

    def cancel(self):
        if "INVITE" in self.finals:
            return
        c = ("CANCEL %s SIP/2.0\r\nVia: %s\r\nMax-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n"
             "Call-ID: %s\r\nCSeq: %d CANCEL\r\nContent-Length: 0\r\n\r\n") % (
            self.ruri(), first(self.req, "via"), first(self.req, "from"), first(self.req, "to"),
            first(self.req, "call-id"), self.req_cseq())
        c = c.encode("latin-1")
        self.send(c)
        self.retransmit(c, None, lambda: "CANCEL" in self.finals, limit=4.0)


def find(d, way, what):
    """Paths of d's recorded messages that match what (METHOD, CODE/METHOD, 1xx/METHOD)."""
    out = []
    for f in sorted(os.listdir(d)):
        if not f.startswith(way + "."):
            continue
        path = os.path.join(d, f)
        with open(path, "rb") as fh:
            m = fh.read()
        code = status(m)
        if "/" in what:
            want, meth = what.split("/", 1)
            if not code or cseq(m)[1] != meth.upper():
                continue
            if want.endswith("xx") and str(code)[0] != want[0]:
                continue
            if not want.endswith("xx") and str(code) != want:
                continue
        elif code or method(m) != what.upper():
            continue
        out.append(path)
    return out


def sipptrace(path, d):
    """Split a SIPp -trace_msg file into d/in.NNN and d/out.NNN (and d/log), like a peer's."""
    os.makedirs(d, exist_ok=True)
    with open(path, "rb") as fh:
        text = fh.read()
    parts = re.split(rb"(?m)^-{20,} [0-9-]+ [0-9:.]+\r?\n", text)
    n = 0
    with open(os.path.join(d, "log"), "w") as logf:
        for p in parts:
            m = re.match(rb"(?:UDP|TCP|TLS|SCTP) message (received|sent) [^\n]*\n\r?\n", p)
            if not m:
                continue
            msg = p[m.end():]
            end = msg.find(b"\r\n\r\n")
            if end < 0:
                continue
            cl = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*([0-9]+)", msg[:end])
            msg = msg[:end + 4 + (int(cl.group(1)) if cl else 0)]
            n += 1
            way = "in" if m.group(1) == b"received" else "out"
            with open(os.path.join(d, "%s.%03d" % (way, n)), "wb") as fh:
                fh.write(msg)
            c = cseq(msg)
            logf.write("- %s %03d %s | %d %s | %s\n" % (way, n, msg.split(b"\r\n", 1)[0].decode(
                "latin-1"), c[0], c[1], branch(msg)))


def respcmp(sent_path, recv_path):
    """0 when recv is sent less its first Via field, byte for byte; else prints a diff, 1."""
    sent, recv = open(sent_path, "rb").read(), open(recv_path, "rb").read()
    start, fields, body = split(sent)
    vias = [i for i, f in enumerate(fields) if fname(f) == "via"]
    want = b"\r\n".join([start] + [f for i, f in enumerate(fields) if i != vias[0]]) + \
        b"\r\n\r\n" + body
    if recv == want:
        return 0
    import difflib
    print("    - what the callee sent less sipd's Via, + what the caller received:")
    for ln in difflib.unified_diff(want.decode("latin-1").split("\r\n"),
                                   recv.decode("latin-1").split("\r\n"), lineterm="", n=2):
        print("      " + repr(ln))
    return 1


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # quiet under | head
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("uas", "uac"):
        p = sub.add_parser(name)
        p.add_argument("--server-port", type=int, required=True)
        p.add_argument("--port", type=int, default=0)
        p.add_argument("--name", required=True)
        p.add_argument("--dir", required=True)
        p.add_argument("--time", type=float, default=60.0 if name == "uas" else 20.0,
                       help="seconds to live at most")
    p = sub.choices["uas"]
    p.add_argument("--aor", required=True, help="the AOR to register, - for none")
    p.add_argument("--bind", default="127.0.0.1", help="local address (127.0.0.1)")
    p.add_argument("--contact", help="Contact URI (default sip:NAME@127.0.0.1:PORT)")
    p.add_argument("--expires", type=int, default=300)
    p.add_argument("--invite", default="180,200@0.5", help="CODE[@SECONDS],...")
    p.add_argument("--resp-headers", help="file of header lines added to every response")
    p.add_argument("--join-vias", action="store_true", help="all Vias in one field in responses")
    p.add_argument("--ignore-cancel", action="store_true", help="200 to a CANCEL, but no 487")
    p.add_argument("--hangup", type=float, help="BYE this long after the ACK of a 200")
    p = sub.choices["uac"]
    p.add_argument("--to", help="Request-URI and To of a generated INVITE")
    p.add_argument("--request", help="an INVITE to send (sipsend.py --subst words)")
    p.add_argument("--cancel-after", type=float)
    p.add_argument("--bye", action="store_true", help="BYE each 2xx dialog after its ACK")
    p.add_argument("--ack-delay", type=float, default=0.0, help="wait this long to ACK a 2xx")
    p.add_argument("--linger", type=float, default=1.5)
    p = sub.add_parser("find")
    p.add_argument("dir")
    p.add_argument("way", choices=("in", "out"))
    p.add_argument("what")
    p = sub.add_parser("sipptrace")
    p.add_argument("file")
    p.add_argument("dir")
    p = sub.add_parser("respcmp")
    p.add_argument("sent")
    p.add_argument("recv")
    p = sub.add_parser("body")
    p.add_argument("file")
    p = sub.add_parser("hdr")
    p.add_argument("file")
    p.add_argument("name")
    a = ap.parse_args()
    if a.cmd == "find":
        print("\n".join(find(a.dir, a.way, a.what)))
    elif a.cmd == "hdr":
        with open(a.file, "rb") as fh:
            m = fh.read()
        n = a.name.lower()
        for v in values(m, COMPACT.get(n, n)):
            print(v)
    elif a.cmd == "respcmp":
        return respcmp(a.sent, a.recv)
    elif a.cmd == "body":
        with open(a.file, "rb") as fh:
            sys.stdout.buffer.write(split(fh.read())[2])
    elif a.cmd == "sipptrace":
        sipptrace(a.file, a.dir)
    elif a.cmd == "uas":
        u = UAS(a)
        u.register()
        u.run(lambda: False)
    else:
        UAC(a).invite()
    return 0


if __name__ == "__main__":
    sys.exit(main())
PEER_EOF
export TESTDIR	# peer.py imports sipsend.py from there
