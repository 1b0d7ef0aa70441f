package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// errClosed is returned for a write after Close.
var errClosed = errors.New("store: closed")

// groupCommit runs the writes of concurrent callers in shared
// transactions. SQLite has one writer and a commit costs more than the few
// rows a request writes, so under load one commit for all the writes that
// queued meanwhile multiplies what the database can take. Each write runs
// under its own savepoint, so one failing write is undone alone and
// reported to its caller only.
type groupCommit struct {
	db       *sql.DB
	ops      chan *writeOp
	quit     chan struct{}
	done     chan struct{}
	maxBatch int
}

type writeOp struct {
	ctx context.Context
	fn  func(*sql.Tx) error
	err chan error
}

func newGroupCommit(db *sql.DB, maxBatch int) *groupCommit {
	g := &groupCommit{db: db, ops: make(chan *writeOp), quit: make(chan struct{}), done: make(chan struct{}), maxBatch: maxBatch}
	go g.loop()
	return g
}

// write runs fn in a transaction shared with other writers and returns
// once that transaction is committed (or fn's part of it undone).
func (g *groupCommit) write(ctx context.Context, fn func(*sql.Tx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case g.ops <- op:
	case <-g.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-op.err
}

// close stops the loop after the batch in progress.
func (g *groupCommit) close() {
	close(g.quit)
	<-g.done
}

func (g *groupCommit) loop() {
	defer close(g.done)
	for {
		var first *writeOp
		select {
		case first = <-g.ops:
		case <-g.quit:
			return
		}
		batch := []*writeOp{first}
	more:
		for len(batch) < g.maxBatch {
			select {
			case op := <-g.ops:
				batch = append(batch, op)
			default:
				break more
			}
		}
		g.commit(batch)
	}
}

func (g *groupCommit) commit(batch []*writeOp) {
	errs := make([]error, len(batch))
	reply := func() {
		for i, op := range batch {
			op.err <- errs[i]
		}
	}
	defer reply()
	// The transaction outlives any one caller's context; each write uses
	// its own.
	tx, err := g.db.BeginTx(context.Background(), nil)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return
	}
	single := len(batch) == 1
	ok := 0
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if single {
			errs[i] = op.fn(tx)
		} else {
			errs[i] = savepoint(op.ctx, tx, op.fn)
		}
		if errs[i] == nil {
			ok++
		}
	}
	if single && errs[0] != nil {
		_ = tx.Rollback()
		return
	}
	if ok == 0 {
		_ = tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("commit: %w", err)
			}
		}
	}
}

// savepoint runs fn so that its changes are undone if it fails, without
// touching the rest of the transaction.
func savepoint(ctx context.Context, tx *sql.Tx, fn func(*sql.Tx) error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT write_op"); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if _, rerr := tx.ExecContext(context.Background(), "ROLLBACK TO SAVEPOINT write_op"); rerr != nil {
			return fmt.Errorf("%w (and undoing it failed: %v)", err, rerr)
		}
		_, _ = tx.ExecContext(context.Background(), "RELEASE SAVEPOINT write_op")
		return err
	}
	// fn's writes are part of the batch now: releasing must not fail just
	// because the caller's context ended, or the caller would be told a
	// write failed that is then committed (and retry it).
	_, err := tx.ExecContext(context.Background(), "RELEASE SAVEPOINT write_op")
	return err
}
