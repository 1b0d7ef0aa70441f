package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// corpusChannel is where the trigger of migrations_pg/0002 announces each
// committed corpus change, with the new generation as the payload.
const corpusChannel = "policybot_corpus"

// listenerName is the application_name of the listening connection, as
// pg_stat_activity shows it.
const listenerName = "policybot-listen"

// WatchOptions tune WatchCorpus.
type WatchOptions struct {
	// Poll is how often the generation is also read, for a change whose
	// notification was lost; 0 means every 2 s. A NOTIFY is delivered in
	// milliseconds; the poll is only the safety net.
	Poll time.Duration
	// Logger receives the failures of the listening connection; nil
	// discards them.
	Logger *slog.Logger
}

// WatchCorpus calls changed whenever another replica (or this one) may
// have committed a corpus change, until ctx is done; it returns when the
// last call has. changed is typically corpus.Service.Sync, which does
// nothing when the generation has not moved.
//
// It LISTENs on a connection of its own, outside the pool, and calls
// changed for every notification, after every (re)connection (what was
// announced while it was down is lost), and when the poll finds the
// generation moved. Calls never overlap: notifications that arrive during
// a call are folded into one more call.
func (p *Postgres) WatchCorpus(ctx context.Context, changed func(ctx context.Context), opts WatchOptions) {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "corpus-watch")
	kick := make(chan struct{}, 1)
	signal := func() {
		select {
		case kick <- struct{}{}:
		default: // a call is pending already
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		p.listen(ctx, signal, log)
	}()
	go func() {
		defer wg.Done()
		p.poll(ctx, opts.Poll, signal, log)
	}()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-kick:
			changed(ctx)
		}
	}
}

// listen holds the LISTEN connection, reconnecting with a growing pause
// (up to 5 s) while PostgreSQL is unreachable.
func (p *Postgres) listen(ctx context.Context, signal func(), log *slog.Logger) {
	const minPause, maxPause = 100 * time.Millisecond, 5 * time.Second
	pause := minPause
	for ctx.Err() == nil {
		connected, err := p.listenOnce(ctx, signal)
		if ctx.Err() != nil {
			return
		}
		if connected {
			pause = minPause
		}
		log.Warn("the connection listening for corpus changes failed; reconnecting", "err", err, "in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, maxPause)
	}
}

// listenOnce connects, listens and signals every notification until the
// connection fails. It reports whether it got as far as listening.
func (p *Postgres) listenOnce(ctx context.Context, signal func()) (bool, error) {
	cfg := p.cfg.Copy()
	cfg.RuntimeParams["application_name"] = listenerName
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() {
		// Closing says goodbye to the server: bounded, as the network
		// may be what failed.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+corpusChannel); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	// Changes committed before LISTEN took effect were not announced to
	// this connection: look.
	signal()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true, err
		}
		signal()
	}
}

// minPollRead is the least time the poll gives one read of the generation.
const minPollRead = 5 * time.Second

// poll reads the generation every interval and signals when it moved.
func (p *Postgres) poll(ctx context.Context, every time.Duration, signal func(), log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	last := int64(-1)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A short poll still gives a busy server time to answer: a read
		// cut at the interval would never see the generation move.
		qctx, cancel := context.WithTimeout(ctx, max(every, minPollRead))
		gen, err := p.Generation(qctx)
		cancel()
		switch {
		case err != nil:
			if ctx.Err() == nil {
				log.Warn("reading the corpus generation failed", "err", err)
			}
		case last >= 0 && gen != last:
			// Usually announced too; a Sync that finds nothing new is cheap.
			log.Debug("the corpus generation moved", "from", last, "to", gen)
			signal()
			last = gen
		default:
			last = gen
		}
	}
}
