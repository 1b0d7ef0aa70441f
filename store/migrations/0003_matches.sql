-- PolicyBot policy matching, version 3: every matching (政策匹配), for the
-- officials' insights — the profiles that matched nothing and the
-- conditions most often left open. The company's free text is not kept:
-- profile is the understood profile as JSON without it. unknown holds the
-- conditions left open, one a line.
CREATE TABLE matches (
    id         TEXT             PRIMARY KEY,
    profile    TEXT             NOT NULL,
    matched    INTEGER          NOT NULL,
    possible   INTEGER          NOT NULL,
    unknown    TEXT             NOT NULL DEFAULT '',
    total_yuan DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at TIMESTAMP        NOT NULL
);
CREATE INDEX matches_created ON matches (created_at);
