-- The catalog's change log, the feed each server's catalog read model
-- follows (shop.CatalogFollower, catalogfeed.go): every insert or update of
-- a product or category adds a row in the same transaction, so a follower
-- that read the log up to seq has seen every change committed before it.
-- The janitor deletes rows older than an hour; a follower that fell that
-- far behind loads the whole catalog again.
CREATE TABLE IF NOT EXISTS catalog_changes (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	kind       TEXT NOT NULL CHECK (kind IN ('product', 'category')),
	id         TEXT NOT NULL,
	changed_at INTEGER NOT NULL DEFAULT (unixepoch() * 1000)
) STRICT;
CREATE INDEX IF NOT EXISTS catalog_changes_by_time ON catalog_changes (changed_at);

CREATE TRIGGER IF NOT EXISTS product_inserted AFTER INSERT ON products BEGIN
	INSERT INTO catalog_changes (kind, id) VALUES ('product', NEW.id);
END;
CREATE TRIGGER IF NOT EXISTS product_updated AFTER UPDATE ON products BEGIN
	INSERT INTO catalog_changes (kind, id) VALUES ('product', NEW.id);
END;
CREATE TRIGGER IF NOT EXISTS category_inserted AFTER INSERT ON categories BEGIN
	INSERT INTO catalog_changes (kind, id) VALUES ('category', NEW.id);
END;
CREATE TRIGGER IF NOT EXISTS category_updated AFTER UPDATE ON categories BEGIN
	INSERT INTO catalog_changes (kind, id) VALUES ('category', NEW.id);
END;
