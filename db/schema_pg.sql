-- sipd database schema for PostgreSQL, version 6 (db/schema.sql translated; same tables,
-- same columns, same meaning).  sipd creates it at start and upgrades older versions in place:
-- every statement is CREATE ... IF NOT EXISTS (or OR REPLACE), so running the file adds what
-- is missing.  sipd_schema holds the version.  Several sipd nodes may start at once: sipd runs
-- this file in one transaction holding an advisory lock.
CREATE TABLE IF NOT EXISTS sipd_schema (version INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS users (
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	realm		TEXT NOT NULL,
	ha1_md5		TEXT NOT NULL,
	ha1_sha256	TEXT NOT NULL,
	extension	TEXT UNIQUE,
	enabled		INTEGER NOT NULL DEFAULT 1,
	created		BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint,
	PRIMARY KEY (username, domain)
);

CREATE TABLE IF NOT EXISTS location (
	aor		TEXT NOT NULL,
	binding_key	TEXT NOT NULL,
	contact		TEXT NOT NULL,
	params		TEXT NOT NULL DEFAULT '',
	received_proto	TEXT NOT NULL,
	received_ip	TEXT NOT NULL,
	received_port	INTEGER NOT NULL,
	nat		INTEGER NOT NULL DEFAULT 0,
	path		TEXT NOT NULL DEFAULT '',
	expires		BIGINT NOT NULL,
	q		DOUBLE PRECISION NOT NULL DEFAULT 1.0,
	call_id		TEXT NOT NULL,
	cseq		BIGINT NOT NULL,
	user_agent	TEXT NOT NULL DEFAULT '',
	instance	TEXT NOT NULL DEFAULT '',
	reg_id		INTEGER NOT NULL DEFAULT 0,
	updated		BIGINT NOT NULL,
	PRIMARY KEY (aor, binding_key)
);
CREATE INDEX IF NOT EXISTS location_expires ON location (expires);

CREATE OR REPLACE VIEW registrations AS
	SELECT aor, contact,
	       received_proto || ':' || received_ip || ':' || received_port AS received,
	       to_timestamp(expires) AS expires_at,
	       expires - extract(epoch FROM now())::bigint AS seconds_left,
	       q, user_agent, instance, reg_id, path, to_timestamp(updated) AS updated_at, nat
	FROM location WHERE expires > extract(epoch FROM now())::bigint;

CREATE TABLE IF NOT EXISTS admin_queue (
	id		BIGSERIAL PRIMARY KEY,
	op		TEXT NOT NULL,
	arg		TEXT NOT NULL,
	created		BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint
);

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
	member		TEXT NOT NULL,
	q		DOUBLE PRECISION NOT NULL DEFAULT 1.0,
	timeout		INTEGER NOT NULL DEFAULT 0,
	seq		BIGSERIAL,		-- insertion order (SQLite's rowid)
	PRIMARY KEY (number, domain, member),
	FOREIGN KEY (number, domain) REFERENCES ring_groups (number, domain) ON DELETE CASCADE
);

CREATE TABLE IF NOT EXISTS forwards (
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	kind		TEXT NOT NULL CHECK (kind IN ('always', 'busy', 'noanswer')),
	target		TEXT NOT NULL,
	after		INTEGER NOT NULL DEFAULT 20 CHECK (after > 0),
	PRIMARY KEY (username, domain, kind)
);

CREATE TABLE IF NOT EXISTS cdr (
	id		BIGSERIAL PRIMARY KEY,
	call_id		TEXT NOT NULL,
	caller		TEXT NOT NULL,
	callee		TEXT NOT NULL,
	answered_by	TEXT NOT NULL DEFAULT '',
	start_time	DOUBLE PRECISION NOT NULL,
	answer_time	DOUBLE PRECISION,
	end_time	DOUBLE PRECISION NOT NULL,
	duration	DOUBLE PRECISION NOT NULL DEFAULT 0,
	status		INTEGER NOT NULL,
	reason		TEXT NOT NULL,
	packets_from_caller BIGINT NOT NULL DEFAULT 0,
	packets_from_callee BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS cdr_start ON cdr (start_time);

CREATE OR REPLACE VIEW calls AS
	SELECT id, caller, callee, answered_by, to_timestamp(start_time) AS started,
	       to_timestamp(answer_time) AS answered, to_timestamp(end_time) AS ended,
	       round(duration) AS seconds, status, reason,
	       packets_from_caller, packets_from_callee, call_id
	FROM cdr;

CREATE TABLE IF NOT EXISTS messages (
	id		BIGSERIAL PRIMARY KEY,
	aor		TEXT NOT NULL,
	sender		TEXT NOT NULL,
	recipient	TEXT NOT NULL,
	call_id		TEXT NOT NULL,
	content_type	TEXT NOT NULL,
	body		BYTEA NOT NULL,
	received	BIGINT NOT NULL,
	expires		BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_aor ON messages (aor, id);
CREATE INDEX IF NOT EXISTS messages_expires ON messages (expires);

CREATE OR REPLACE VIEW offline_messages AS
	SELECT id, aor, sender, content_type, length(body) AS bytes,
	       to_timestamp(received) AS received_at, to_timestamp(expires) AS expires_at,
	       convert_from(body, 'UTF8') AS text, call_id
	FROM messages WHERE expires > extract(epoch FROM now())::bigint;

CREATE TABLE IF NOT EXISTS presence_allow (
	watcher		TEXT NOT NULL,
	aor		TEXT NOT NULL,
	created		BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint,
	PRIMARY KEY (watcher, aor)
);

CREATE TABLE IF NOT EXISTS publications (
	etag		TEXT PRIMARY KEY,
	aor		TEXT NOT NULL,
	body		BYTEA NOT NULL,
	expires		BIGINT NOT NULL,
	seq		BIGSERIAL
);
CREATE INDEX IF NOT EXISTS publications_aor ON publications (aor);

-- Version 5: the web console's administrators and one-time provisioning links (the console
-- itself runs on SQLite only so far; the tables keep both schemas at one version).
CREATE TABLE IF NOT EXISTS console_admins (
	name		TEXT PRIMARY KEY,
	pwhash		TEXT NOT NULL,
	created		BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint
);
CREATE TABLE IF NOT EXISTS provision_links (
	token_sha256	TEXT PRIMARY KEY,
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	created_by	TEXT NOT NULL,
	created		BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint,
	expires		BIGINT NOT NULL,
	used		BIGINT NOT NULL DEFAULT 0,
	used_from	TEXT NOT NULL DEFAULT ''
);

-- Version 6: voicemail boxes and messages (voicemail itself runs on SQLite only so far).
CREATE TABLE IF NOT EXISTS vm_boxes (
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	after		INTEGER NOT NULL DEFAULT 20,
	pin		TEXT NOT NULL DEFAULT '',
	greeting	TEXT,
	created		BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint,
	PRIMARY KEY (username, domain)
);
CREATE TABLE IF NOT EXISTS vm_messages (
	id		BIGSERIAL PRIMARY KEY,
	username	TEXT NOT NULL,
	domain		TEXT NOT NULL,
	caller		TEXT NOT NULL,
	call_id		TEXT NOT NULL,
	created		BIGINT NOT NULL,
	duration	INTEGER NOT NULL,
	file		TEXT NOT NULL,
	heard		INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS vm_messages_box ON vm_messages (username, domain, id);

-- SQLite's datetime(t, 'unixepoch', 'localtime'), which sipctl's listings use.
CREATE OR REPLACE FUNCTION datetime(t DOUBLE PRECISION, a TEXT, b TEXT) RETURNS TEXT
	AS $$ SELECT to_char(to_timestamp(t), 'YYYY-MM-DD HH24:MI:SS') $$ LANGUAGE sql STABLE;

DELETE FROM sipd_schema;
INSERT INTO sipd_schema (version) VALUES (6);
