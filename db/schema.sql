-- sipd database schema, version 6.  sipd creates it at start (and migrates older versions);
-- PRAGMA user_version holds the version.  Readable with: sqlite3 -readonly /var/lib/sipd/sipd.db
PRAGMA user_version = 6;

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
-- AUTOINCREMENT (version 2): ids never come back once rows are deleted, since sipd takes only
-- ids above the last one it applied.
CREATE TABLE IF NOT EXISTS admin_queue (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	op		TEXT NOT NULL,		-- 'reg_del', 'pbx_changed'
	arg		TEXT NOT NULL,
	created		INTEGER NOT NULL DEFAULT (strftime('%s','now'))
);

-- Version 2: small-PBX features.  A version-1 database is upgraded in place: sipd drops its
-- admin_queue (pending notes only; re-created AUTOINCREMENT above), and every statement here
-- is CREATE ... IF NOT EXISTS, so running the whole file adds what is missing.

-- Ring groups: a call to sip:NUMBER@DOMAIN rings the members, all at once (parallel) or one
-- after the other (serial, by q, highest first; a member rings `timeout` seconds, then the
-- next).  Parallel: the whole group rings `timeout` seconds (0: until proxy.timer_c).
CREATE TABLE IF NOT EXISTS ring_groups (
	number		TEXT NOT NULL,
	domain		TEXT NOT NULL,
	strategy	TEXT NOT NULL DEFAULT 'parallel' CHECK (strategy IN ('parallel', 'serial')),
	timeout		INTEGER NOT NULL DEFAULT 0 CHECK (timeout >= 0),
	PRIMARY KEY (number, domain)
);
CREATE TABLE IF NOT EXISTS ring_group_members (
	number		TEXT NOT NULL,
	domain		TEXT NOT NULL,
	member		TEXT NOT NULL,		-- a username (or extension) of domain
	q		REAL NOT NULL DEFAULT 1.0,	-- serial order, highest first
	timeout		INTEGER NOT NULL DEFAULT 0,	-- serial: this member's ring time; 0: the group's
	PRIMARY KEY (number, domain, member),
	FOREIGN KEY (number, domain) REFERENCES ring_groups (number, domain) ON DELETE CASCADE
);

-- Call forwarding per user.  always: calls go to target instead; busy: to target when the
-- user's phones answer 486; noanswer: to target when they ring `after` seconds unanswered (or
-- answer 408/480, or none is registered).  target: a username, an extension, a ring group
-- number, or a SIP URI.
CREATE TABLE IF NOT EXISTS forwards (
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	kind		TEXT NOT NULL CHECK (kind IN ('always', 'busy', 'noanswer')),
	target		TEXT NOT NULL,
	after		INTEGER NOT NULL DEFAULT 20 CHECK (after > 0),
	PRIMARY KEY (username, domain, kind)
);

-- Call detail records: one row per call (an INVITE starting a dialog), written when it ends.
-- Times are Unix time in seconds (with milliseconds).
CREATE TABLE IF NOT EXISTS cdr (
	id		INTEGER PRIMARY KEY,
	call_id		TEXT NOT NULL,
	caller		TEXT NOT NULL,		-- the From URI
	callee		TEXT NOT NULL,		-- the Request-URI as dialled
	answered_by	TEXT NOT NULL DEFAULT '',	-- the AOR (or URI) whose phone answered
	start_time	REAL NOT NULL,		-- the INVITE arrived
	answer_time	REAL,			-- the 2xx went to the caller; NULL: not answered
	end_time	REAL NOT NULL,		-- BYE, or the final failure response
	duration	REAL NOT NULL DEFAULT 0,	-- end_time - answer_time; 0 when not answered
	status		INTEGER NOT NULL,	-- final status the caller got (200: answered)
	reason		TEXT NOT NULL,		-- caller hangup, callee hangup, busy, no answer, ...
	packets_from_caller INTEGER NOT NULL DEFAULT 0,	-- RTP packets relayed caller -> callee
	packets_from_callee INTEGER NOT NULL DEFAULT 0	-- RTP packets relayed callee -> caller
);
CREATE INDEX IF NOT EXISTS cdr_start ON cdr (start_time);

-- Call records for people: local times, seconds rounded.
CREATE VIEW IF NOT EXISTS calls AS
	SELECT id, caller, callee, answered_by,
	       datetime(start_time, 'unixepoch', 'localtime') AS started,
	       datetime(answer_time, 'unixepoch', 'localtime') AS answered,
	       datetime(end_time, 'unixepoch', 'localtime') AS ended,
	       round(duration) AS seconds, status, reason,
	       packets_from_caller, packets_from_callee, call_id
	FROM cdr;

-- Version 3: messages that wait (store and forward).  A version-2 database is upgraded in
-- place by running this file (CREATE ... IF NOT EXISTS adds what is missing).

