package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"policybot/bot/convlog"
	"policybot/corpus/record"
)

//go:embed migrations_pg/*.sql
var postgresMigrations embed.FS

// Postgres is every store of the server in one PostgreSQL database:
// conversations, messages and feedback (convlog.Store), the corpus's versions
// and audit log (record.Store), the Slack events already taken (FirstSeen)
// and the announcements of corpus changes (WatchCorpus). Several replicas
// share one database; each is safe for concurrent use.
//
// The SQL is the SQLite store's (queries.go, corpus.go, insights.go):
// only the schema (migrations_pg) and the transactions differ. PostgreSQL
// takes concurrent writers, so each write is its own transaction.
type Postgres struct {
	queries
	db  *sql.DB
	cfg *pgx.ConnConfig // for the listening connection of WatchCorpus

	sweepMu   sync.Mutex
	lastSweep time.Time
}

var (
	_ convlog.Store          = (*Postgres)(nil)
	_ record.Store           = (*Postgres)(nil)
	_ convlog.QuestionSource = (*Postgres)(nil)
)

// The pool of one replica. Each replica also holds one listening
// connection (WatchCorpus), so N replicas need N × (maxConns + 1)
// connections of PostgreSQL's max_connections (100 by default).
const (
	maxConns     = 16
	maxIdleConns = 4
)

// migrationLock is the key of the session-level advisory lock held while
// migrating, so that replicas starting together apply each migration
// once. The value is arbitrary and fixed ("pbot" in ASCII).
const migrationLock = 0x70626f74

// OpenPostgres connects to the database at url (postgres://user:pass@host:
// 5432/db?sslmode=… or a key=value connection string) and brings its
// schema to the newest version, holding an advisory lock so that replicas
// starting at once do not race. It refuses a database migrated by a newer
// program.
func OpenPostgres(ctx context.Context, url string) (*Postgres, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's message can quote the URL, password included.
		return nil, errors.New("open database: DATABASE_URL is not a valid PostgreSQL URL (postgres://user:password@host:5432/dbname)")
	}
	where := fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", where, err)
	}
	ms, err := readMigrations(postgresMigrations, "migrations_pg")
	if err == nil {
		err = migrateLocked(ctx, db, ms, time.Now())
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", where, err)
	}
	p := &Postgres{queries: queries{r: db, w: db, now: time.Now}, db: db, cfg: cfg}
	p.write = func(ctx context.Context, fn func(*sql.Tx) error) error { return inTx(ctx, db, fn) }
	if err := p.prepare(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", where, err)
	}
	return p, nil
}

// migrateLocked runs migrate while holding the migration lock on a
// connection of its own. The lock is the session's: it is released by
// pg_advisory_unlock, or by PostgreSQL when a replica dies holding it.
func migrateLocked(ctx context.Context, db *sql.DB, ms []migration, now time.Time) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	defer func() {
		// A failed unlock leaves the lock to the session, which ends
		// when the connection closes: discard it rather than pool it.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock)); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return migrate(ctx, db, ms, now)
}

// Ping reports whether the database answers.
func (p *Postgres) Ping(ctx context.Context) error { return p.db.PingContext(ctx) }

// Close closes the connections. Writes after Close fail.
func (p *Postgres) Close() error { return p.db.Close() }
