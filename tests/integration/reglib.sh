# reglib.sh - helpers for the registrar tests (reg_*.sh, sipctl.sh), sourced after lib.sh.
#
# The registrar tests serve the domain example.test (set SIPD_DOMAINS before sourcing lib.sh
# to change it): AORs are sip:NAME@$REG_DOMAIN and REGISTERs go to sip:$REG_DOMAIN.
#
#   reg NAME AOR CALLID CSEQ [HEADER...]   send one REGISTER over UDP (sipsend.py), wait for its
#                                          final answer; request in $TMP/NAME.req, answer(s)
#                                          in $TMP/NAME.resp.  REG_LPORT: local port (default
#                                          any), REG_TO: To URI when it is not the AOR.
#   st NAME                                status code of the (last) final answer, or "none"
#   reason NAME                            its reason phrase
#   hdrs NAME HEADER                       every value of HEADER in that answer, one a line
#   contacts NAME                          its Contact values, one a line
#   contact_expires NAME URI               the expires param of the Contact naming URI
#   sipctl ARGS...                         the sipctl next to $SIPD, with $TMP/sipd.conf

REG_DOMAIN=example.test
SIPCTL=$(dirname "$SIPD")/sipctl
[ -x "$SIPCTL" ] || fail "no sipctl next to $SIPD"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 (the CLI) not installed"

reg() {
	_n=$1 _aor=$2 _cid=$3 _cseq=$4
	shift 4
	{
		printf 'REGISTER sip:%s SIP/2.0\r\n' "$REG_DOMAIN"
		printf 'Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\r\n'
		printf 'Max-Forwards: 70\r\n'
		printf 'From: <%s>;tag=%s\r\n' "$_aor" "$_n"
		printf 'To: <%s>\r\n' "${REG_TO:-$_aor}"
		printf 'Call-ID: %s\r\n' "$_cid"
		printf 'CSeq: %s REGISTER\r\n' "$_cseq"
		printf 'User-Agent: reg-test/1.0\r\n'
		for _h in "$@"; do printf '%s\r\n' "$_h"; done
		printf 'Content-Length: 0\r\n\r\n'
	} >"$TMP/$_n.req"
	$SIPSEND --subst -p "$PORT" ${REG_LPORT:+-l "$REG_LPORT"} -n 1 -w 5 -v "$TMP/$_n.req" \
	    >"$TMP/$_n.resp" 2>&1
}

# The last final answer of NAME, as LF-ended text (sipsend -v output, "--" separated).
_final() {
	awk '/^SIP\/2\.0 [2-6][0-9][0-9] /{buf=""; keep=1} keep{buf=buf $0 "\n"} /^--$/{if (keep) last=buf; keep=0}
	    END{printf "%s", last}' "$TMP/$1.resp"
}

st() {
	_s=$(_final "$1" | sed -n '1s/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p')
	echo "${_s:-none}"
}

reason() {
	_final "$1" | sed -n '1s/^SIP\/2\.0 [0-9][0-9][0-9] //p'
}

hdrs() {
	_final "$1" | awk -v h="$2" 'NR > 1 && /^$/ {exit}
	    NR > 1 { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) ~ "^" tolower(h) "[ \t]*$") {
		v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v } }'
}

contacts() {
	hdrs "$1" Contact | "$PYTHON" -c '
import sys
for line in sys.stdin:
    depth = 0; cur = ""; q = False
    for ch in line.rstrip("\n"):
        if ch == "\"": q = not q
        if not q and ch == "<": depth += 1
        if not q and ch == ">": depth -= 1
        if ch == "," and not q and depth == 0:
            print(cur.strip()); cur = ""
        else:
            cur += ch
    if cur.strip(): print(cur.strip())'
}

contact_expires() {
	contacts "$1" | grep -F "<$2>" | sed -n 's/.*;[ ]*expires=\([0-9]*\).*/\1/p' | head -n 1
}

sipctl() {
	"$SIPCTL" -c "$TMP/sipd.conf" "$@"
}

# expect NAME CODE DESCRIPTION: one check that NAME's final answer has status CODE.
expect() {
	_got=$(st "$1")
	if [ "$_got" = "$2" ]; then ok "$3 ($2)"; else
		not_ok "$3: want $2, got $_got"
		sed 's/^/    | /' "$TMP/$1.resp"
	fi
}