-- A MESSAGE (RFC 3428) for a local user whose phones are all offline, kept until one of them
-- registers and answers it with a 2xx (or until expires).  The sender's From and To header
-- values, the Content-Type and the body are kept byte for byte (body as a BLOB).
CREATE TABLE IF NOT EXISTS messages (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,	-- delivery order within an AOR
	aor		TEXT NOT NULL,		-- sip:user@domain of the recipient
	sender		TEXT NOT NULL,		-- the From header value, as sent
	recipient	TEXT NOT NULL,		-- the To header value, as sent
	call_id		TEXT NOT NULL,		-- of the MESSAGE as received (for the logs)
	content_type	TEXT NOT NULL,
	body		BLOB NOT NULL,
	received	INTEGER NOT NULL,	-- Unix time sipd took it (the Date of the delivery)
	expires		INTEGER NOT NULL	-- Unix time after which it is dropped unsent
);
CREATE INDEX IF NOT EXISTS messages_aor ON messages (aor, id);
CREATE INDEX IF NOT EXISTS messages_expires ON messages (expires);

-- Waiting messages for people: local times, the body as text.
CREATE VIEW IF NOT EXISTS offline_messages AS
	SELECT id, aor, sender, content_type, length(body) AS bytes,
	       datetime(received, 'unixepoch', 'localtime') AS received_at,
	       datetime(expires, 'unixepoch', 'localtime') AS expires_at,
	       CAST(body AS TEXT) AS text, call_id
	FROM messages WHERE expires > CAST(strftime('%s','now') AS INTEGER);

-- Version 4: presence.  A version-3 database is upgraded in place by running this file.

-- Watchers from outside a user's domain who may see the user's presence and dialogs
-- (sipctl presence allow WATCHER USER).  Users of the same domain need no row.
CREATE TABLE IF NOT EXISTS presence_allow (
	watcher		TEXT NOT NULL,		-- the watcher's From URI, e.g. sip:carol@example.org
	aor		TEXT NOT NULL,		-- sip:user@domain of the watched user
	created		INTEGER NOT NULL DEFAULT (strftime('%s','now')),
	PRIMARY KEY (watcher, aor)
);

-- Presence publications (RFC 3903): each device's PIDF document as published, under the
-- entity-tag sipd gave it, kept until it expires or is removed; sipd answers a PUBLISH only
-- once its row is committed, and loads the rows at start.
CREATE TABLE IF NOT EXISTS publications (
	etag		TEXT PRIMARY KEY,
	aor		TEXT NOT NULL,		-- sip:user@domain of the publishing user
	body		BLOB NOT NULL,		-- the PIDF document, byte for byte
	expires		INTEGER NOT NULL	-- Unix time
);
CREATE INDEX IF NOT EXISTS publications_aor ON publications (aor);

-- Version 5: web console.  A version-3 or -4 database is upgraded in place by running this
-- file (CREATE ... IF NOT EXISTS adds what is missing).  Console sessions live in sipd's
-- memory only (a restart logs everyone out).

-- Console administrators (sipctl admin add NAME).  pwhash: "scrypt$N$r$p$SALT$HASH" (hex),
-- never the password.
CREATE TABLE IF NOT EXISTS console_admins (
	name		TEXT PRIMARY KEY,
	pwhash		TEXT NOT NULL,
	created		INTEGER NOT NULL DEFAULT (strftime('%s','now'))
);

-- One-time phone provisioning links: the SHA-256 of the link's secret (never the secret),
-- whose account it sets up, until when it works, and when it was used (0: not yet).
CREATE TABLE IF NOT EXISTS provision_links (
	token_sha256	TEXT PRIMARY KEY,
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	created_by	TEXT NOT NULL,
	created		INTEGER NOT NULL DEFAULT (strftime('%s','now')),
	expires		INTEGER NOT NULL,
	used		INTEGER NOT NULL DEFAULT 0,
	used_from	TEXT NOT NULL DEFAULT ''
);

-- Version 6: voicemail.  A version-5 or older database is upgraded in place by running this file.

-- Voicemail boxes (sipctl vm enable USER [--after S] [--pin PIN]).  A call to the user that
-- is not answered within `after` seconds, is busy everywhere or finds no phone registered
-- is answered by sipd's voicemail.  pin: what others dial after the box number to listen.
CREATE TABLE IF NOT EXISTS vm_boxes (
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	after		INTEGER NOT NULL DEFAULT 20,	-- s of ringing before voicemail answers
	pin		TEXT NOT NULL DEFAULT '',	-- digits; '' = only the owner's phones
	greeting	TEXT,				-- the user's greeting file; NULL: the default
	created		INTEGER NOT NULL DEFAULT (strftime('%s','now')),
	PRIMARY KEY (username, domain)
);

-- Voice messages: a row is written only once its WAV file (in the voicemail directory next to
-- the database) is complete and fsynced, so nothing half-written is ever listed.
CREATE TABLE IF NOT EXISTS vm_messages (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	caller		TEXT NOT NULL,			-- the caller's From URI
	call_id		TEXT NOT NULL,
	created		INTEGER NOT NULL,		-- Unix time the recording began
	duration	INTEGER NOT NULL,		-- ms
	file		TEXT NOT NULL,			-- file name inside the voicemail directory
	heard		INTEGER NOT NULL DEFAULT 0	-- 0 new, 1 old (saved)
);
CREATE INDEX IF NOT EXISTS vm_messages_box ON vm_messages (username, domain, id);
