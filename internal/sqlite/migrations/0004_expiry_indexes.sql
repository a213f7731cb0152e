-- Indexes for the janitor (janitor.go), which deletes expired rows in
-- batches: each batch finds its rows through an index instead of scanning
-- the whole table.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX carts_by_updated ON carts (updated_at);
CREATE INDEX login_throttles_by_lock ON login_throttles (locked_until);
