-- Throttle records get a version, so that SaveLoginThrottle can save over
-- the version it read (compare-and-set) and servers sharing the file never
-- lose each other's updates. Records saved before read as version 0.
ALTER TABLE login_throttles ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
