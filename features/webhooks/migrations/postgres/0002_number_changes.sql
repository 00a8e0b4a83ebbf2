-- Every change to the revocation list gets the next number from
-- revocation_changes, so a replica reads only the rows changed since the
-- number it last read, and a deleted row leaves a tombstone with its own
-- number, so the replicas forget it too. Triggers number every change, ours
-- and any made by hand. A writer holds the counter's row lock until it
-- commits, so the next number is handed out only after the last one is
-- visible: a replica that read up to n has seen every change up to n.
-- A deleted user's revocation is never pruned (a token issued before the
-- deletion may live as long as Hanko's session lifespan, which has no upper
-- bound), so revoked_users loses its keep_until.

CREATE TABLE revocation_changes (
    id        integer NOT NULL PRIMARY KEY CHECK (id = 1),
    seq       bigint  NOT NULL, -- the number of the last change
    forgotten bigint  NOT NULL  -- tombstones numbered up to this were deleted
);
INSERT INTO revocation_changes (id, seq, forgotten) VALUES (1, 0, 0);

ALTER TABLE revoked_sessions ADD COLUMN seq bigint NOT NULL DEFAULT 0;
CREATE INDEX revoked_sessions_seq ON revoked_sessions (seq);

DROP INDEX revoked_users_keep_until;
ALTER TABLE revoked_users DROP COLUMN keep_until;
ALTER TABLE revoked_users ADD COLUMN seq bigint NOT NULL DEFAULT 0;
CREATE INDEX revoked_users_seq ON revoked_users (seq);

-- session_id is '' for a user's revocation. Kept for a day (see the purge of
-- tombstones in store.go); a replica that fell further behind reloads all.
CREATE TABLE revocation_tombstones (
    seq        bigint      NOT NULL,
    session_id text        NOT NULL,
    user_id    text        NOT NULL,
    deleted_at timestamptz NOT NULL
);
CREATE INDEX revocation_tombstones_seq ON revocation_tombstones (seq);
CREATE INDEX revocation_tombstones_deleted_at ON revocation_tombstones (deleted_at);

CREATE FUNCTION revocation_next_seq() RETURNS bigint LANGUAGE sql AS $$
    UPDATE revocation_changes SET seq = seq + 1 WHERE id = 1 RETURNING seq
$$;

CREATE FUNCTION revoked_sessions_numbered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.session_id <> NEW.session_id THEN
        INSERT INTO revocation_tombstones (seq, session_id, user_id, deleted_at)
            VALUES (revocation_next_seq(), OLD.session_id, OLD.user_id, now());
    END IF;
    NEW.seq := revocation_next_seq();
    RETURN NEW;
END
$$;
CREATE TRIGGER revoked_sessions_numbered BEFORE INSERT OR UPDATE OF session_id, user_id, keep_until ON revoked_sessions
    FOR EACH ROW EXECUTE FUNCTION revoked_sessions_numbered();

CREATE FUNCTION revoked_users_numbered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id THEN
        INSERT INTO revocation_tombstones (seq, session_id, user_id, deleted_at)
            VALUES (revocation_next_seq(), '', OLD.user_id, now());
    END IF;
    NEW.seq := revocation_next_seq();
    RETURN NEW;
END
$$;
CREATE TRIGGER revoked_users_numbered BEFORE INSERT OR UPDATE OF user_id ON revoked_users
    FOR EACH ROW EXECUTE FUNCTION revoked_users_numbered();

-- One number for all the rows one statement deletes (a prune deletes many).
CREATE FUNCTION revocations_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM gone) THEN
        RETURN NULL;
    END IF;
    n := revocation_next_seq();
    IF TG_TABLE_NAME = 'revoked_sessions' THEN
        INSERT INTO revocation_tombstones (seq, session_id, user_id, deleted_at)
            SELECT n, session_id, user_id, now() FROM gone;
    ELSE
        INSERT INTO revocation_tombstones (seq, session_id, user_id, deleted_at)
            SELECT n, '', user_id, now() FROM gone;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER revoked_sessions_deleted AFTER DELETE ON revoked_sessions
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION revocations_deleted();
CREATE TRIGGER revoked_users_deleted AFTER DELETE ON revoked_users
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION revocations_deleted();
