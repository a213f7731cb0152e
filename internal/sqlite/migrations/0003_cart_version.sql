-- Carts get a version: an opaque random token that changes with every save.
-- A save and an order placement are conditional on the version the service
-- read (compare-and-set), so two checkouts of one cart place one order and
-- a line added while a checkout runs is never dropped. Random tokens never
-- repeat, so a cart deleted at placement and saved again cannot accept a
-- save conditioned on a version from before (no ABA); '' is a cart never
-- saved (no row). Existing carts get a token of their own.
ALTER TABLE carts ADD COLUMN version TEXT NOT NULL DEFAULT '';
UPDATE carts SET version = lower(hex(randomblob(12)));
