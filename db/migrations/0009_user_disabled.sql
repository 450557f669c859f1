-- A disabled account cannot log in and its sessions are revoked (issue #11); NULL = enabled.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
