-- Order processing (docs/processing.md). The outbox lists every order event
-- (the placement and each status change) in the order they committed: the
-- triggers write its rows inside the very transaction that placed or changed
-- the order, so an event is never lost nor invented. The processor reads it
-- by seq and deletes what it has handled.
CREATE TABLE processing_outbox (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	order_id TEXT NOT NULL,
	status   TEXT NOT NULL,
	at       INTEGER NOT NULL -- when the event committed, milliseconds (the processor's lag)
) STRICT;

CREATE TRIGGER processing_outbox_placed AFTER INSERT ON orders
BEGIN
	INSERT INTO processing_outbox (order_id, status, at)
	VALUES (new.id, new.status, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

CREATE TRIGGER processing_outbox_changed AFTER UPDATE OF status ON orders
WHEN old.status IS NOT new.status
BEGIN
	INSERT INTO processing_outbox (order_id, status, at)
	VALUES (new.id, new.status, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

-- One message per order event, claimed before it is sent (shop.MessageRecord).
CREATE TABLE order_messages (
	order_id   TEXT NOT NULL,
	event      TEXT NOT NULL,
	message_id TEXT NOT NULL,
	state      TEXT NOT NULL,
	owner      TEXT NOT NULL,
	claimed_at INTEGER NOT NULL,
	sent_at    INTEGER NOT NULL DEFAULT 0, -- 0 until sent
	PRIMARY KEY (order_id, event)
) STRICT;

-- Order events the processor gave up on, for staff (shop.DeadLetter).
CREATE TABLE dead_letters (
	order_id TEXT NOT NULL,
	event    TEXT NOT NULL,
	error    TEXT NOT NULL,
	attempts INTEGER NOT NULL,
	at       INTEGER NOT NULL,
	PRIMARY KEY (order_id, event)
) STRICT;
