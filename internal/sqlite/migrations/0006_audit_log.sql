-- The audit log of staff changes (issue 10, item 7): appended to, never
-- edited. The triggers refuse any UPDATE or DELETE, so not even a bug in
-- this program can rewrite history through SQL. The index serves the one
-- read, newest first with a cursor of (at, id).
CREATE TABLE audit_log (
	id       TEXT PRIMARY KEY,
	at       INTEGER NOT NULL,
	actor_id TEXT NOT NULL,
	action   TEXT NOT NULL,
	target   TEXT NOT NULL,
	before   TEXT NOT NULL,
	after    TEXT NOT NULL
) STRICT;

CREATE INDEX audit_log_newest ON audit_log (at DESC, id DESC);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'the audit log is append-only');
END;
