package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"policybot/bot/convlog"
)

// SQLite is the store in one SQLite file, in WAL mode: one connection
// writes, committing the writes of concurrent requests together (SQLite
// allows a single writer; queuing in Go is cheaper than retrying on
// SQLITE_BUSY), while several connections read. It is safe for concurrent
// use.
type SQLite struct {
	queries
	path        string
	commit      *groupCommit
	checkpoints *checkpointer
}

var (
	_ convlog.Store = (*SQLite)(nil)
)

// readers is how many connections read concurrently.
const readers = 4

// OpenSQLite opens (creating it when needed) the database at path and
// brings its schema to the newest version.
func OpenSQLite(ctx context.Context, path string) (*SQLite, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// busy_timeout covers the readers meeting a checkpoint and a second
	// process opening the same file; synchronous=NORMAL is durable in WAL
	// mode except for the last transactions before a power cut.
	params := url.Values{}
	params.Add("_pragma", "busy_timeout(5000)")
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "synchronous(NORMAL)")
	params.Add("_pragma", "foreign_keys(1)")
	params.Set("_time_format", "sqlite")
	dsn := func(extra url.Values) string {
		v := url.Values{}
		for k, vs := range params {
			v[k] = append([]string(nil), vs...)
		}
		for k, vs := range extra {
			v[k] = append(v[k], vs...)
		}
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
	}
	// The writer never checkpoints (copying the WAL back into the database
	// and syncing it); a background connection does, so that a commit never
	// waits for the disk.
	w, err := sql.Open("sqlite", dsn(url.Values{"_txlock": {"immediate"}, "_pragma": {"wal_autocheckpoint(0)"}}))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	ms, err := readMigrations(sqliteMigrations, "migrations")
	if err == nil {
		err = migrate(ctx, w, ms, time.Now())
	}
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(url.Values{"_pragma": {"query_only(1)"}}))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	cp, err := sql.Open("sqlite", dsn(nil))
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	cp.SetMaxOpenConns(1)
	s := &SQLite{queries: queries{r: r, w: w, now: time.Now}, path: path, commit: newGroupCommit(w, maxBatch),
		checkpoints: newCheckpointer(cp, checkpointEvery)}
	s.write = s.commit.write
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// maxBatch bounds how many writes share one commit.
const maxBatch = 64

// checkpointEvery is how often the WAL is copied into the database.
const checkpointEvery = time.Second

// checkpointer copies the WAL into the database in the background
// (PRAGMA wal_checkpoint(PASSIVE), which never blocks readers or the
// writer).
type checkpointer struct {
	db   *sql.DB
	quit chan struct{}
	done chan struct{}
}

func newCheckpointer(db *sql.DB, every time.Duration) *checkpointer {
	c := &checkpointer{db: db, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				// A failed checkpoint is retried at the next tick; the
				// WAL only grows meanwhile.
				_, _ = db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			case <-c.quit:
				return
			}
		}
	}()
	return c
}

func (c *checkpointer) close() error {
	close(c.quit)
	<-c.done
	return c.db.Close()
}

// Path is the database file.
func (s *SQLite) Path() string { return s.path }

// Ping reports whether the database answers.
func (s *SQLite) Ping(ctx context.Context) error { return s.w.PingContext(ctx) }

// Close closes the database; the last connection to close checkpoints
// the WAL into the main file. Writes after Close fail.
func (s *SQLite) Close() error {
	s.commit.close()
	cerr := s.checkpoints.close()
	rerr := s.r.Close()
	if err := s.w.Close(); err != nil {
		return err
	}
	return errors.Join(rerr, cerr)
}
