-- The fingerprint of the user's password hash when a session began: a
-- session whose user's password changed since is ended at its next use,
-- one a sign-in racing the change created after the change ended the
-- others included. Sessions from before keep '' (not checked).
ALTER TABLE sessions ADD COLUMN password_stamp TEXT NOT NULL DEFAULT '';
