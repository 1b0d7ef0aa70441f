-- PolicyBot corpus management, version 2: the documents' versions, the
-- audit log of every change, and the generation counter replicas poll.
-- Portable SQL as in 0001 (corpus_audit.id is GENERATED ALWAYS AS IDENTITY
-- in PostgreSQL).

-- Every uploaded version of a document. markdown is the text the bot
-- uses (the corpus format); the uploaded file itself is not kept, only its
-- name, type, size and hash. A document has at most one current version
-- (status published or retired); the ones it replaced are superseded.
CREATE TABLE corpus_versions (
    doc_id        TEXT      NOT NULL,
    version       INTEGER   NOT NULL,
    status        TEXT      NOT NULL CHECK (status IN ('draft', 'published', 'retired', 'superseded')),
    title         TEXT      NOT NULL DEFAULT '',
    markdown      TEXT      NOT NULL,
    source_name   TEXT      NOT NULL DEFAULT '',
    source_type   TEXT      NOT NULL DEFAULT '',
    source_sha256 TEXT      NOT NULL DEFAULT '',
    source_size   BIGINT    NOT NULL DEFAULT 0,
    -- The conversion's notes for the uploader, one per line.
    warnings      TEXT      NOT NULL DEFAULT '',
    -- The version a rollback copied; 0 otherwise.
    based_on      INTEGER   NOT NULL DEFAULT 0,
    created_by    TEXT      NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    published_at  TIMESTAMP,
    retired_from  TIMESTAMP,
    PRIMARY KEY (doc_id, version)
);

-- Who changed what, when, from which version to which.
CREATE TABLE corpus_audit (
    id           INTEGER   PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    who          TEXT      NOT NULL,
    action       TEXT      NOT NULL,
    doc_id       TEXT      NOT NULL DEFAULT '',
    from_version INTEGER   NOT NULL DEFAULT 0,
    to_version   INTEGER   NOT NULL DEFAULT 0,
    detail       TEXT      NOT NULL DEFAULT ''
);
CREATE INDEX corpus_audit_doc ON corpus_audit (doc_id, id);

-- One row: the number of corpus changes committed. Every change bumps it
-- on the condition that it is still the value the change was planned on,
-- so two writers (replicas) cannot interleave, and a replica that sees it
-- move reloads the corpus.
CREATE TABLE corpus_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);
INSERT INTO corpus_state (id, generation) VALUES (1, 0);
