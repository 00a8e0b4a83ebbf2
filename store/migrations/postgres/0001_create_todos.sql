-- Todos, one row per item, always read and written by owner (the Hanko user id).
CREATE TABLE todos (
    id         uuid        NOT NULL PRIMARY KEY,
    owner      text        NOT NULL,
    title      text        NOT NULL,
    done       boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX todos_owner_created_at ON todos (owner, created_at DESC, id DESC);
