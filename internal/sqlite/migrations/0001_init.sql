-- The initial schema. Money is INTEGER cents; times are INTEGER unix
-- milliseconds, UTC, which round-trips the service's millisecond times
-- exactly. Ids of users and products are not foreign keys elsewhere: a cart
-- may hold a product since withdrawn, and an order outlives anything it
-- names.

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE, -- lower-cased by the service; the index serves sign-in
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
	id_hash      TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	user_id      TEXT NOT NULL, -- '' for a guest
	cart_id      TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE login_throttles (
	key          TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	window_start INTEGER NOT NULL,
	locked_until INTEGER NOT NULL
) STRICT;

CREATE TABLE categories (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
) STRICT;

CREATE TABLE products (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	description TEXT NOT NULL,
	category    TEXT NOT NULL,
	price_cents INTEGER NOT NULL,
	stock       INTEGER NOT NULL CHECK (stock >= 0),
	active      INTEGER NOT NULL CHECK (active IN (0, 1)),
	created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX products_by_category ON products (category, active);

CREATE TABLE carts (
	id         TEXT PRIMARY KEY,
	updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE cart_lines (
	cart_id     TEXT NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
	position    INTEGER NOT NULL, -- the shopper's order of adding
	product_id  TEXT NOT NULL,
	quantity    INTEGER NOT NULL,
	price_cents INTEGER NOT NULL, -- the price the shopper saw
	PRIMARY KEY (cart_id, position)
) STRICT;

CREATE TABLE orders (
	id               TEXT PRIMARY KEY,
	user_id          TEXT NOT NULL,
	user_email       TEXT NOT NULL,
	status           TEXT NOT NULL,
	created_at       INTEGER NOT NULL,
	currency         TEXT NOT NULL,
	item_count       INTEGER NOT NULL,
	subtotal_cents   INTEGER NOT NULL,
	shipping_cents   INTEGER NOT NULL,
	total_cents      INTEGER NOT NULL,
	ship_full_name   TEXT NOT NULL,
	ship_line1       TEXT NOT NULL,
	ship_line2       TEXT NOT NULL,
	ship_city        TEXT NOT NULL,
	ship_postal_code TEXT NOT NULL,
	ship_country     TEXT NOT NULL
) STRICT;
CREATE INDEX orders_by_user ON orders (user_id, created_at DESC, id);

CREATE TABLE order_items (
	order_id         TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
	position         INTEGER NOT NULL,
	product_id       TEXT NOT NULL,
	name             TEXT NOT NULL,
	unit_price_cents INTEGER NOT NULL,
	quantity         INTEGER NOT NULL,
	line_total_cents INTEGER NOT NULL,
	PRIMARY KEY (order_id, position)
) STRICT;
