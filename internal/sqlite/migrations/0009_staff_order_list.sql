-- The staff's order list (Store.SearchOrders): newest first, by status or
-- across all, within a date range; orders_by_user serves one buyer's.
CREATE INDEX orders_by_status ON orders (status, created_at DESC, id DESC);
CREATE INDEX orders_by_created ON orders (created_at DESC, id DESC);
