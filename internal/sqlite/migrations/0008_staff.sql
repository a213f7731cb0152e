-- Staff accounts and the second factor (CONTRACT.md, "Staff"): every
-- existing account is a customer; a TOTP secret ('' for none) and the time
-- step of its last accepted code, which makes each code single-use; and a
-- session's second factor state ('' none needed, 'pending', 'passed').
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'customer';
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
CREATE INDEX users_by_role ON users (role, email);
ALTER TABLE sessions ADD COLUMN second_factor TEXT NOT NULL DEFAULT '';
