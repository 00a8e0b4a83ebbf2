-- Todos, one row per item, always read and written by owner (the Hanko user id).
-- Timestamps are UTC text with exactly six fractional digits
-- (2006-01-02T15:04:05.000000Z), so they sort correctly as strings and keep the
-- same microsecond precision as PostgreSQL's timestamptz.
CREATE TABLE todos (
    id         TEXT    NOT NULL PRIMARY KEY,
    owner      TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    done       INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL
);

CREATE INDEX todos_owner_created_at ON todos (owner, created_at DESC, id DESC);
