-- PolicyBot on several replicas, version 3 (PostgreSQL only): the Slack
-- events some replica has taken. Slack retries an event it thinks was
-- missed, and a load balancer may hand the retry to another replica; the
-- primary key lets exactly one of them insert the id, and so answer.
CREATE TABLE slack_events (
    event_id TEXT        PRIMARY KEY,
    seen_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX slack_events_seen ON slack_events (seen_at);
