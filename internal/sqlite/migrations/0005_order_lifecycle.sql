-- The order lifecycle after placement (CONTRACT.md, "Order lifecycle"): the
-- time of the last status change (NULL until one), the tracking number of a
-- shipped order ('' until then) and every change, oldest first. Placement
-- writes none of them.
ALTER TABLE orders ADD COLUMN updated_at INTEGER;
ALTER TABLE orders ADD COLUMN tracking_number TEXT NOT NULL DEFAULT '';

CREATE TABLE order_status_history (
	order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	status   TEXT NOT NULL,
	at       INTEGER NOT NULL,
	actor    TEXT NOT NULL,
	PRIMARY KEY (order_id, position)
) STRICT;
