-- PolicyBot corpus management, version 2, for PostgreSQL: the tables of
-- store/migrations/0002_corpus.sql, and a trigger that tells the other
-- replicas about every committed change.

-- Every uploaded version of a document (see the SQLite migration).
CREATE TABLE corpus_versions (
    doc_id        TEXT        NOT NULL,
    version       INTEGER     NOT NULL,
    status        TEXT        NOT NULL CHECK (status IN ('draft', 'published', 'retired', 'superseded')),
    title         TEXT        NOT NULL DEFAULT '',
    markdown      TEXT        NOT NULL,
    source_name   TEXT        NOT NULL DEFAULT '',
    source_type   TEXT        NOT NULL DEFAULT '',
    source_sha256 TEXT        NOT NULL DEFAULT '',
    source_size   BIGINT      NOT NULL DEFAULT 0,
    warnings      TEXT        NOT NULL DEFAULT '',
    based_on      INTEGER     NOT NULL DEFAULT 0,
    created_by    TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ,
    retired_from  TIMESTAMPTZ,
    PRIMARY KEY (doc_id, version)
);

-- Who changed what, when, from which version to which.
CREATE TABLE corpus_audit (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    who          TEXT        NOT NULL,
    action       TEXT        NOT NULL,
    doc_id       TEXT        NOT NULL DEFAULT '',
    from_version INTEGER     NOT NULL DEFAULT 0,
    to_version   INTEGER     NOT NULL DEFAULT 0,
    detail       TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX corpus_audit_doc ON corpus_audit (doc_id, id);

-- One row: the number of corpus changes committed. A change bumps it only
-- if it is still the value the change was planned on; the row lock makes
-- a concurrent change wait and then find the value moved.
CREATE TABLE corpus_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT  NOT NULL
);
INSERT INTO corpus_state (id, generation) VALUES (1, 0);

-- Every change to the generation is announced on the channel
-- policybot_corpus with the new generation. PostgreSQL delivers a NOTIFY
-- when (and only when) its transaction commits, so a replica that dies in
-- the middle of a change announces nothing, and no replica can commit a
-- change and forget to announce it.
CREATE FUNCTION policybot_corpus_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('policybot_corpus', NEW.generation::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER corpus_state_notify AFTER UPDATE OF generation ON corpus_state
    FOR EACH ROW EXECUTE FUNCTION policybot_corpus_notify();
