-- sipd database schema, version 1.  sipd creates it at start (and migrates older versions);
-- PRAGMA user_version holds the version.  Readable with: sqlite3 -readonly /var/lib/sipd/sipd.db
PRAGMA user_version = 1;

-- Users who may register and call.  Passwords are never stored: HA1 = H(user:realm:password)
-- for MD5 and SHA-256 (RFC 3261 22, RFC 8760), computed for the realm in the realm column.
CREATE TABLE IF NOT EXISTS users (
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	realm		TEXT NOT NULL,
	ha1_md5		TEXT NOT NULL,
	ha1_sha256	TEXT NOT NULL,
	extension	TEXT UNIQUE,
	enabled		INTEGER NOT NULL DEFAULT 1,
	created		INTEGER NOT NULL DEFAULT (strftime('%s','now')),
	PRIMARY KEY (username, domain)
);

-- The location table: one row per binding (RFC 3261 10.3).  A binding is identified within its
-- AOR by binding_key: "+sip.instance" and reg-id when the phone sent them (RFC 5626 6),
-- otherwise its contact URI.
CREATE TABLE IF NOT EXISTS location (
	aor		TEXT NOT NULL,		-- sip:user@domain
	binding_key	TEXT NOT NULL,
	contact		TEXT NOT NULL,		-- the contact URI
	params		TEXT NOT NULL DEFAULT '',	-- other Contact header params, as sent
	received_proto	TEXT NOT NULL,		-- udp / tcp / tls: where the REGISTER came from
	received_ip	TEXT NOT NULL,
	received_port	INTEGER NOT NULL,
	nat		INTEGER NOT NULL DEFAULT 0,	-- 1: reach it at received_* (NAT, or a stream flow), 0: at its contact
	path		TEXT NOT NULL DEFAULT '',	-- Path header values (RFC 3327), comma-joined
	expires		INTEGER NOT NULL,	-- Unix time
	q		REAL NOT NULL DEFAULT 1.0,
	call_id		TEXT NOT NULL,
	cseq		INTEGER NOT NULL,
	user_agent	TEXT NOT NULL DEFAULT '',
	instance	TEXT NOT NULL DEFAULT '',	-- +sip.instance
	reg_id		INTEGER NOT NULL DEFAULT 0,
	updated		INTEGER NOT NULL,	-- Unix time of the last REGISTER
	PRIMARY KEY (aor, binding_key)
);
CREATE INDEX IF NOT EXISTS location_expires ON location (expires);

-- Registrations for people: expiry in local time and seconds left; expired rows hidden.
CREATE VIEW IF NOT EXISTS registrations AS
	SELECT aor, contact,
	       received_proto || ':' || received_ip || ':' || received_port AS received,
	       datetime(expires, 'unixepoch', 'localtime') AS expires_at,
	       expires - CAST(strftime('%s','now') AS INTEGER) AS seconds_left,
	       q, user_agent, instance, reg_id, path,
	       datetime(updated, 'unixepoch', 'localtime') AS updated_at, nat
	FROM location WHERE expires > CAST(strftime('%s','now') AS INTEGER);

-- Changes made by sipctl while sipd runs; sipd applies and deletes them (polled each second).
CREATE TABLE IF NOT EXISTS admin_queue (
	id		INTEGER PRIMARY KEY,
	op		TEXT NOT NULL,		-- 'reg_del'
	arg		TEXT NOT NULL,
	created		INTEGER NOT NULL DEFAULT (strftime('%s','now'))
);
