-- PolicyBot web store, version 1, for PostgreSQL: the tables of
-- store/migrations/0001_init.sql with PostgreSQL's types (identity keys,
-- TIMESTAMPTZ). The queries in store/queries.go run on both, so a column
-- added there is added here too, under the same version number;
-- TestPostgresSchemaMatchesSQLite compares the two.

-- A conversation is a widget session or an OpenAI-compatible chat.
CREATE TABLE conversations (
    id         TEXT        PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- What the bot remembers of each question to resolve follow-ups
-- (bot.Turn), oldest first by id.
CREATE TABLE turns (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id TEXT        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    question        TEXT        NOT NULL,
    resolved        TEXT        NOT NULL,
    doc             TEXT        NOT NULL DEFAULT '',
    article         INTEGER     NOT NULL DEFAULT 0,
    refused         BOOLEAN     NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX turns_conversation ON turns (conversation_id, id);

-- Every answered question, as the company saw it.
CREATE TABLE messages (
    id              TEXT        PRIMARY KEY,
    conversation_id TEXT        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    channel         TEXT        NOT NULL,
    question        TEXT        NOT NULL,
    answer          TEXT        NOT NULL,
    refused         BOOLEAN     NOT NULL,
    notice          TEXT        NOT NULL DEFAULT '',
    generated       BOOLEAN     NOT NULL DEFAULT FALSE,
    replaced        BOOLEAN     NOT NULL DEFAULT FALSE,
    latency_us      BIGINT      NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
CREATE INDEX messages_created ON messages (created_at);

-- The articles an answer cites, in order.
CREATE TABLE citations (
    message_id TEXT    NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    doc        TEXT    NOT NULL,
    article    INTEGER NOT NULL,
    label      TEXT    NOT NULL DEFAULT '',
    title      TEXT    NOT NULL DEFAULT '',
    department TEXT    NOT NULL DEFAULT '',
    quote      TEXT    NOT NULL DEFAULT '',
    sample     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (message_id, position)
);
CREATE INDEX citations_article ON citations (doc, article);

-- Ratings of answers; a message keeps every rating, the latest counts.
CREATE TABLE feedback (
    id         BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id TEXT        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    rating     TEXT        NOT NULL CHECK (rating IN ('up', 'down')),
    comment    TEXT        NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX feedback_message ON feedback (message_id, id);
