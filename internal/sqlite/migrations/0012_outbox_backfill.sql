-- Orders placed before the outbox existed (migration 0010) and still placed
-- get their placement event now, oldest first, so the order processor
-- accepts and confirms them like any other (docs/processing.md).
INSERT INTO processing_outbox (order_id, status, at)
SELECT id, status, created_at FROM orders WHERE status = 'placed'
	AND id NOT IN (SELECT order_id FROM processing_outbox)
ORDER BY created_at, id;
