-- Password reset links (shop/passwordreset.go): only the SHA-256 of each
-- link's secret is kept. A link is used up by deleting its row; the
-- janitor deletes expired ones through the expiry index.
CREATE TABLE password_resets (
    id_hash        TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL,
    password_stamp TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX password_resets_by_expiry ON password_resets (expires_at);
