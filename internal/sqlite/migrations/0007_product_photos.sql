-- Product photos (issue 10, item 4): a product names the content-hashed
-- files of its photo's sizes ('' for none: the generated picture), and the
-- files themselves are kept here, one row per name. A name is the hash of
-- its bytes, so a row is never updated.
ALTER TABLE products ADD COLUMN photo_card TEXT NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN photo_page TEXT NOT NULL DEFAULT '';

CREATE TABLE images (
	name         TEXT PRIMARY KEY,
	content_type TEXT NOT NULL,
	data         BLOB NOT NULL
) STRICT;
