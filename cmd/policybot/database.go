package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"

	"policybot/bot/convlog"
	"policybot/corpus/record"
	"policybot/slackbot"
	"policybot/store"
)

// database is every store the server keeps: in SQLite by default, in
// PostgreSQL when DATABASE_URL is set (several replicas share it).
type database interface {
	convlog.Store
	record.Store
	convlog.QuestionSource
	// Ping reports whether the database answers (/readyz).
	Ping(ctx context.Context) error
	Close() error
}

// openedDatabase is the database with what differs between the two.
type openedDatabase struct {
	database
	// where names it for the log: the SQLite file, or the PostgreSQL
	// server and database (never the password).
	where string
	// dedup recognises the Slack events some replica took already; nil
	// means slackbot's in-memory one, enough for the single replica
	// SQLite allows.
	dedup slackbot.Deduper
	pg    *store.Postgres
}

// openDatabase opens PostgreSQL when cfg.DatabaseURL is set, else the
// SQLite file in the data directory.
func openDatabase(ctx context.Context, cfg Config) (*openedDatabase, error) {
	if cfg.DatabaseURL == "" {
		st, err := store.OpenSQLite(ctx, filepath.Join(cfg.DataDir, dbFile))
		if err != nil {
			return nil, err
		}
		return &openedDatabase{database: st, where: st.Path()}, nil
	}
	pg, err := store.OpenPostgres(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	return &openedDatabase{database: pg, where: redactURL(cfg.DatabaseURL), dedup: pg, pg: pg}, nil
}

// watchCorpus keeps this replica's index in step with the changes other
// replicas commit, until ctx is done: on PostgreSQL it calls sync (the
// corpus Service's Sync) at every change notification, with a poll as the
// fallback. On SQLite, which one replica owns, it does nothing: the corpus
// Service's own periodic Sync covers retire dates.
func (d *openedDatabase) watchCorpus(ctx context.Context, log *slog.Logger, sync func(context.Context) (bool, error)) {
	if d.pg == nil {
		return
	}
	d.pg.WatchCorpus(ctx, func(ctx context.Context) {
		rebuilt, err := sync(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("corpus: another replica's change could not be applied; the previous index stays live", "err", err)
		case rebuilt:
			log.Info("corpus: index rebuilt for another replica's change")
		}
	}, store.WatchOptions{Logger: log})
}

// redactURL is a database URL without its password, for the log.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "postgres (DATABASE_URL)"
	}
	return fmt.Sprintf("postgres://%s%s", u.Host, u.Path)
}
