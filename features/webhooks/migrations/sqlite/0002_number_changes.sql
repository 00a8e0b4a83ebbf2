-- Every change to the revocation list gets the next number from
-- revocation_changes, so a replica reads only the rows changed since the
-- number it last read, and a deleted row leaves a tombstone with its own
-- number, so the replicas forget it too. Triggers number every change, ours
-- and any made by hand. Writers take the counter's row one at a time (SQLite
-- has one writer anyway), so numbers become visible in order.
-- A deleted user's revocation is never pruned (a token issued before the
-- deletion may live as long as Hanko's session lifespan, which has no upper
-- bound), so revoked_users loses its keep_until.

CREATE TABLE revocation_changes (
    id        INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq       INTEGER NOT NULL, -- the number of the last change
    forgotten INTEGER NOT NULL  -- tombstones numbered up to this were deleted
);
INSERT INTO revocation_changes (id, seq, forgotten) VALUES (1, 0, 0);

ALTER TABLE revoked_sessions ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX revoked_sessions_seq ON revoked_sessions (seq);

DROP INDEX revoked_users_keep_until;
ALTER TABLE revoked_users DROP COLUMN keep_until;
ALTER TABLE revoked_users ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX revoked_users_seq ON revoked_users (seq);

-- session_id is '' for a user's revocation. Kept for a day (see the purge of
-- tombstones in store.go); a replica that fell further behind reloads all.
CREATE TABLE revocation_tombstones (
    seq        INTEGER NOT NULL,
    session_id TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    deleted_at TEXT    NOT NULL
);
CREATE INDEX revocation_tombstones_seq ON revocation_tombstones (seq);
CREATE INDEX revocation_tombstones_deleted_at ON revocation_tombstones (deleted_at);

CREATE TRIGGER revoked_sessions_inserted AFTER INSERT ON revoked_sessions BEGIN
    UPDATE revocation_changes SET seq = seq + 1 WHERE id = 1;
    UPDATE revoked_sessions SET seq = (SELECT seq FROM revocation_changes WHERE id = 1) WHERE session_id = new.session_id;
END;

CREATE TRIGGER revoked_sessions_updated AFTER UPDATE OF session_id, user_id, keep_until ON revoked_sessions BEGIN
    UPDATE revocation_changes SET seq = seq + 1 WHERE id = 1 AND old.session_id <> new.session_id;
    INSERT INTO revocation_tombstones (seq, session_id, user_id, deleted_at)
        SELECT seq, old.session_id, old.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        FROM revocation_changes WHERE id = 1 AND old.session_id <> new.session_id;
    UPDATE revocation_changes SET seq = seq + 1 WHERE id = 1;
    UPDATE revoked_sessions SET seq = (SELECT seq FROM revocation_changes WHERE id = 1) WHERE session_id = new.session_id;
END;

CREATE TRIGGER revoked_sessions_deleted AFTER DELETE ON revoked_sessions BEGIN
    UPDATE revocation_changes SET seq = seq + 1 WHERE id = 1;
    INSERT INTO revocation_tombstones (seq, session_id, user_id, deleted_at)
        SELECT seq, old.session_id, old.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM revocation_changes WHERE id = 1;
END;

CREATE TRIGGER revoked_users_inserted AFTER INSERT ON revoked_users BEGIN
    UPDATE revocation_changes SET seq = seq + 1 WHERE id = 1;
    UPDATE revoked_users SET seq = (SELECT seq FROM revocation_changes WHERE id = 1) WHERE user_id = new.user_id;
END;

CREATE TRIGGER revoked_users_updated AFTER UPDATE OF user_id ON revoked_users BEGIN
    UPDATE revocation_changes SET seq = seq + 1 WHERE id = 1 AND old.user_id <> new.user_id;
    INSERT INTO revocation_tombstones (seq, session_id, user_id, deleted_at)
        SELECT seq, '', old.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        FROM revocation_changes WHERE id = 1 AND old.user_id <> new.user_id;
    UPDATE revocation_changes SET seq = seq + 1 WHERE id = 1;
    UPDATE revoked_users SET seq = (SELECT seq FROM revocation_changes WHERE id = 1) WHERE user_id = new.user_id;
END;

CREATE TRIGGER revoked_users_deleted AFTER DELETE ON revoked_users BEGIN
    UPDATE revocation_changes SET seq = seq + 1 WHERE id = 1;
    INSERT INTO revocation_tombstones (seq, session_id, user_id, deleted_at)
        SELECT seq, '', old.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM revocation_changes WHERE id = 1;
END;

