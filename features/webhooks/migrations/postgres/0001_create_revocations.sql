-- Part of the webhooks feature (docs/webhooks.md).
-- The revocation list (store/revocations.go): sessions and users whose tokens
-- are refused before their exp. A row is kept until keep_until, when no token
-- it refuses can still be valid, and then pruned.

-- Ended sessions (Hanko's session.delete.* webhooks): session_id is the
-- tokens' session_id claim, keep_until the session's expires_at.
CREATE TABLE revoked_sessions (
    session_id text        NOT NULL PRIMARY KEY,
    user_id    text        NOT NULL,
    revoked_at timestamptz NOT NULL,
    keep_until timestamptz NOT NULL
);

CREATE INDEX revoked_sessions_keep_until ON revoked_sessions (keep_until);

-- Deleted users (user.delete, the purge): every token of user_id is refused
-- and no write for them lands, until keep_until = revoked_at + the longest
-- a token issued before can live.
CREATE TABLE revoked_users (
    user_id    text        NOT NULL PRIMARY KEY,
    revoked_at timestamptz NOT NULL,
    keep_until timestamptz NOT NULL
);

CREATE INDEX revoked_users_keep_until ON revoked_users (keep_until);
